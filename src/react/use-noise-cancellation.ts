// useNoiseCancellation: the React hook, shaped like useKrispNoiseFilter from
// @livekit/components-react/krisp ({ setNoiseFilterEnabled, isNoiseFilterEnabled,
// isNoiseFilterPending, processor } ↔ { setEnabled, isEnabled, isPending, processor }), plus
// `error` and `stats` as state. The target is the local microphone unless a trackRef names
// another track; a remote participant's track is denoised where it plays (see targets.ts).
// The Room comes from the `room` argument or components-react's RoomContext.
import { useCallback, useEffect, useReducer, useRef, useState, useSyncExternalStore } from 'react';
import { useMaybeRoomContext } from '@livekit/components-react';
import { LocalAudioTrack, RemoteAudioTrack, RoomEvent, Track, type Participant, type Room, type TrackPublication } from 'livekit-client';
import {
  DenoiserError,
  type NoiseCancellation,
  type NoiseCancellationProcessorOptions,
  type NoiseCancellationTrackProcessor,
  type ProcessorStats,
} from '../index';
import { initialState, reduce } from './state';
import { LocalTarget, RemoteTarget, asDenoiserError, type Target } from './targets';

/** The parts of a components-react TrackReference the hook reads (any object of this shape will do). */
export interface NoiseCancellationTrackRef {
  participant: Participant;
  publication?: TrackPublication;
  source?: Track.Source;
}

export interface UseNoiseCancellationOptions {
  /** The track to denoise. Default: the local participant's microphone. */
  trackRef?: NoiseCancellationTrackRef;
  /**
   * Processor options (NoiseCancellation options; for the local mic also
   * disableBrowserNoiseSuppression and credentials). Read when a processor is built.
   * `enabled` is the initial wish (default false, as useKrispNoiseFilter: nothing runs until
   * setEnabled(true)).
   */
  options?: NoiseCancellationProcessorOptions;
  /** The Room. Default: components-react's RoomContext. */
  room?: Room;
}

export interface UseNoiseCancellationResult {
  /** Asks for denoising on or off; `isPending` is true until it is applied (or failed). */
  setEnabled: (enabled: boolean) => Promise<void>;
  isEnabled: boolean;
  isPending: boolean;
  /** The processor of the current session: the local TrackProcessor, or the remote track's NoiseCancellation. */
  processor: NoiseCancellationTrackProcessor | NoiseCancellation | undefined;
  /** The last error of the current session (also when the audio fell back to unprocessed). */
  error: DenoiserError | undefined;
  stats: ProcessorStats | undefined;
}

// Room events after which the target track may be another object, or gone.
const TARGET_EVENTS = [
  RoomEvent.LocalTrackPublished,
  RoomEvent.LocalTrackUnpublished,
  RoomEvent.TrackSubscribed,
  RoomEvent.TrackUnsubscribed,
  RoomEvent.Connected,
  RoomEvent.Disconnected,
] as const;

interface TargetKey {
  track: LocalAudioTrack | RemoteAudioTrack;
  /** Bumped on every Room disconnect: the same track object in the next connection is a new session. */
  connection: number;
  session: number;
}

let nextSession = 0;

/** The target track and its session, as a value that changes only when either does. */
function useTargetKey(room: Room | undefined, trackRef: NoiseCancellationTrackRef | undefined): TargetKey | undefined {
  const connection = useRef(0);
  const last = useRef<TargetKey | undefined>(undefined);
  const subscribe = useCallback(
    (changed: () => void) => {
      if (!room) return () => undefined;
      const onDisconnected = (): void => {
        connection.current++;
      };
      room.on(RoomEvent.Disconnected, onDisconnected);
      for (const event of TARGET_EVENTS) room.on(event, changed);
      return () => {
        room.off(RoomEvent.Disconnected, onDisconnected);
        for (const event of TARGET_EVENTS) room.off(event, changed);
      };
    },
    [room],
  );
  const read = (): TargetKey | undefined => {
    const track = trackRef ? trackRef.publication?.track : room?.localParticipant.getTrackPublication(Track.Source.Microphone)?.track;
    const audio = track instanceof LocalAudioTrack || track instanceof RemoteAudioTrack ? track : undefined;
    const prev = last.current;
    if (prev && prev.track === audio && prev.connection === connection.current) return prev;
    last.current = audio ? { track: audio, connection: connection.current, session: ++nextSession } : undefined;
    return last.current;
  };
  return useSyncExternalStore(subscribe, read, read);
}

export function useNoiseCancellation(args: UseNoiseCancellationOptions = {}): UseNoiseCancellationResult {
  const contextRoom = useMaybeRoomContext();
  const room = args.room ?? contextRoom;
  const key = useTargetKey(room, args.trackRef);
  const [state, dispatch] = useReducer(reduce, args.options?.enabled ?? false, initialState);
  const options = useRef(args.options);
  options.current = args.options;
  // The target together with the session it serves, so an apply never reaches a target of another session.
  const [current, setCurrent] = useState<{ session: number; target: Target }>();
  const applies = useRef(0);

  // One target per session, torn down when the session ends (another track, a disconnect, unmount).
  useEffect(() => {
    const session = key?.session ?? 0;
    dispatch({ type: 'session', session });
    if (!key) return;
    const sink = {
      error: (error: DenoiserError) => dispatch({ type: 'error', session, error }),
      stats: (stats: ProcessorStats) => dispatch({ type: 'stats', session, stats }),
    };
    let made: Target;
    if (key.track instanceof LocalAudioTrack) {
      made = new LocalTarget(key.track, options.current ?? {}, sink);
    } else if (room) {
      made = new RemoteTarget(room, key.track, options.current ?? {}, sink);
    } else {
      sink.error(
        new DenoiserError('invalid-option', 'a remote track needs the Room: pass `room` or render inside a RoomContext', { value: null }),
      );
      return;
    }
    setCurrent({ session, target: made });
    return () => {
      made.close();
      setCurrent(undefined);
    };
  }, [key, room]);

  // Apply what the app wants to the current target; only the newest apply settles isPending.
  useEffect(() => {
    if (!current || current.session !== key?.session) return;
    const { session, target } = current;
    if (!state.wanted && !target.processor) return;
    const apply = ++applies.current;
    const enabled = state.wanted;
    dispatch({ type: 'started', session, apply });
    target.apply(enabled).then(
      () => dispatch({ type: 'settled', session, apply, enabled }),
      (error: unknown) => dispatch({ type: 'settled', session, apply, enabled, error: asDenoiserError(error) }),
    );
  }, [current, key, state.wanted]);

  const setEnabled = useCallback(async (enabled: boolean): Promise<void> => dispatch({ type: 'requested', enabled }), []);

  return {
    setEnabled,
    isEnabled: state.isEnabled,
    isPending: state.isPending,
    processor: current?.session === key?.session ? current?.target.processor : undefined,
    error: state.error,
    stats: state.stats,
  };
}
