// NoiseCancellation: the AudioWorklet-backed FrameProcessor. The main-thread half of the worklet:
// it builds the node, turns hooks into typed port messages, and turns the processor's messages
// into events. Audio never stops because of it: on a failed wasm load the node still passes the
// input through and an 'error' event says why.
import {
  PROCESSOR_NAME,
  PROTOCOL_VERSION,
  TIER_ORDER,
  assertNever,
  type FromProcessor,
  type ProcessorOptions,
  type TierModule,
  type ToProcessor,
} from '../worklets/protocol';
import type { ContextState, Credentials, EngineFlavour, ProcessorStats, StreamInfo } from './types';
import { DenoiserError } from './errors';
import { EventChannel, type EventSource } from './emitter';
import { FrameProcessor } from './frame-processor';
import { loadWasmModule, loadWorklet, pickEngine } from './loader';
import { log } from './log';
import { DEFAULT_MAX_PROCESSORS, validateOptions, type NoiseCancellationOptions } from './options';
import { sourceFallback, sourceFor } from './source-nodes';
import { resolveStrength, type Strength } from './strength';

export type NoiseCancellationEvents = {
  ready: [info: { engine: EngineFlavour | null; latencySamples: number; sampleRate: number }];
  stats: [stats: ProcessorStats];
  error: [error: DenoiserError];
  /**
   * The AudioContext is not running (an autoplay policy keeps it 'suspended' until a user
   * gesture; Safari may 'interrupt' it), so the output is silence; or it runs again. Fired after
   * create() when the context is not running, then on every change. Not an error: resume() from
   * a user gesture fixes it. A closed context is an 'error' ('context-closed') and 'closed'.
   */
  'context-state': [state: ContextState];
  closed: [];
};

// Processors running an engine, per context, for maxProcessorsPerContext.
const liveCount = new WeakMap<BaseAudioContext, number>();

// If an app drops a NoiseCancellation without close(), still free the worklet's engine. The
// closure captures only the port, never the owner.
const finalizer =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<MessagePort>((port) => {
        try {
          port.postMessage({ type: 'close' } satisfies ToProcessor);
        } catch {
          // The context is gone; so is the processor.
        }
      })
    : undefined;

export class NoiseCancellation extends FrameProcessor {
  /**
   * Loads the worklet (once per context) and the wasm (once per page), then builds the node.
   * Rejects only when the worklet module cannot load; a wasm failure yields a pass-through
   * processor and an 'error' event.
   */
  static async create(context: BaseAudioContext, options: NoiseCancellationOptions = {}): Promise<NoiseCancellation> {
    validateOptions(options);
    if (context.state === 'closed') throw DenoiserError.contextClosed(context.state);
    if (options.engine === 'auto') return NoiseCancellation.createAuto(context, options);
    const engine = pickEngine(options.simd ?? 'auto', options.engine);
    const wasmUrl = options.wasmUrl ?? engine.url;
    const [worklet, wasm] = await Promise.allSettled([loadWorklet(context, options.workletUrl), loadWasmModule(wasmUrl)]);
    if (worklet.status === 'rejected') throw worklet.reason;
    // The context may have closed while we awaited.
    const state = context.state as AudioContextState;
    if (state === 'closed') throw DenoiserError.contextClosed(state);
    const module = wasm.status === 'fulfilled' ? wasm.value : null;
    const nc = NoiseCancellation.build(context, options, engine.flavour, module, null);
    if (wasm.status === 'rejected') nc.queueError(DenoiserError.passThrough(asWasmError(wasm.reason, wasmUrl)));
    return nc;
  }

  /**
   * Engine 'auto': every tier's wasm, each compiled once per page like a single engine's. A tier
   * that fails to load is dropped with an 'error' naming it; with none, audio passes through.
   * (`wasmUrl` names one engine's file, so it does not apply here.)
   */
  private static async createAuto(context: BaseAudioContext, options: NoiseCancellationOptions): Promise<NoiseCancellation> {
    const picks = TIER_ORDER.map((name) => ({ name, ...pickEngine(options.simd ?? 'auto', name) }));
    const [worklet, ...loads] = await Promise.allSettled([
      loadWorklet(context, options.workletUrl),
      ...picks.map((p) => loadWasmModule(p.url)),
    ]);
    if (worklet.status === 'rejected') throw worklet.reason;
    const state = context.state as AudioContextState;
    if (state === 'closed') throw DenoiserError.contextClosed(state);
    const tiers: TierModule[] = [];
    const dropped: DenoiserError[] = [];
    loads.forEach((load, i) => {
      const pick = picks[i] as (typeof picks)[number];
      if (load.status === 'fulfilled') tiers.push({ engine: pick.flavour, wasmModule: load.value as WebAssembly.Module });
      else dropped.push(DenoiserError.tierDropped(pick.name, asWasmError(load.reason, pick.url)));
    });
    const first = tiers[0];
    const nc = NoiseCancellation.build(
      context,
      options,
      first?.engine ?? (picks[0] as (typeof picks)[number]).flavour,
      first?.wasmModule ?? null,
      tiers,
    );
    for (const error of dropped) nc.queueError(tiers.length > 0 ? error : DenoiserError.passThrough(error));
    return nc;
  }

  private static build(
    context: BaseAudioContext,
    options: NoiseCancellationOptions,
    flavour: EngineFlavour,
    module: WebAssembly.Module | null,
    tiers: TierModule[] | null,
  ): NoiseCancellation {
    const limit = options.maxProcessorsPerContext ?? DEFAULT_MAX_PROCESSORS;
    const running = liveCount.get(context) ?? 0;
    const nc = new NoiseCancellation(context, options, flavour, module, running >= limit, tiers);
    // Like start errors, told in a later task so that the code awaiting create() hears it.
    if (!isOffline(context) && context.state !== 'running') setTimeout(() => nc.onContextState(), 0);
    if (running >= limit) {
      nc.queueError(DenoiserError.overload(running, limit));
    }
    return nc;
  }

  /**
   * Errors found while creating: kept on the object, and emitted in a later task, after the
   * code awaiting create() has had its chance to subscribe.
   */
  private queueError(error: DenoiserError): void {
    this.startError ??= error;
    setTimeout(() => this.channel.send('error', error), 0);
  }

  readonly context: BaseAudioContext;
  readonly node: AudioWorkletNode;
  // Only this class emits: `events` can listen, not emit.
  private readonly channel = new EventChannel<NoiseCancellationEvents>();
  /** The processor's events; `on` returns an unsubscribe function. */
  readonly events: EventSource<NoiseCancellationEvents> = this.channel.source;
  private enabled: boolean;
  private strengthValue: number;
  private closed = false;
  private finished = false;
  private readonly contextListener: () => void;
  // The context state last told through 'context-state' (a live context starts out as running).
  private toldState: ContextState = 'running';
  private source: MediaStreamAudioSourceNode | undefined;
  private mediaElement: HTMLAudioElement | undefined;
  private destination: MediaStreamAudioDestinationNode | undefined;
  private lastStats: ProcessorStats | undefined;
  private startError: DenoiserError | undefined;
  private readonly counted: boolean;
  private readyInfo: NoiseCancellationEvents['ready'][0] | undefined;
  private readonly remoteWorkaround: boolean;
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;

  private constructor(
    context: BaseAudioContext,
    options: NoiseCancellationOptions,
    flavour: EngineFlavour,
    module: WebAssembly.Module | null,
    overloaded: boolean,
    tiers: TierModule[] | null,
  ) {
    super();
    this.context = context;
    this.counted = !overloaded;
    if (this.counted) liveCount.set(context, (liveCount.get(context) ?? 0) + 1);
    this.enabled = options.enabled ?? true;
    this.strengthValue = resolveStrength(options.strength ?? 1);
    this.remoteWorkaround = options.remoteTrackWorkaround ?? true;
    const channelMode = options.channelMode ?? 'downmix';
    const channels = channelMode === 'per-channel' ? 2 : 1;
    const processorOptions: ProcessorOptions = {
      protocolVersion: PROTOCOL_VERSION,
      wasmModule: module,
      engine: flavour,
      tiers: tiers && tiers.length > 0 ? tiers : null,
      enabled: this.enabled,
      requireCredentials: options.requireCredentials ?? false,
      channelMode,
      statsIntervalMs: options.statsIntervalMs ?? 1000,
      crossfadeMs: options.crossfadeMs ?? 10,
      strength: this.strengthValue,
      overloaded,
      // An OfflineAudioContext has no real time to keep: it may render slower than real time.
      overloadProtection: (options.overloadProtection ?? true) && !isOffline(context),
      gating: options.gating ?? true,
    };
    this.node = new AudioWorkletNode(context, PROCESSOR_NAME, {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [channels],
      channelCount: channels,
      channelCountMode: 'explicit',
      channelInterpretation: 'speakers',
      processorOptions,
    });
    // onmessage (not addEventListener) starts the port implicitly. The handlers reach this
    // object weakly: the audio graph keeps the node alive, and the node must not keep a dropped
    // NoiseCancellation alive, or the finalizer below could never free the engine.
    const self = new WeakRef(this);
    this.node.port.onmessage = (event: MessageEvent<FromProcessor>) => self.deref()?.onMessage(event.data);
    this.node.onprocessorerror = () => {
      self.deref()?.channel.send('error', DenoiserError.processorCrashed());
    };
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
    // An OfflineAudioContext also ends 'closed' once rendered, which is no loss; only a live
    // context closing takes the processor away.
    this.contextListener = () => self.deref()?.onContextState();
    if (!isOffline(context)) context.addEventListener('statechange', this.contextListener);
    finalizer?.register(this, this.node.port, this);
    log.info(`created (engine ${module ? flavour : 'none'}, ${context.sampleRate} Hz, ${channelMode})`);
  }

  /**
   * Latest stats from the worklet (about once a second, and on every change), with the context's
   * state as of now. Undefined until the worklet first ran: a context suspended from the start
   * runs no worklet (see contextState).
   */
  get stats(): ProcessorStats | undefined {
    return this.lastStats && { ...this.lastStats, contextState: this.context.state as ContextState };
  }

  /** The AudioContext's state: the output is silence unless 'running'. */
  get contextState(): ContextState {
    return this.context.state as ContextState;
  }

  /**
   * Resumes a suspended AudioContext. Call it from a user gesture (a click handler): an autoplay
   * policy refuses it otherwise, and the promise stays pending or rejects as the browser decides.
   */
  async resume(): Promise<void> {
    if (this.closed) throw DenoiserError.processorClosed();
    if (!('resume' in this.context)) throw DenoiserError.contextKind('OfflineAudioContext', 'resume()');
    await (this.context as AudioContext).resume();
  }

  /** Set once the worklet has started: engine, added delay, sample rate. */
  get ready(): NoiseCancellationEvents['ready'][0] | undefined {
    return this.readyInfo;
  }

  /** Why the engine is not running, if it failed to load or the context was at capacity. */
  get error(): DenoiserError | undefined {
    return this.startError;
  }

  override get isClosed(): boolean {
    return this.closed;
  }

  /** Whether a track's audio is wired in (leak checks: at most one input at any time). */
  get hasInput(): boolean {
    return this.source !== undefined;
  }

  /**
   * The node feeding the processor from the attached track. Tap it for "before" analysis:
   * a second MediaStreamAudioSourceNode on the same track is not sample-aligned with this one.
   */
  get inputNode(): AudioNode | undefined {
    return this.source;
  }

  /** Resolves once the worklet confirmed it freed its engine. */
  whenClosed(): Promise<void> {
    return this.closedPromise;
  }

  isEnabled(): boolean {
    return this.enabled;
  }

  /** Crossfades (default 10 ms) between the denoised and the equally delayed dry signal. */
  setEnabled(enabled: boolean): void {
    if (this.closed) return;
    this.enabled = enabled;
    this.send({ type: 'set-enabled', enabled });
  }

  /** The strength last set, as a number from 0 to 1. */
  get strength(): number {
    return this.strengthValue;
  }

  /**
   * Live, without a click: the worklet ramps to it within 20 ms. 0 gives the input back
   * (delayed like the denoised path), 1 full suppression. Throws on a value outside [0, 1].
   */
  setStrength(strength: Strength): void {
    const value = resolveStrength(strength);
    if (this.closed) return;
    this.strengthValue = value;
    this.send({ type: 'set-strength', strength: value });
  }

  override onStreamInfoUpdated(info: StreamInfo): void {
    this.send({ type: 'stream-info', info });
  }

  override onStreamInfoCleared(): void {
    this.send({ type: 'stream-info-cleared' });
  }

  override onCredentialsUpdated(credentials: Credentials): void {
    this.send({ type: 'credentials', credentials });
  }

  override onCredentialsCleared(): void {
    this.send({ type: 'credentials-cleared' });
  }

  /** Runs `track`'s audio through the denoiser (replacing any previous input). */
  override attachInput(track: MediaStreamTrack, options: { remote: boolean } = { remote: false }): void {
    if (this.closed) throw DenoiserError.processorClosed();
    if (!('createMediaStreamSource' in this.context)) {
      throw DenoiserError.contextKind('OfflineAudioContext', 'taking a MediaStreamTrack');
    }
    if (track.kind !== 'audio') throw DenoiserError.trackKind(track.kind);
    this.detachInput();
    const stream = new MediaStream([track]);
    const hasDocument = typeof document !== 'undefined';
    try {
      this.source = sourceFor(this.context as AudioContext, track, stream);
    } catch (error) {
      if (!(error instanceof DenoiserError) || sourceFallback(options.remote, hasDocument) === 'caller') throw error;
      // The graph cannot hear this track, so the node's output is silence: play it unprocessed.
      this.mediaElement = playStream(stream, false);
      log.warn(`${error.message}; the track plays unprocessed in an <audio> element`);
      this.channel.send('error', DenoiserError.passThrough(error));
      return;
    }
    this.source.connect(this.node);
    if (options.remote && this.remoteWorkaround && hasDocument) this.mediaElement = playStream(stream, true);
  }

  /** The <audio> element playing the track unprocessed because the context refused it (reason 'source-node'). */
  get fallbackElement(): HTMLAudioElement | undefined {
    return this.mediaElement && !this.mediaElement.muted ? this.mediaElement : undefined;
  }

  override detachInput(): void {
    // Only our own connection: the source node may feed other processors of the same track.
    this.source?.disconnect(this.node);
    this.source = undefined;
    if (this.mediaElement) {
      this.mediaElement.pause();
      this.mediaElement.srcObject = null;
      this.mediaElement = undefined;
    }
  }

  /** The denoised audio as a MediaStreamTrack (AudioContext only), e.g. to play or publish. */
  get outputTrack(): MediaStreamTrack {
    if (this.closed) throw DenoiserError.processorClosed();
    if (!this.destination) {
      if (!('createMediaStreamDestination' in this.context)) {
        throw DenoiserError.contextKind('OfflineAudioContext', 'producing a MediaStreamTrack');
      }
      this.destination = (this.context as AudioContext).createMediaStreamDestination();
      this.node.connect(this.destination);
    }
    const tracks = this.destination.stream.getAudioTracks();
    const track = tracks[0];
    if (!track) throw DenoiserError.noOutputTrack(tracks.length);
    return track;
  }

  /** Frees the worklet's engine and disconnects the graph. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.counted) liveCount.set(this.context, (liveCount.get(this.context) ?? 1) - 1);
    this.detachInput();
    this.send({ type: 'close' }, true);
    this.node.disconnect();
    this.destination?.stream.getTracks().forEach((t) => t.stop());
    this.destination = undefined;
    finalizer?.unregister(this);
    log.info('closed');
    // A closed live context runs no processor to confirm; finish here.
    if (this.context.state === 'closed' && !isOffline(this.context)) this.finishClose();
  }

  // A context closed under us takes the processor with it: say so, and tidy up our side. Any
  // other change is told as it is: a suspended context is silent, not broken.
  private onContextState(): void {
    const state = this.context.state as ContextState;
    if (state !== 'closed') {
      if (this.closed || state === this.toldState) return;
      this.toldState = state;
      if (state === 'running') log.info('AudioContext running');
      else log.warn(`AudioContext ${state}: the output is silent until resume() after a user gesture`);
      this.channel.send('context-state', state);
      if (this.lastStats) this.channel.send('stats', { ...this.lastStats, contextState: state });
      return;
    }
    if (!this.closed) {
      this.channel.send('error', DenoiserError.contextClosedUnder());
    }
    this.close();
    this.finishClose();
  }

  private finishClose(): void {
    if (this.finished) return;
    this.finished = true;
    this.context.removeEventListener('statechange', this.contextListener);
    this.node.port.onmessage = null;
    this.node.port.close();
    this.resolveClosed();
    this.channel.send('closed');
  }

  private send(message: ToProcessor, evenIfClosed = false): void {
    if (this.closed && !evenIfClosed) return;
    this.node.port.postMessage(message);
  }

  private onMessage(message: FromProcessor): void {
    switch (message.type) {
      case 'ready':
        this.readyInfo = { engine: message.engine, latencySamples: message.latencySamples, sampleRate: message.sampleRate };
        this.channel.send('ready', this.readyInfo);
        break;
      case 'stats':
        this.lastStats = { ...message.stats, contextState: this.context.state as ContextState };
        this.channel.send('stats', this.lastStats);
        break;
      case 'error':
        log.warn(`worklet error (${message.reason}): ${message.message}`);
        this.channel.send('error', DenoiserError.fromWorklet(message.reason, message.message));
        break;
      case 'closed':
        this.finishClose();
        break;
      default:
        assertNever(message, 'processor message');
    }
  }
}

/** A muted element only keeps a remote track flowing (Chromium); an unmuted one is what the listener hears. */
function playStream(stream: MediaStream, muted: boolean): HTMLAudioElement {
  const element = document.createElement('audio');
  element.muted = muted;
  element.srcObject = stream;
  void element.play().catch(() => {
    // Autoplay may refuse before a user gesture; livekit-client's startAudio() plays it then.
  });
  return element;
}

function asWasmError(reason: unknown, url: string): DenoiserError {
  return reason instanceof DenoiserError ? reason : DenoiserError.wasmLoad(url, reason);
}

function isOffline(context: BaseAudioContext): boolean {
  return typeof OfflineAudioContext === 'function' && context instanceof OfflineAudioContext;
}
