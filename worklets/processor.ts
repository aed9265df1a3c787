// The worklet entry: the only file that calls registerProcessor. It wires the pure DSP core to
// the AudioWorklet: port messages in, stats and events out. State: loading → running → closed.
// Audio always flows: without an engine, or while bypassed, the input passes through.
import {
  PROCESSOR_NAME,
  PROTOCOL_VERSION,
  assertNever,
  engineOf,
  isToProcessor,
  type BypassReason,
  type EngineActivity,
  type EngineFlavour,
  type EngineTier,
  type ErrorReason,
  type FromProcessor,
  type ProcessorOptions,
  type ProcessorState,
  type WorkletStats,
  type ToProcessor,
} from './protocol';
import { ChannelDenoiser } from './dsp/channel';
import type { WasmFrameEngine } from './dsp/engine';
import { createEngine } from './dsp/engines';
import { CredentialTracker } from './dsp/credentials';
import { LoadGovernor, type TrackReport } from './dsp/governor';
import { LevelMeter } from './dsp/activity';
import { chooseStartTier, measureCostUs } from './dsp/tiers';

// Shared by every processor in this AudioWorkletGlobalScope (one per AudioContext).
const governor = new LoadGovernor();
// Engine 'auto': each build's cost, measured once per scope by its first processor (dsp/tiers.ts).
const measuredCostUs = new Map<EngineFlavour, number>();

const QUANTUM = 128;
const MAX_CHANNELS = 2;

class DenoiseProcessor extends AudioWorkletProcessor {
  private state: ProcessorState = 'loading';
  private readonly options: ProcessorOptions;
  private readonly pipelines: ChannelDenoiser[] = [];
  private readonly engines: WasmFrameEngine[] = [];
  private engineFlavour: EngineFlavour | null = null;
  // Engine 'auto': the tiers that started (best first), their costs, and the start tier.
  private tierFlavours: EngineFlavour[] = [];
  private tierCosts: number[] = [];
  private chosenTier = 0;
  private enabled: boolean;
  private strength: number;
  private readonly credentials = new CredentialTracker();
  private lastCredentialState = this.credentials.state(Date.now());
  private readonly mono = new Float32Array(QUANTUM);
  private readonly monoOut = new Float32Array(QUANTUM);
  private nextStatsAt = 0;
  private readonly statsInterval: number;
  private lastBypass: BypassReason | null = null;
  private channels = 1;
  private rank = -1;
  private shed = false;
  // The track's activity, for the governor's ranking and the stats.
  private readonly meter = new LevelMeter(sampleRate);
  private readonly report: TrackReport = { gated: false, levelDb: 0 };
  // No input connected (a track unsubscribed or detached): digital silence that runs no engine.
  private noInput = true;
  private readonly silence = new Float32Array(QUANTUM);

  constructor(nodeOptions: { processorOptions?: unknown }) {
    super();
    const options = (nodeOptions.processorOptions ?? {}) as Partial<ProcessorOptions>;
    this.options = {
      protocolVersion: options.protocolVersion ?? -1,
      wasmModule: options.wasmModule ?? null,
      engine: options.engine ?? 'rnnoise',
      tiers: options.tiers ?? null,
      enabled: options.enabled ?? true,
      requireCredentials: options.requireCredentials ?? false,
      channelMode: options.channelMode ?? 'downmix',
      statsIntervalMs: options.statsIntervalMs ?? 1000,
      crossfadeMs: options.crossfadeMs ?? 10,
      strength: options.strength ?? 1,
      overloaded: options.overloaded ?? false,
      overloadProtection: options.overloadProtection ?? true,
      gating: options.gating ?? true,
    };
    this.enabled = this.options.enabled;
    this.strength = this.options.strength;
    this.statsInterval = Math.max(0.05, this.options.statsIntervalMs / 1000);
    this.port.onmessage = (event: MessageEvent) => this.onMessage(event.data);

    if (this.options.protocolVersion !== PROTOCOL_VERSION) {
      this.fail(
        'protocol-mismatch',
        `worklet speaks protocol ${PROTOCOL_VERSION}, main thread sent ${String(options.protocolVersion)}; audio passes through`,
      );
    } else if (this.options.overloaded) {
      // The main thread's per-context cap: this processor never starts an engine.
      this.lastBypass = 'overload';
    } else if (this.options.tiers && this.options.tiers.length > 0) {
      this.startTiers(this.options.tiers);
    } else if (!this.options.wasmModule) {
      this.fail('engine-unavailable', 'no compiled wasm module was given; audio passes through');
    } else {
      this.startEngines(this.options.wasmModule);
    }
    this.state = 'running';
    this.post({
      type: 'ready',
      engine: this.engineFlavour,
      latencySamples: this.latency,
      sampleRate,
    });
  }

  private startEngines(module: WebAssembly.Module): void {
    const count = this.options.channelMode === 'per-channel' ? MAX_CHANNELS : 1;
    try {
      for (let c = 0; c < count; c++) {
        const engine = createEngine(this.options.engine, module);
        this.engines.push(engine);
        this.pipelines.push(new ChannelDenoiser(engine, this.channelOptions()));
      }
      this.engineFlavour = this.options.engine;
      if (this.options.overloadProtection) this.rank = governor.register();
    } catch (e) {
      this.freeEngines();
      this.fail(
        'engine-failed',
        `engine ${this.options.engine} did not start: ${e instanceof Error ? e.message : String(e)}; audio passes through`,
      );
    }
  }

  private channelOptions(startTier = 0): ConstructorParameters<typeof ChannelDenoiser>[1] {
    return {
      sampleRate,
      blockSize: QUANTUM,
      // No credentials exist yet: with requireCredentials, start bypassed, not fading out.
      enabled: this.enabled && !this.options.requireCredentials,
      crossfadeSamples: Math.round((this.options.crossfadeMs / 1000) * 48_000),
      strength: this.strength,
      // Quiet tracks stop their engine (dsp/activity.ts): large rooms cost what their talkers do.
      gating: this.options.gating,
      startTier,
    };
  }

  /**
   * Engine 'auto': every tier's engines per channel, a tier that will not start is dropped (an
   * 'error' names it). Each build's cost is measured once per scope; the start tier is the best
   * that fits the budget beside the tracks already running (dsp/tiers.ts).
   */
  private startTiers(tiers: readonly { engine: EngineFlavour; wasmModule: WebAssembly.Module }[]): void {
    const count = this.options.channelMode === 'per-channel' ? MAX_CHANNELS : 1;
    const perChannel: WasmFrameEngine[][] = Array.from({ length: count }, () => []);
    for (const tier of tiers) {
      const made: WasmFrameEngine[] = [];
      try {
        for (let c = 0; c < count; c++) made.push(createEngine(tier.engine, tier.wasmModule));
        let cost = measuredCostUs.get(tier.engine);
        if (cost === undefined) measuredCostUs.set(tier.engine, (cost = measureCostUs(made[0] as WasmFrameEngine, Date.now)));
        made.forEach((e, c) => (perChannel[c] as WasmFrameEngine[]).push(e));
        this.tierFlavours.push(tier.engine);
        this.tierCosts.push(cost);
      } catch (e) {
        for (const m of made) m.destroy();
        this.fail(
          'engine-failed',
          `engine 'auto' goes on without its ${engineOf(tier.engine)} tier, which did not start: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    }
    if (this.tierFlavours.length === 0) {
      this.fail('engine-failed', "engine 'auto': no tier started; audio passes through");
      return;
    }
    this.chosenTier = chooseStartTier(this.tierCosts, governor.loadUs());
    for (const engines of perChannel) {
      this.engines.push(...engines);
      this.pipelines.push(new ChannelDenoiser(engines, this.channelOptions(this.chosenTier)));
    }
    this.engineFlavour = this.tierFlavours[this.chosenTier] ?? null;
    if (this.options.overloadProtection) {
      this.rank = governor.register({ count: this.tierFlavours.length, start: this.chosenTier, costsUs: this.tierCosts });
    }
  }

  private get latency(): number {
    return this.pipelines[0]?.latency ?? 0;
  }

  private fail(reason: ErrorReason, message: string): void {
    this.post({ type: 'error', reason, message });
  }

  private post(message: FromProcessor): void {
    this.port.postMessage(message);
  }

  private onMessage(data: unknown): void {
    if (this.state === 'closed') return;
    if (!isToProcessor(data)) {
      const type = typeof data === 'object' && data !== null ? String((data as { type?: unknown }).type) : typeof data;
      this.fail('unknown-message', `ignored a message of type ${type}`);
      return;
    }
    const message: ToProcessor = data;
    switch (message.type) {
      case 'stream-info':
        this.credentials.setStreamInfo(message.info);
        break;
      case 'stream-info-cleared':
        this.credentials.setStreamInfo(null);
        break;
      case 'credentials': {
        const problem = this.credentials.setCredentials(message.credentials);
        if (problem) this.fail('credentials-malformed', `credentials not usable: ${problem}`);
        break;
      }
      case 'credentials-cleared':
        this.credentials.clearCredentials();
        break;
      case 'set-enabled':
        this.enabled = message.enabled;
        break;
      case 'set-strength':
        // The main thread validated it; the pipeline clamps anyway and ignores NaN.
        if (!Number.isFinite(message.strength)) {
          this.fail('unknown-message', `ignored set-strength with a non-finite strength (${String(message.strength)})`);
          return;
        }
        this.strength = Math.min(1, Math.max(0, message.strength));
        for (const p of this.pipelines) p.setStrength(this.strength);
        break;
      case 'close':
        this.close();
        return;
      default:
        assertNever(message, 'message');
    }
    this.refreshState();
    this.postStats('change');
  }

  private bypassReason(): BypassReason | null {
    if (this.options.overloaded || this.shed) return 'overload';
    if (this.pipelines.length === 0) return 'no-engine';
    if (!this.enabled) return 'disabled';
    if (this.options.requireCredentials && this.lastCredentialState !== 'valid') return 'credentials';
    return null;
  }

  /** Re-evaluates credentials (expiry moves with time) and applies the bypass to the pipelines. */
  private refreshState(): void {
    this.lastCredentialState = this.credentials.state(Date.now());
    const bypass = this.bypassReason();
    this.lastBypass = bypass;
    for (let c = 0; c < this.pipelines.length; c++) (this.pipelines[c] as ChannelDenoiser).setEnabled(bypass === null);
  }

  private stats(): WorkletStats {
    const first = this.pipelines[0];
    let nonFinite = 0;
    let outOfRange = 0;
    let resets = 0;
    let frames = 0;
    let engineFrames = 0;
    for (const p of this.pipelines) {
      nonFinite += p.stats.nonFiniteInputs;
      outOfRange += p.stats.outOfRangeInputs;
      resets += p.stats.engineResets;
      frames += p.stats.frames;
      engineFrames += p.gate ? p.gate.stats.engineFrames : p.stats.frames;
    }
    const info = this.credentials.streamInfo;
    return {
      state: this.state,
      engine: this.tierFlavours.length > 0 ? (this.tierFlavours[first?.runningTier ?? 0] ?? null) : this.engineFlavour,
      tier: this.tier(),
      enabled: this.enabled,
      bypass: this.lastBypass,
      strength: this.strength,
      framesProcessed: frames,
      engineFrames,
      vad: first?.stats.vad ?? 0,
      credentialState: this.lastCredentialState,
      token: this.credentials.token,
      streamInfo: info,
      publicationSid: info?.publicationSid ?? null,
      sampleRate,
      channels: this.channels,
      latencySamples: this.latency,
      nonFiniteInputs: nonFinite,
      outOfRangeInputs: outOfRange,
      engineResets: resets,
      wasmMemoryBytes: this.engines[0]?.memoryBytes ?? 0,
      activity: this.activity(),
    };
  }

  /** Engine 'auto': the tier heard, the one headed for, and why. */
  private tier(): EngineTier | null {
    const first = this.pipelines[0];
    if (this.tierFlavours.length === 0 || !first) return null;
    const name = (i: number): EngineTier['running'] => engineOf(this.tierFlavours[i] ?? 'rnnoise');
    return {
      chosen: name(this.chosenTier),
      running: name(first.runningTier),
      target: name(first.targetTier),
      reason: first.targetTier > this.chosenTier ? 'stepped-down' : 'headroom',
      tiers: this.tierFlavours.map((f, i) => ({ engine: engineOf(f), costUs: Math.round(this.tierCosts[i] ?? 0) })),
    };
  }

  /** The engine's state for stats: the governor's view when it ranks this track, else the gate's. */
  private activity(): EngineActivity {
    const levelDb = this.meter.levelDb;
    if (this.options.overloaded) return { state: 'shed', reason: 'overload', levelDb };
    if (this.lastBypass !== null && !this.shed) return { state: 'bypassed', reason: 'bypassed', levelDb };
    if (this.rank >= 0) return governor.activity(this.rank);
    this.updateReport();
    const { gated, gateReason } = this.report;
    return gated
      ? { state: 'gated', reason: gateReason ?? 'below-threshold', levelDb }
      : { state: 'active', reason: 'within-budget', levelDb };
  }

  /** Gated only when every channel's gate is closed (a shed engine's gate stands still: not gated). */
  private updateReport(): void {
    let gated = this.pipelines.length > 0 && !this.shed;
    let silence = true;
    if (!this.noInput) {
      for (const p of this.pipelines) {
        const gate = p.gate;
        if (!gate || gate.state !== 'closed') gated = false;
        else if (gate.reason !== 'digital-silence') silence = false;
      }
    }
    this.report.gated = gated;
    this.report.gateReason = gated ? (silence ? 'digital-silence' : 'below-threshold') : undefined;
    this.report.levelDb = this.meter.levelDb;
  }

  private postStats(cause: 'interval' | 'change'): void {
    this.post({ type: 'stats', stats: this.stats(), cause });
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    if (this.state === 'closed') return false;
    const input = inputs[0] ?? [];
    const output = outputs[0] ?? [];
    const inCh = input.length;
    this.channels = inCh;

    this.noInput = inCh === 0;
    this.meter.push(inCh > 0 ? (input[0] as Float32Array) : this.silence, QUANTUM);
    if (this.rank >= 0) this.govern();

    if (currentTime >= this.nextStatsAt) {
      const before = this.lastCredentialState;
      this.refreshState();
      this.nextStatsAt = currentTime + this.statsInterval;
      this.postStats(before === this.lastCredentialState ? 'interval' : 'change');
    }

    if (inCh === 0) {
      // No input connected (or the track ended): emit silence, keep the node alive.
      for (let c = 0; c < output.length; c++) (output[c] as Float32Array).fill(0);
      return true;
    }
    if (this.pipelines.length === 0) {
      for (let c = 0; c < output.length; c++) (output[c] as Float32Array).set(input[Math.min(c, inCh - 1)] as Float32Array);
      return true;
    }
    if (this.pipelines.length === 1) {
      // Downmix: average the channels, denoise once, send to every output channel.
      let src = input[0] as Float32Array;
      if (inCh > 1) {
        const mono = this.mono;
        mono.fill(0);
        for (let c = 0; c < inCh; c++) {
          const ch = input[c] as Float32Array;
          for (let i = 0; i < QUANTUM; i++) mono[i] = (mono[i] as number) + (ch[i] as number) / inCh;
        }
        src = mono;
      }
      const out0 = (output[0] as Float32Array | undefined) ?? this.monoOut;
      (this.pipelines[0] as ChannelDenoiser).process(src, out0, QUANTUM);
      for (let c = 1; c < output.length; c++) (output[c] as Float32Array).set(out0);
      return true;
    }
    for (let c = 0; c < output.length; c++) {
      const p = this.pipelines[Math.min(c, this.pipelines.length - 1)] as ChannelDenoiser;
      p.process(input[Math.min(c, inCh - 1)] as Float32Array, output[c] as Float32Array, QUANTUM);
    }
    return true;
  }

  /** Follows the shared load governor: bypass while shed, with an event each way. */
  private govern(): void {
    this.updateReport();
    governor.report(this.rank, this.report);
    governor.observe(currentTime, Date.now());
    const first = this.pipelines[0];
    const tier = governor.tier(this.rank);
    if (first && this.tierFlavours.length > 1 && tier !== first.targetTier) {
      for (const p of this.pipelines) p.requestTier(tier);
      this.postStats('change');
    }
    const shed = !governor.allowed(this.rank);
    if (shed === this.shed) return;
    this.shed = shed;
    if (shed) {
      this.fail(
        'overload',
        `the audio thread fell behind real time; this processor passes audio through until load drops (engines allowed: ${governor.engineLimit}, this track's activity level ${this.meter.levelDb.toFixed(0)} dBFS ranks below them)`,
      );
    }
    this.refreshState();
    this.postStats('change');
  }

  private freeEngines(): void {
    if (this.rank >= 0) governor.unregister(this.rank);
    this.rank = -1;
    for (const p of this.pipelines) p.destroy();
    this.pipelines.length = 0;
    this.engines.length = 0;
  }

  private close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.freeEngines();
    this.credentials.clearCredentials();
    this.post({ type: 'closed' });
    this.port.onmessage = null;
    this.port.close();
  }
}

registerProcessor(PROCESSOR_NAME, DenoiseProcessor);
