// Summary statistics for repeated measurements on a shared, noisy machine: medians and spreads,
// never a single run. Pure (no Node or DOM), so the report code and its tests share it.

export interface Spread {
  /** How many values were summarised. */
  n: number;
  median: number;
  min: number;
  max: number;
  /** First and third quartiles (linear interpolation between order statistics). */
  q1: number;
  q3: number;
}

/** The q-quantile (0 ≤ q ≤ 1) of already sorted values, interpolating linearly. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of no values');
  const at = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (at - lo);
}

/** Median, quartiles and range of the finite values; throws when there are none. */
export function spread(values: readonly number[]): Spread {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) throw new RangeError('spread of no finite values');
  return {
    n: sorted.length,
    median: quantileSorted(sorted, 0.5),
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    q1: quantileSorted(sorted, 0.25),
    q3: quantileSorted(sorted, 0.75),
  };
}

export function mean(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return NaN;
  return finite.reduce((s, v) => s + v, 0) / finite.length;
}

/** Element-wise ratios a[i] / b[i] of paired measurements (same repetition). */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.min(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((a[i] as number) / (b[i] as number));
  return out;
}

/** Least-squares slope of y over x (units of y per unit of x); 0 with fewer than two points. */
export function slope(x: readonly number[], y: readonly number[]): number {
  const n = Math.min(x.length, y.length);
  if (n < 2) return 0;
  const xs = x.slice(0, n);
  const ys = y.slice(0, n);
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  const sxy = xs.reduce((s, v, i) => s + (v - mx) * ((ys[i] as number) - my), 0);
  const sxx = xs.reduce((s, v) => s + (v - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

export interface MedianCi {
  low: number;
  high: number;
  /** The coverage the order statistics actually give (≥ the level asked for), or 0 if none. */
  coverage: number;
}

/**
 * Distribution-free confidence interval for the median: the k-th smallest and k-th largest of n
 * values, with k the largest rank for which P(Binomial(n, ½) < k) ≤ (1 − level) / 2. Needs no
 * assumption about the shape of the spread (load spikes make it skewed). With fewer than 6 values
 * no pair reaches 95 %: the range is returned, with its true coverage 1 − 2^(1−n).
 */
export function medianCi(values: readonly number[], level = 0.95): MedianCi {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { low: NaN, high: NaN, coverage: 0 };
  // cdf[j] = P(B < j + 1) = P(B ≤ j) for B ~ Binomial(n, ½).
  const cdf: number[] = [];
  let term = 0.5 ** n;
  let acc = 0;
  for (let j = 0; j <= n; j++) {
    acc += term;
    cdf.push(acc);
    term = (term * (n - j)) / (j + 1);
  }
  // The largest k with P(B ≤ k − 1) ≤ (1 − level) / 2; at least 1 (the range).
  let k = 0;
  while (k < Math.floor((n + 1) / 2) && (cdf[k] as number) <= (1 - level) / 2) k++;
  k = Math.max(1, k);
  // P(x(k) ≤ median ≤ x(n+1−k)) = 1 − 2·P(B ≤ k − 1).
  const coverage = 1 - 2 * (cdf[k - 1] as number);
  return { low: sorted[k - 1] as number, high: sorted[n - k] as number, coverage };
}
