// A Tap reads one AnalyserNode once per animation frame: the spectrum (for the spectrogram) and
// the level of the audio since the previous frame (for the waveform strip and the meter). Every
// visual of one signal reads the same Tap, so the analyser is read once per frame.

export const FFT_SIZE = 2048;

export interface Level {
  /** dBFS of the RMS and of the absolute peak over the last frame's worth of samples. */
  rmsDb: number;
  peakDb: number;
}

export const SILENT_DB = -120;

export function toDb(linear: number): number {
  return linear > 1e-6 ? 20 * Math.log10(linear) : SILENT_DB;
}

export class Tap {
  readonly analyser: AnalyserNode;
  readonly spectrum: Float32Array<ArrayBuffer>;
  readonly level: Level = { rmsDb: SILENT_DB, peakDb: SILENT_DB };
  /** False until the first update, and while the input is disconnected. */
  live = false;
  private readonly wave: Float32Array<ArrayBuffer>;
  private input: AudioNode | undefined;

  constructor(readonly context: BaseAudioContext) {
    this.analyser = context.createAnalyser();
    this.analyser.fftSize = FFT_SIZE;
    this.analyser.smoothingTimeConstant = 0;
    this.analyser.minDecibels = -130;
    this.analyser.maxDecibels = 0;
    this.spectrum = new Float32Array(this.analyser.frequencyBinCount);
    this.wave = new Float32Array(FFT_SIZE);
    this.spectrum.fill(SILENT_DB);
  }

  /** Feeds `node` into the analyser (replacing any previous input); null disconnects. */
  setInput(node: AudioNode | null): void {
    if (this.input) {
      try {
        this.input.disconnect(this.analyser);
      } catch {
        // Already disconnected (its owner tore the graph down).
      }
    }
    this.input = node ?? undefined;
    this.input?.connect(this.analyser);
    this.live = !!node;
    if (!node) {
      this.spectrum.fill(SILENT_DB);
      this.level.rmsDb = this.level.peakDb = SILENT_DB;
    }
  }

  /** Reads the analyser; `dt` (seconds since the last frame) bounds the level window. */
  update(dt: number): void {
    if (!this.live) return;
    this.analyser.getFloatFrequencyData(this.spectrum);
    this.analyser.getFloatTimeDomainData(this.wave);
    const n = Math.min(FFT_SIZE, Math.max(128, Math.round(dt * this.context.sampleRate)));
    let sum = 0;
    let peak = 0;
    for (let i = FFT_SIZE - n; i < FFT_SIZE; i++) {
      const v = this.wave[i]!;
      sum += v * v;
      const a = Math.abs(v);
      if (a > peak) peak = a;
    }
    this.level.rmsDb = toDb(Math.sqrt(sum / n));
    this.level.peakDb = toDb(peak);
  }

  dispose(): void {
    this.setInput(null);
  }
}
