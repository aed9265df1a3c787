// Audio measurements for e2e assertions: energies over 10 ms frames and cross-correlation lag.
export const FRAME = 480; // 10 ms at 48 kHz

export function db(ratio: number): number {
  return 10 * Math.log10(ratio);
}

/**
 * Mean energy of `x` over the frames flagged in `mask` (frame f covers [f·FRAME, (f+1)·FRAME)),
 * shifted by `lag`. With `interiorOnly`, frames next to a transition are skipped: speech edges
 * are not pauses.
 */
export function frameEnergy(x: Float32Array, mask: boolean[], want: boolean, lag = 0, skipFrames = 0, interiorOnly = true): number {
  let sum = 0;
  let n = 0;
  for (let f = skipFrames; f < mask.length; f++) {
    if (mask[f] !== want) continue;
    if (interiorOnly && (mask[f - 1] !== want || mask[f + 1] !== want)) continue;
    const start = f * FRAME + lag;
    const end = start + FRAME;
    if (start < 0 || end > x.length) continue;
    for (let i = start; i < end; i++) sum += (x[i] as number) ** 2;
    n += FRAME;
  }
  if (n === 0) throw new Error(`no ${want ? 'speech' : 'pause'} frames to measure`);
  return sum / n;
}

/** The lag (0..maxLag) at which `y` best matches `x` delayed, by normalised cross-correlation. */
export function xcorrLag(x: Float32Array, y: Float32Array, maxLag: number, span = 96_000): { lag: number; corr: number } {
  let best = { lag: 0, corr: -Infinity };
  const n = Math.min(span, x.length - maxLag, y.length - maxLag);
  for (let lag = 0; lag <= maxLag; lag++) {
    let xy = 0;
    let xx = 0;
    let yy = 0;
    for (let i = 0; i < n; i++) {
      const a = x[i] as number;
      const b = y[i + lag] as number;
      xy += a * b;
      xx += a * a;
      yy += b * b;
    }
    const corr = xy / Math.sqrt(xx * yy || 1);
    if (corr > best.corr) best = { lag, corr };
  }
  return best;
}

/**
 * Frames of `x` whose energy, averaged over `smoothFrames` neighbouring frames, ranks in the
 * quietest (`quietest` true) or loudest `fraction`. For audio that crossed a real WebRTC path,
 * whose jitter buffer may stretch time, this finds pauses and speech in the signal itself rather
 * than in the source file's timeline. The averaging matters: ranking single frames would pick
 * the frames where the noise happens to dip, and understate the noise in the pauses.
 */
export function energyRankMask(x: Float32Array, fraction: number, quietest: boolean, smoothFrames = 21): boolean[] {
  const frames = Math.floor(x.length / FRAME);
  const energies = Array.from({ length: frames }, (_, f) => {
    let e = 0;
    for (let i = f * FRAME; i < (f + 1) * FRAME; i++) e += (x[i] as number) ** 2;
    return e;
  });
  const half = Math.floor(smoothFrames / 2);
  const smooth = energies.map((_, f) => {
    let sum = 0;
    let n = 0;
    for (let k = Math.max(0, f - half); k <= Math.min(frames - 1, f + half); k++, n++) sum += energies[k] as number;
    return sum / n;
  });
  const sorted = [...smooth].sort((a, b) => a - b);
  const k = Math.max(1, Math.floor(frames * fraction));
  const threshold = quietest ? (sorted[k - 1] as number) : (sorted[frames - k] as number);
  return smooth.map((e) => (quietest ? e <= threshold : e >= threshold));
}
