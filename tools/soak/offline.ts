// Soak page: many consecutive long renders through the worklet on one page, reusing the e2e
// offline render harness (e2e/pages/denoise.ts, window.lkd.render). The input crosses from Node
// once; each render's output is checked in the page and only a summary goes back.
import '../../e2e/pages/denoise';

let input = '';
let sampleRate = 48_000;

const soakOffline = {
  /** Tiles `clip` (base64 float32) to `seconds` and keeps it for render(). */
  prepare(clip: string, rate: number, seconds: number): number {
    const x = window.lkd.fromBase64(clip);
    const long = new Float32Array(Math.round(seconds * rate));
    for (let at = 0; at < long.length; at += x.length) long.set(x.subarray(0, Math.min(x.length, long.length - at)), at);
    sampleRate = rate;
    input = window.lkd.toBase64(long);
    return long.length;
  },

  async render(): Promise<{ renderMs: number; frames: number; errors: number; finite: boolean; rms: number; engine: string | null }> {
    const r = await window.lkd.render({ samples: input, sampleRate });
    const out = window.lkd.fromBase64(r.samples);
    let finite = true;
    let sum = 0;
    for (let i = 0; i < out.length; i++) {
      const v = out[i] as number;
      if (!Number.isFinite(v)) finite = false;
      else sum += v * v;
    }
    return {
      renderMs: r.renderMs,
      frames: r.stats?.framesProcessed ?? 0,
      errors: r.errors.length,
      finite,
      rms: Math.sqrt(sum / out.length),
      engine: r.ready?.engine ?? null,
    };
  },
};

declare global {
  interface Window {
    soakOffline: typeof soakOffline;
  }
}

window.soakOffline = soakOffline;
document.body.dataset.soakReady = 'true';
