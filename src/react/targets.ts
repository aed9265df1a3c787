// What the hook drives, one object per target session (a track, in one connection of the Room):
// - a local microphone: a NoiseCancellationTrackProcessor set on the LocalAudioTrack, so what is
//   published is denoised;
// - a remote participant's track: a NoiseCancellation in the Room's webAudioMix AudioContext, put
//   in the SDK's own playback graph (RemoteAudioTrack.setWebAudioPlugins), bound with a
//   TrackBinding, so what the app plays (e.g. <RoomAudioRenderer />) is denoised.
// Nothing is cached beyond a session: a new track, or the same one after Room.disconnect(), gets
// a new object and with it a new processor in whatever AudioContext that session has.
// Applies run one after another; close() waits for the one in flight, then tears down, once.
import type { LocalAudioTrack, RemoteAudioTrack, Room } from 'livekit-client';
// From the main entry, so the declarations of lk-denoise/react refer to its classes instead of
// copies (tools/scripts/build-types.mjs keeps `../index` an import).
import {
  DenoiserError,
  NoiseCancellation,
  TrackBinding,
  createNoiseCancellationProcessor,
  type NoiseCancellationOptions,
  type NoiseCancellationProcessorOptions,
  type NoiseCancellationTrackProcessor,
  type ProcessorStats,
} from '../index';
import { log } from '../log';

export interface TargetSink {
  error(error: DenoiserError): void;
  stats(stats: ProcessorStats): void;
}

export type Target = LocalTarget | RemoteTarget;

/** What both processors have: a live on/off switch and error/stats events. */
interface Switchable {
  setEnabled(enabled: boolean): void;
  readonly events: {
    on(event: 'error', listener: (error: DenoiserError) => void): () => void;
    on(event: 'stats', listener: (stats: ProcessorStats) => void): () => void;
  };
}

abstract class SerialTarget<P extends Switchable> {
  processor: P | undefined;
  private queue: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  protected closed = false;

  constructor(private readonly sink: TargetSink) {}

  /** Denoising on (building what is missing) or off (a crossfade in the running node). Rejects with a DenoiserError. */
  apply(enabled: boolean): Promise<void> {
    const run = this.queue.then(() => (this.closed ? undefined : this.applyNow(enabled)));
    this.queue = run.catch(() => undefined);
    return run.catch((error: unknown) => {
      throw asDenoiserError(error);
    });
  }

  /** Safe to repeat; the teardown runs after the apply in flight, so nothing it builds is left behind. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = this.queue
      .then(() => this.teardown(this.release()))
      .catch((error: unknown) => log.warn(`noise cancellation hook: teardown: ${String(error)}`));
  }

  private async applyNow(enabled: boolean): Promise<void> {
    if (this.processor) {
      this.processor.setEnabled(enabled);
      return;
    }
    // Off and never built: nothing to do (the track is used as it is).
    if (enabled) await this.build();
  }

  /** The processor's events are the hook's state from now on. */
  protected adopt(processor: P): void {
    const offError = processor.events.on('error', (e) => this.sink.error(e));
    const offStats = processor.events.on('stats', (s) => this.sink.stats(s));
    this.unsubscribe = () => {
      offError();
      offStats();
    };
    this.processor = processor;
  }

  /** Stops listening and hands the processor (if any) over to be torn down. */
  protected release(): P | undefined {
    const processor = this.processor;
    this.processor = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    return processor;
  }

  protected abstract build(): Promise<void>;
  protected abstract teardown(processor: P | undefined): Promise<void>;
}

export class LocalTarget extends SerialTarget<NoiseCancellationTrackProcessor> {
  readonly kind = 'local';

  constructor(
    private readonly track: LocalAudioTrack,
    private readonly options: NoiseCancellationProcessorOptions,
    sink: TargetSink,
  ) {
    super(sink);
  }

  protected async build(): Promise<void> {
    const processor = createNoiseCancellationProcessor({ ...this.options, enabled: true });
    this.adopt(processor);
    try {
      await this.track.setProcessor(processor);
    } catch (error) {
      this.release();
      await processor.destroy();
      throw error;
    }
  }

  protected async teardown(processor: NoiseCancellationTrackProcessor | undefined): Promise<void> {
    if (!processor) return;
    // Still on the track (the hook unmounted, or the app switched targets): take it off, which
    // restores the capture track; after a disconnect the SDK has already destroyed it.
    if (this.track.getProcessor() === processor) await this.track.stopProcessor();
    else await processor.destroy();
  }
}

export class RemoteTarget extends SerialTarget<NoiseCancellation> {
  readonly kind = 'remote';
  private binding: TrackBinding | undefined;

  constructor(
    private readonly room: Room,
    private readonly track: RemoteAudioTrack,
    private readonly options: NoiseCancellationOptions,
    sink: TargetSink,
  ) {
    super(sink);
  }

  protected async build(): Promise<void> {
    const nc = await NoiseCancellation.create(playbackContext(this.room), { ...this.options, enabled: true });
    if (this.closed) {
      nc.close();
      return;
    }
    this.adopt(nc);
    // The SDK feeds the node from its own source and plays the node's output (through its
    // volume gain): the binding only tells the node stream info and credentials.
    this.binding = TrackBinding.attach(this.room, this.track, { processor: nc, connectAudio: false });
    this.track.setWebAudioPlugins([nc.node]);
  }

  protected async teardown(nc: NoiseCancellation | undefined): Promise<void> {
    if (nc) this.track.setWebAudioPlugins([]);
    this.binding?.close();
    this.binding = undefined;
    nc?.close();
  }
}

/**
 * The AudioContext the SDK plays remote tracks in. Only a context the app handed the Room
 * (`webAudioMix: { audioContext }`) is public; without one the SDK plays through <audio>
 * elements, which no node can be put into.
 */
function playbackContext(room: Room): AudioContext {
  const mix = room.options.webAudioMix;
  if (typeof mix === 'object' && mix.audioContext) return mix.audioContext;
  throw new DenoiserError(
    'context-kind',
    'denoising a remote track needs the AudioContext it plays in: create the Room with webAudioMix: { audioContext } ' +
      `(was webAudioMix: ${JSON.stringify(mix)}); the track plays unprocessed`,
    { value: mix },
  );
}

export function asDenoiserError(error: unknown): DenoiserError {
  if (error instanceof DenoiserError) return error;
  return new DenoiserError('processor-crashed', error instanceof Error ? error.message : String(error), { cause: error });
}
