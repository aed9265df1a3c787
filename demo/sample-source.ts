// What this tab publishes: either the microphone (browser noise suppression off, so RNNoise has
// something to do) or the built-in noisy sample: a public-domain LibriVox excerpt, looped with a
// pause, mixed with seeded noise at a chosen SNR, rendered live into a
// MediaStreamAudioDestinationNode. A machine with no microphone still shows the point.
import speechUrl from '../tools/testing/speech/librivox-excerpt.wav?url';
import { makeNoise, type NoiseKind } from './noise';

export interface LocalSource {
  readonly kind: 'sample' | 'mic';
  /** A human description for the log and the sidebar. */
  readonly label: string;
  /** The audio as a MediaStreamTrack; publish a clone of it. */
  readonly track: MediaStreamTrack;
  /** The same audio as a node, for the local meter. */
  readonly output: AudioNode;
  stop(): void;
}

/** Speech is normalised to this active-speech RMS (-26 dBFS, a usual talker level). */
const SPEECH_RMS = 0.05;
const PAUSE_SECONDS = 1.5;
const NOISE_LOOP_SECONDS = 6;

let speechPromise: Promise<AudioBuffer> | undefined;

/** Decodes the speech excerpt once per page (decodeAudioData resamples it to the context rate). */
function loadSpeech(ctx: AudioContext): Promise<AudioBuffer> {
  speechPromise ??= (async () => {
    const response = await fetch(speechUrl);
    if (!response.ok) throw new Error(`speech sample: HTTP ${response.status} for ${speechUrl}`);
    const decoded = await ctx.decodeAudioData(await response.arrayBuffer());
    // Level it and append a pause, so the loop has noise-only stretches where the cut shows.
    const src = decoded.getChannelData(0);
    const gain = SPEECH_RMS / activeRms(src, decoded.sampleRate);
    const padded = ctx.createBuffer(1, src.length + Math.round(PAUSE_SECONDS * decoded.sampleRate), decoded.sampleRate);
    const dst = padded.getChannelData(0);
    for (let i = 0; i < src.length; i++) dst[i] = src[i]! * gain;
    return padded;
  })();
  speechPromise.catch(() => (speechPromise = undefined));
  return speechPromise;
}

/** RMS over the 20 ms frames within 35 dB of the loudest one: the level of speech, not pauses. */
function activeRms(x: Float32Array, sampleRate: number): number {
  const frame = Math.round(0.02 * sampleRate);
  const energies: number[] = [];
  for (let start = 0; start + frame <= x.length; start += frame) {
    let sum = 0;
    for (let i = start; i < start + frame; i++) sum += x[i]! * x[i]!;
    energies.push(sum / frame);
  }
  const max = Math.max(...energies, 1e-12);
  const active = energies.filter((e) => e > max * 10 ** -3.5);
  const mean = active.reduce((a, b) => a + b, 0) / Math.max(1, active.length);
  return Math.sqrt(Math.max(mean, 1e-12));
}

export interface NoiseSettings {
  kind: NoiseKind;
  /** Speech-to-noise ratio in dB. */
  snrDb: number;
  seed: number;
}

export class SampleSource implements LocalSource {
  readonly kind = 'sample' as const;
  readonly track: MediaStreamTrack;
  readonly output: GainNode;
  private readonly destination: MediaStreamAudioDestinationNode;
  private readonly speech: AudioBufferSourceNode;
  private readonly noiseGain: GainNode;
  private noise: AudioBufferSourceNode | undefined;
  private settings: NoiseSettings;

  static async create(ctx: AudioContext, settings: NoiseSettings): Promise<SampleSource> {
    return new SampleSource(ctx, await loadSpeech(ctx), settings);
  }

  private constructor(
    private readonly ctx: AudioContext,
    speech: AudioBuffer,
    settings: NoiseSettings,
  ) {
    this.settings = settings;
    this.output = ctx.createGain();
    this.destination = ctx.createMediaStreamDestination();
    this.destination.channelCount = 1;
    this.output.connect(this.destination);
    this.speech = ctx.createBufferSource();
    this.speech.buffer = speech;
    this.speech.loop = true;
    this.speech.connect(this.output);
    this.noiseGain = ctx.createGain();
    this.noiseGain.connect(this.output);
    this.speech.start();
    this.setNoise(settings);
    const track = this.destination.stream.getAudioTracks()[0];
    if (!track) throw new Error('the sample destination has no audio track');
    this.track = track;
  }

  get label(): string {
    const { kind, snrDb } = this.settings;
    return kind === 'none' ? 'speech sample, no noise' : `speech sample + ${kind} noise, ${snrDb} dB SNR`;
  }

  /** Changes the noise live: the kind or seed rebuilds the loop, the SNR only moves a gain. */
  setNoise(next: NoiseSettings): void {
    const rebuild = !this.noise || next.kind !== this.settings.kind || next.seed !== this.settings.seed;
    this.settings = next;
    if (rebuild) {
      this.noise?.stop();
      this.noise?.disconnect();
      const rate = this.ctx.sampleRate;
      const samples = makeNoise(next.kind, next.seed, rate, NOISE_LOOP_SECONDS);
      const buffer = this.ctx.createBuffer(1, samples.length, rate);
      buffer.copyToChannel(samples, 0);
      this.noise = this.ctx.createBufferSource();
      this.noise.buffer = buffer;
      this.noise.loop = true;
      this.noise.connect(this.noiseGain);
      this.noise.start();
    }
    // Noise loops have RMS 1, so this gain is the noise RMS: speech RMS / 10^(SNR/20).
    const level = next.kind === 'none' ? 0 : SPEECH_RMS / 10 ** (next.snrDb / 20);
    this.noiseGain.gain.setTargetAtTime(level, this.ctx.currentTime, 0.02);
  }

  stop(): void {
    this.speech.stop();
    this.noise?.stop();
    this.output.disconnect();
    this.track.stop();
  }
}

/** The microphone, with the browser's own noise suppression off so the comparison is fair. */
export class MicSource implements LocalSource {
  readonly kind = 'mic' as const;
  readonly output: MediaStreamAudioSourceNode;

  static async create(ctx: AudioContext): Promise<MicSource> {
    if (!navigator.mediaDevices?.getUserMedia) throw new Error('this browser offers no getUserMedia (is the page a secure context?)');
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: { noiseSuppression: false, autoGainControl: false, echoCancellation: true, channelCount: 1 },
    });
    const track = stream.getAudioTracks()[0];
    if (!track) throw new Error('getUserMedia returned no audio track');
    return new MicSource(ctx, track);
  }

  private constructor(
    ctx: AudioContext,
    readonly track: MediaStreamTrack,
  ) {
    this.output = ctx.createMediaStreamSource(new MediaStream([track]));
  }

  get label(): string {
    return `microphone (${this.track.label || 'default device'})`;
  }

  stop(): void {
    this.output.disconnect();
    this.track.stop();
  }
}
