// Scrolling visuals on <canvas>: a log-frequency spectrogram with a perceptual colormap, and a
// level strip (the waveform's envelope) on the same time axis underneath. Both scroll at a fixed
// speed whatever the frame rate, and draw one new column per device pixel scrolled.
import { SILENT_DB, Tap } from './analysis';

export interface SpectrogramOptions {
  minHz: number;
  maxHz: number;
  /** Colormap range in dBFS per FFT bin. */
  minDb: number;
  maxDb: number;
  /** Scroll speed in CSS pixels per second. */
  pxPerSecond: number;
}

const DEFAULTS: SpectrogramOptions = { minHz: 60, maxHz: 20000, minDb: -105, maxDb: -25, pxPerSecond: 60 };

// "inferno" (matplotlib, CC0), sampled at 11 stops and interpolated: perceptually uniform, dark
// for silence, readable in greyscale.
const INFERNO = [
  [0, 0, 4],
  [22, 11, 57],
  [66, 10, 104],
  [106, 23, 110],
  [147, 38, 103],
  [188, 55, 84],
  [221, 81, 58],
  [243, 120, 25],
  [252, 165, 10],
  [246, 215, 70],
  [252, 255, 164],
] as const;

/** 256 packed RGBA (little-endian ABGR) colours. */
const LUT: Uint32Array = (() => {
  const lut = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * (INFERNO.length - 1);
    const k = Math.min(INFERNO.length - 2, Math.floor(x));
    const f = x - k;
    const a = INFERNO[k]!;
    const b = INFERNO[k + 1]!;
    const r = Math.round(a[0] + (b[0] - a[0]) * f);
    const g = Math.round(a[1] + (b[1] - a[1]) * f);
    const bl = Math.round(a[2] + (b[2] - a[2]) * f);
    lut[i] = (255 << 24) | (bl << 16) | (g << 8) | r;
  }
  return lut;
})();

export const SPECTROGRAM_BACKGROUND = `rgb(${INFERNO[0].join(',')})`;

/** Sizes a canvas's backing store to its CSS box (× devicePixelRatio); calls back on change. */
function fitCanvas(canvas: HTMLCanvasElement, onResize: () => void): ResizeObserver {
  const fit = (): void => {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
    const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
      onResize();
    }
  };
  const observer = new ResizeObserver(fit);
  observer.observe(canvas);
  fit();
  return observer;
}

/** Frequency labels for the axis: position from the top as a fraction of the height. */
export function frequencyTicks(opts: Partial<SpectrogramOptions> = {}): { label: string; top: number }[] {
  const { minHz, maxHz } = { ...DEFAULTS, ...opts };
  const ticks = [100, 300, 1000, 3000, 10000];
  return ticks.map((f) => ({
    label: f >= 1000 ? `${f / 1000}k` : String(f),
    top: 1 - Math.log(f / minHz) / Math.log(maxHz / minHz),
  }));
}

abstract class Scroller {
  protected readonly ctx: CanvasRenderingContext2D;
  private readonly observer: ResizeObserver;
  private carry = 0;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly pxPerSecond: number,
  ) {
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('no 2D canvas context');
    this.ctx = ctx;
    this.observer = fitCanvas(canvas, () => this.reset());
  }

  /** Scrolls by the time elapsed and draws the new columns from `tap`. */
  draw(tap: Tap, dt: number): void {
    const dpr = window.devicePixelRatio || 1;
    this.carry += dt * this.pxPerSecond * dpr;
    const n = Math.min(this.canvas.width, Math.floor(this.carry));
    if (n <= 0) return;
    this.carry -= n;
    const { width, height } = this.canvas;
    this.ctx.drawImage(this.canvas, n, 0, width - n, height, 0, 0, width - n, height);
    this.drawColumns(tap, width - n, n, height);
  }

  protected abstract reset(): void;
  protected abstract drawColumns(tap: Tap, x: number, n: number, height: number): void;

  dispose(): void {
    this.observer.disconnect();
  }
}

export class Spectrogram extends Scroller {
  private readonly opts: SpectrogramOptions;
  private column: ImageData | undefined;
  // Per canvas row (top to bottom): the FFT bin span it shows.
  private rowLo = new Float32Array(0);
  private rowHi = new Float32Array(0);
  private mappedFor = '';

  constructor(canvas: HTMLCanvasElement, opts: Partial<SpectrogramOptions> = {}) {
    const merged = { ...DEFAULTS, ...opts };
    super(canvas, merged.pxPerSecond);
    this.opts = merged;
    this.reset();
  }

  protected reset(): void {
    this.ctx.fillStyle = SPECTROGRAM_BACKGROUND;
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.column = undefined;
  }

  private mapRows(height: number, sampleRate: number, bins: number): void {
    const key = `${height}/${sampleRate}/${bins}`;
    if (key === this.mappedFor) return;
    this.mappedFor = key;
    const { minHz, maxHz } = this.opts;
    const hzPerBin = sampleRate / 2 / bins;
    const ratio = maxHz / minHz;
    this.rowLo = new Float32Array(height);
    this.rowHi = new Float32Array(height);
    for (let y = 0; y < height; y++) {
      const fHi = minHz * ratio ** (1 - y / height);
      const fLo = minHz * ratio ** (1 - (y + 1) / height);
      this.rowLo[y] = Math.min(bins - 1, fLo / hzPerBin);
      this.rowHi[y] = Math.min(bins - 1, fHi / hzPerBin);
    }
  }

  protected drawColumns(tap: Tap, x: number, n: number, height: number): void {
    const spectrum = tap.spectrum;
    this.mapRows(height, tap.context.sampleRate, spectrum.length);
    if (!this.column || this.column.height !== height) this.column = this.ctx.createImageData(1, height);
    const pixels = new Uint32Array(this.column.data.buffer);
    const { minDb, maxDb } = this.opts;
    const scale = 255 / (maxDb - minDb);
    for (let y = 0; y < height; y++) {
      const lo = this.rowLo[y]!;
      const hi = this.rowHi[y]!;
      let db: number;
      if (hi - lo < 1) {
        // Narrower than a bin (low frequencies): interpolate between the two nearest bins.
        const c = (lo + hi) / 2;
        const k = Math.floor(c);
        const f = c - k;
        const a = spectrum[k] ?? SILENT_DB;
        const b = spectrum[k + 1] ?? a;
        db = a + (b - a) * f;
      } else {
        // Wider than a bin (high frequencies): the mean power over the span (a max would
        // lift broadband noise by several dB where many bins share a row).
        let power = 0;
        let count = 0;
        for (let k = Math.round(lo); k <= Math.round(hi); k++) {
          const v = spectrum[k] ?? SILENT_DB;
          if (v > SILENT_DB) power += 10 ** (v / 10);
          count++;
        }
        db = power > 0 ? 10 * Math.log10(power / count) : SILENT_DB;
      }
      // Digital silence reads -Infinity (and -Infinity minus -Infinity is NaN): paint it as the floor.
      const i = db > minDb ? Math.min(255, Math.round((db - minDb) * scale)) : 0;
      pixels[y] = LUT[i]!;
    }
    for (let i = 0; i < n; i++) this.ctx.putImageData(this.column, x + i, 0);
  }
}

/** The level envelope, mirrored around the centre line, in dB (-60..0 dBFS full height). */
export class LevelStrip extends Scroller {
  private readonly floorDb = -60;

  constructor(
    canvas: HTMLCanvasElement,
    pxPerSecond = DEFAULTS.pxPerSecond,
    private readonly colour = '#5eead4',
  ) {
    super(canvas, pxPerSecond);
    this.reset();
  }

  protected reset(): void {
    this.ctx.fillStyle = '#0b1220';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
  }

  private heightOf(db: number, height: number): number {
    const f = Math.max(0, Math.min(1, (db - this.floorDb) / -this.floorDb));
    return Math.max(1, f * height);
  }

  protected drawColumns(tap: Tap, x: number, n: number, height: number): void {
    const { ctx } = this;
    ctx.fillStyle = '#0b1220';
    ctx.fillRect(x, 0, n, height);
    const mid = height / 2;
    const peak = this.heightOf(tap.level.peakDb, height);
    const rms = this.heightOf(tap.level.rmsDb, height);
    ctx.globalAlpha = 0.45;
    ctx.fillStyle = this.colour;
    ctx.fillRect(x, mid - peak / 2, n, peak);
    ctx.globalAlpha = 1;
    ctx.fillRect(x, mid - rms / 2, n, rms);
  }
}
