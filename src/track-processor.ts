// The local-microphone TrackProcessor for livekit-client: `track.setProcessor(processor)` makes
// the denoised audio the published audio. Lifecycle (livekit-client 2.23):
// - init/restart: the SDK hands the capture track and its AudioContext. A restart with the same
//   context (device switch) re-wires only the source; a new context rebuilds the node in it.
// - destroy: the SDK calls it when the track stops (unpublish, disconnect) or its context goes.
//   Everything is released and the capture constraints are restored; init may run again later,
//   so one processor object can be set on the next track (after a republish or a rejoin).
// - onPublish(room): a TrackBinding tells the node the stream info and credentials.
// Audio never goes silent because of us: until the node runs, and after it fails, the capture
// track itself is what the sender sends, and an 'error' event says why.
import { Track, type AudioProcessorOptions, type LocalTrack, type Room, type TrackProcessor } from 'livekit-client';
import type { ContextState, ProcessorStats } from './types';
import { EventChannel, type EventSource } from './emitter';
import { DenoiserError } from './errors';
import { log } from './log';
import { NoiseCancellation } from './noise-cancellation';
import type { NoiseCancellationOptions } from './options';
import { resolveStrength, type Strength } from './strength';
import { TrackBinding } from './track-binding';

export interface NoiseCancellationProcessorOptions extends NoiseCancellationOptions {
  /**
   * Turn the browser's own noiseSuppression (and voiceIsolation where it exists) off on the
   * capture track while the processor runs, restoring the track's constraints on destroy.
   * Default true: two suppressors in a row cost speech and gain nothing.
   */
  disableBrowserNoiseSuppression?: boolean;
  /** Passed to the TrackBinding: used only when the Room cannot tell its server URL or token. */
  credentials?: { url?: string; token?: string | (() => string | undefined) };
}

export type NoiseCancellationProcessorEvents = {
  /** Something failed; the published audio is the capture track itself until it recovers. */
  error: [error: DenoiserError];
  stats: [stats: ProcessorStats];
  /** Whether the published audio is the denoised track (true) or the capture track (false). */
  processing: [processing: boolean];
  /**
   * The AudioContext is not running (autoplay policy: 'suspended' until a user gesture), so the
   * capture track is published unprocessed; or it runs again and the denoised track is back.
   * Call resume() (or room.startAudio()) from a user gesture.
   */
  'context-state': [state: ContextState];
};

type NoiseSuppressionConstraints = MediaTrackConstraints & { voiceIsolation?: ConstrainBoolean };

export class NoiseCancellationTrackProcessor implements TrackProcessor<Track.Kind.Audio, AudioProcessorOptions> {
  readonly name = 'lk-denoise';
  /** The denoised track the SDK publishes; undefined while the capture track is sent as is. */
  processedTrack?: MediaStreamTrack;
  // Only this class emits: `events` can listen, not emit.
  private readonly channel = new EventChannel<NoiseCancellationProcessorEvents>();
  readonly events: EventSource<NoiseCancellationProcessorEvents> = this.channel.source;
  private readonly options: NoiseCancellationProcessorOptions;
  private enabled: boolean;
  private strengthValue: number;
  private nc: NoiseCancellation | undefined;
  private unsubscribe: (() => void) | undefined;
  private source: MediaStreamTrack | undefined;
  private localTrack: LocalTrack | undefined;
  // The app's own suppression settings, from the first capture track; restored on destroy.
  private originalSuppression: Suppression | undefined;
  private readonly quieted = new WeakSet<MediaStreamTrack>();
  private readonly recaptured = new WeakSet<MediaStreamTrack>();
  private pendingRecapture = false;
  private binding: TrackBinding | undefined;
  private roomRef: WeakRef<Room> | undefined;
  // Bumped by every init/restart/destroy, so an await that returns late sees it was overtaken.
  private generation = 0;

  constructor(options: NoiseCancellationProcessorOptions = {}) {
    this.options = options;
    this.enabled = options.enabled ?? true;
    // Checked now, so a bad value throws where the app wrote it, not inside setProcessor.
    this.strengthValue = resolveStrength(options.strength ?? 1);
  }

  /** The NoiseCancellation running now (undefined before init, after destroy or a failure). */
  get noiseCancellation(): NoiseCancellation | undefined {
    return this.nc;
  }

  /** The AudioContext the node runs in (the one livekit-client gave). */
  get audioContext(): AudioContext | undefined {
    return this.nc?.context as AudioContext | undefined;
  }

  get stats(): ProcessorStats | undefined {
    return this.nc?.stats;
  }

  /** The state of the AudioContext the node runs in (undefined without a node). */
  get contextState(): ContextState | undefined {
    return this.nc?.contextState;
  }

  /** Resumes the AudioContext (from a user gesture); the denoised track is published once it runs. */
  async resume(): Promise<void> {
    await this.nc?.resume();
  }

  /** True while the published audio is the denoised track. */
  get isProcessing(): boolean {
    return this.processedTrack !== undefined;
  }

  isEnabled(): boolean {
    return this.enabled;
  }

  /** Crossfades between denoised and dry in the running node; the graph stays as it is. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    this.nc?.setEnabled(enabled);
  }

  get strength(): number {
    return this.strengthValue;
  }

  /** Live, ramped in the worklet (see NoiseCancellation.setStrength). */
  setStrength(strength: Strength): void {
    this.strengthValue = resolveStrength(strength);
    this.nc?.setStrength(this.strengthValue);
  }

  async init(opts: AudioProcessorOptions): Promise<void> {
    await this.build(opts);
  }

  async restart(opts: AudioProcessorOptions): Promise<void> {
    await this.build(opts);
  }

  async onPublish(room: Room): Promise<void> {
    this.roomRef = new WeakRef(room);
    this.bindRoom();
  }

  async onUnpublish(): Promise<void> {
    // The binding also clears itself on LocalTrackUnpublished; this covers SDKs that call us.
    this.binding?.close();
    this.binding = undefined;
  }

  /** Releases the node and restores the capture constraints. Safe to call twice; init may follow. */
  async destroy(): Promise<void> {
    this.generation++;
    this.releaseNode();
    const source = this.source;
    this.source = undefined;
    await this.restoreConstraints(source);
    this.localTrack = undefined;
  }

  private async build(opts: AudioProcessorOptions): Promise<void> {
    const generation = ++this.generation;
    this.localTrack = opts.localTrack ?? this.localTrack;
    const context = opts.audioContext as AudioContext | undefined;
    const track = opts.track;
    // A new capture track (device switch, re-capture): the old one is the SDK's to stop.
    this.source = track;
    if (this.pendingRecapture) {
      // The product of our own re-capture: never re-captured again, so a browser that ignores
      // the constraint cannot send us round in a loop.
      this.pendingRecapture = false;
      this.recaptured.add(track);
    }
    if (!context || context.state === 'closed') {
      this.releaseNode();
      this.fail(DenoiserError.passThrough(DenoiserError.contextClosed(context ? context.state : 'none given')));
      return;
    }
    if (!this.nc || this.nc.isClosed || this.nc.context !== context) {
      this.releaseNode();
      let nc: NoiseCancellation;
      try {
        nc = await NoiseCancellation.create(context, { ...this.options, enabled: this.enabled, strength: this.strengthValue });
      } catch (error) {
        if (generation === this.generation) {
          this.fail(DenoiserError.passThrough(asDenoiserError(error)));
        }
        return;
      }
      if (generation !== this.generation) {
        nc.close();
        return;
      }
      this.adopt(nc);
    }
    const nc = this.nc as NoiseCancellation;
    try {
      nc.attachInput(track, { remote: false });
    } catch (error) {
      this.releaseNode();
      this.fail(DenoiserError.passThrough(asDenoiserError(error)));
      return;
    }
    await this.quietBrowserProcessing(track);
    if (generation !== this.generation) return;
    this.publishWhenRunning(context, nc);
    this.bindRoom();
  }

  /** Takes a new node: its events are ours, and a context closed under it falls back to dry. */
  private adopt(nc: NoiseCancellation): void {
    this.nc = nc;
    const offError = nc.events.on('error', (error) => {
      this.channel.send('error', error);
      if (error.reason === 'context-closed') this.fallBack();
    });
    const offStats = nc.events.on('stats', (stats) => this.channel.send('stats', stats));
    // A context that stops running renders silence: send the capture track until it runs again.
    const offState = nc.events.on('context-state', (state) => {
      if (state === 'running') this.publishWhenRunning(nc.context as AudioContext, nc, true);
      else this.fallBack();
      this.channel.send('context-state', state);
    });
    // A crashed worklet node outputs silence: send the capture track instead.
    const onCrash = (): void => this.fallBack();
    nc.node.addEventListener('processorerror', onCrash);
    this.unsubscribe = () => {
      offError();
      offStats();
      offState();
      nc.node.removeEventListener('processorerror', onCrash);
    };
  }

  /**
   * A context that is not running renders nothing, so its output would be silence: the capture
   * track is published until it runs (the node's 'context-state' event calls this again then).
   * From init/restart the SDK sends processedTrack itself; later we switch the sender.
   */
  private publishWhenRunning(context: AudioContext, nc: NoiseCancellation, switchSender = false): void {
    if (context.state !== 'running' || this.nc !== nc || nc.isClosed || !this.source) {
      this.processedTrack = undefined;
      return;
    }
    const output = nc.outputTrack;
    if (this.processedTrack === output) return;
    this.processedTrack = output;
    if (switchSender) this.swapSender(output);
    this.channel.send('processing', true);
  }

  /** The node failed while published: send the capture track again, keep the rest for destroy. */
  private fallBack(): void {
    if (this.processedTrack === undefined) return;
    this.processedTrack = undefined;
    if (this.source) this.swapSender(this.source);
    log.warn('denoising stopped; the microphone is published unprocessed');
    this.channel.send('processing', false);
  }

  private swapSender(track: MediaStreamTrack): void {
    const sender = this.localTrack?.sender;
    if (!sender) return;
    sender.replaceTrack(track).catch((error: unknown) => {
      this.fail(DenoiserError.browserConstraints('could not switch the published track', error));
    });
  }

  private fail(error: DenoiserError): void {
    log.warn(`track processor: ${error.message}`);
    this.channel.send('error', error);
  }

  private releaseNode(): void {
    this.binding?.close();
    this.binding = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.nc?.close();
    this.nc = undefined;
    if (this.processedTrack) {
      this.processedTrack = undefined;
      this.channel.send('processing', false);
    }
  }

  /** Follows the room the track is published in, telling the node stream info and credentials. */
  private bindRoom(): void {
    const room = this.roomRef?.deref();
    const nc = this.nc;
    const track = this.localTrack;
    if (!room || !nc || nc.isClosed || !track) return;
    if (this.binding && !this.binding.isEnded && this.binding.processor === nc) {
      if (this.binding.room !== room) this.binding.setRoom(room);
      return;
    }
    this.binding?.close();
    try {
      this.binding = TrackBinding.attach(room, track, {
        processor: nc,
        // The SDK feeds the node through init/restart; the binding only pushes metadata.
        connectAudio: false,
        autoCloseNoiseCancellation: false,
        credentials: this.options.credentials,
      });
    } catch (error) {
      this.binding = undefined;
      // Audio is unaffected; only stream info and credentials will not reach the processor.
      this.fail(asDenoiserError(error));
    }
  }

  /**
   * Turns the browser's suppressors off on the capture track. The standard way is
   * applyConstraints; Chromium resolves it but keeps its audio processing as captured, so where
   * the settings still say on, the track is captured again through livekit-client (restartTrack
   * with the same device, which calls restart() with the new track). Once per capture track.
   */
  private async quietBrowserProcessing(track: MediaStreamTrack): Promise<void> {
    if (this.options.disableBrowserNoiseSuppression === false || this.quieted.has(track)) return;
    this.quieted.add(track);
    const before = readSuppression(track);
    // What the app had: restored on destroy. A re-capture keeps the first capture's values.
    this.originalSuppression ??= before;
    if (!before.noiseSuppression && !before.voiceIsolation) return;
    try {
      await track.applyConstraints(suppressionConstraints(track, false));
    } catch (error) {
      this.fail(DenoiserError.browserConstraints("could not turn the browser's noise suppression off", error));
      return;
    }
    if (!readSuppression(track).noiseSuppression) return;
    this.recapture(track, false);
  }

  /**
   * Captures the same device again with the browser's noise suppression on or off. Turning it
   * off runs through restart() again, so a track we captured ourselves is never re-captured.
   */
  private recapture(track: MediaStreamTrack, suppression: boolean): void {
    const local = this.localTrack;
    if (!local || !('restartTrack' in local) || (!suppression && this.recaptured.has(track))) {
      this.fail(
        DenoiserError.browserConstraints(
          `the browser kept its noise suppression ${suppression ? 'off' : 'on'} (applyConstraints had no effect)`,
        ),
      );
      return;
    }
    // Turning it on happens on destroy: the SDK calls no processor for that capture.
    this.pendingRecapture = !suppression;
    const settings = track.getSettings();
    const options = {
      deviceId: settings.deviceId ? { exact: settings.deviceId } : undefined,
      echoCancellation: settings.echoCancellation,
      autoGainControl: settings.autoGainControl,
      channelCount: settings.channelCount,
      noiseSuppression: suppression,
      ...('voiceIsolation' in settings ? { voiceIsolation: suppression && this.originalSuppression?.voiceIsolation === true } : {}),
    };
    // Not awaited: livekit-client holds its track lock while it calls us, and restartTrack
    // waits for that lock; it runs once setProcessor (or stopProcessor) has finished.
    (local as LocalTrack & { restartTrack(o: object): Promise<void> }).restartTrack(options).catch((error: unknown) => {
      this.pendingRecapture = false;
      this.fail(
        DenoiserError.browserConstraints(
          `could not capture the microphone again with noise suppression ${suppression ? 'on' : 'off'}`,
          error,
        ),
      );
    });
  }

  private async restoreConstraints(track: MediaStreamTrack | undefined): Promise<void> {
    const original = this.originalSuppression;
    this.originalSuppression = undefined;
    if (!track || !original || track.readyState === 'ended') return;
    const now = readSuppression(track);
    if (now.noiseSuppression === original.noiseSuppression && now.voiceIsolation === original.voiceIsolation) return;
    try {
      await track.applyConstraints(suppressionConstraints(track, original.noiseSuppression, original.voiceIsolation));
    } catch (error) {
      this.fail(DenoiserError.browserConstraints("could not restore the microphone's constraints", error));
      return;
    }
    if (readSuppression(track).noiseSuppression !== original.noiseSuppression) this.recapture(track, original.noiseSuppression);
  }
}

interface Suppression {
  noiseSuppression: boolean;
  voiceIsolation: boolean;
}

function readSuppression(track: MediaStreamTrack): Suppression {
  const settings = track.getSettings() as MediaTrackSettings & { voiceIsolation?: boolean };
  return { noiseSuppression: settings.noiseSuppression === true, voiceIsolation: settings.voiceIsolation === true };
}

function suppressionConstraints(track: MediaStreamTrack, noiseSuppression: boolean, voiceIsolation = false): NoiseSuppressionConstraints {
  const constraints: NoiseSuppressionConstraints = { ...track.getConstraints(), noiseSuppression };
  const supported = (typeof navigator !== 'undefined' ? navigator.mediaDevices?.getSupportedConstraints?.() : undefined) ?? {};
  if ('voiceIsolation' in supported) constraints.voiceIsolation = voiceIsolation;
  return constraints;
}

function asDenoiserError(error: unknown): DenoiserError {
  if (error instanceof DenoiserError) return error;
  return new DenoiserError('processor-crashed', error instanceof Error ? error.message : String(error), { cause: error });
}

/**
 * A livekit-client TrackProcessor that denoises the local microphone before it is published:
 * `await micTrack.setProcessor(createNoiseCancellationProcessor())`.
 */
export function createNoiseCancellationProcessor(options: NoiseCancellationProcessorOptions = {}): NoiseCancellationTrackProcessor {
  return new NoiseCancellationTrackProcessor(options);
}
