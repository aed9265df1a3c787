// Plain-SVG grouped bar charts for BENCHMARKS.md: no chart library, deterministic output (same
// numbers, same bytes), readable on GitHub's light and dark backgrounds (opaque white card).

export interface BarSeries {
  name: string;
  /** One value per category; null leaves a gap. */
  values: readonly (number | null)[];
  /** Optional whiskers (e.g. min and max over repetitions), one per category. */
  low?: readonly (number | null)[];
  high?: readonly (number | null)[];
}

export interface RefLine {
  value: number;
  label: string;
}

export interface BarChartSpec {
  title: string;
  categories: readonly string[];
  series: readonly BarSeries[];
  yLabel: string;
  refLines?: readonly RefLine[];
  width?: number;
  height?: number;
  /** Decimals of the value printed above each bar (default 1). */
  decimals?: number;
}

export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round axis ticks (1, 2, 2.5 or 5 × 10^k apart) covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.5 : 1;
    return niceTicks(lo - pad, hi + pad, count);
  }
  const raw = (hi - lo) / Math.max(1, count - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag) as number;
  const start = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let v = start; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
  if ((ticks[ticks.length - 1] as number) < hi) ticks.push(Number((start + ticks.length * step).toFixed(10)));
  return ticks;
}

function fmt(v: number, decimals: number): string {
  return v.toFixed(decimals).replace(/^-0(\.0+)?$/, '0$1');
}

/** A grouped bar chart: one group per category, one bar per series, optional whiskers and lines. */
export function groupedBarChart(spec: BarChartSpec): string {
  const width = spec.width ?? 860;
  const height = spec.height ?? 420;
  const decimals = spec.decimals ?? 1;
  const margin = { top: 48, right: 20, bottom: 78, left: 64 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;

  const all: number[] = [0];
  for (const s of spec.series) {
    for (const list of [s.values, s.low ?? [], s.high ?? []]) for (const v of list) if (v !== null && Number.isFinite(v)) all.push(v);
  }
  for (const r of spec.refLines ?? []) all.push(r.value);
  const ticks = niceTicks(Math.min(...all), Math.max(...all));
  const yMin = ticks[0] as number;
  const yMax = ticks[ticks.length - 1] as number;
  const y = (v: number): number => margin.top + plotH - ((v - yMin) / (yMax - yMin)) * plotH;

  const groups = spec.categories.length;
  const bars = Math.max(1, spec.series.length);
  const groupW = plotW / Math.max(1, groups);
  const barW = Math.max(2, (groupW * 0.8) / bars);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>`);

  // Grid and axis labels.
  for (const t of ticks) {
    const ty = y(t).toFixed(1);
    out.push(
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${ty}" y2="${ty}" stroke="${t === 0 ? '#444' : '#ddd'}" stroke-width="1"/>`,
    );
    out.push(
      `<text x="${margin.left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle" fill="#333">${escapeXml(fmt(t, 2).replace(/\.?0+$/, '') || '0')}</text>`,
    );
  }
  const midY = margin.top + plotH / 2;
  out.push(`<text transform="translate(16 ${midY}) rotate(-90)" text-anchor="middle" fill="#333">${escapeXml(spec.yLabel)}</text>`);

  // Bars, values and whiskers.
  spec.series.forEach((s, si) => {
    const color = PALETTE[si % PALETTE.length] as string;
    spec.categories.forEach((_, ci) => {
      const v = s.values[ci];
      if (v === null || v === undefined || !Number.isFinite(v)) return;
      const x = margin.left + ci * groupW + groupW * 0.1 + si * barW;
      const top = Math.min(y(v), y(0));
      const h = Math.max(0.5, Math.abs(y(v) - y(0)));
      out.push(
        `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"><title>${escapeXml(`${s.name} · ${spec.categories[ci] ?? ''}: ${fmt(v, decimals)}`)}</title></rect>`,
      );
      const lo = s.low?.[ci];
      const hi = s.high?.[ci];
      const cx = x + (barW - 1) / 2;
      if (lo !== null && lo !== undefined && hi !== null && hi !== undefined && Number.isFinite(lo) && Number.isFinite(hi)) {
        out.push(
          `<line x1="${cx.toFixed(1)}" x2="${cx.toFixed(1)}" y1="${y(lo).toFixed(1)}" y2="${y(hi).toFixed(1)}" stroke="#222" stroke-width="1"/>`,
        );
        for (const w of [lo, hi])
          out.push(
            `<line x1="${(cx - 3).toFixed(1)}" x2="${(cx + 3).toFixed(1)}" y1="${y(w).toFixed(1)}" y2="${y(w).toFixed(1)}" stroke="#222" stroke-width="1"/>`,
          );
      }
      if (barW >= 14) {
        const labelY = v >= 0 ? Math.min(y(v), hi !== null && hi !== undefined && Number.isFinite(hi) ? y(hi) : y(v)) - 4 : y(v) + 12;
        out.push(
          `<text x="${cx.toFixed(1)}" y="${labelY.toFixed(1)}" text-anchor="middle" font-size="10" fill="#222">${escapeXml(fmt(v, decimals))}</text>`,
        );
      }
    });
  });

  for (const r of spec.refLines ?? []) {
    const ry = y(r.value).toFixed(1);
    out.push(
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${ry}" y2="${ry}" stroke="#c00" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    );
    out.push(
      `<text x="${width - margin.right - 4}" y="${(Number(ry) - 5).toFixed(1)}" text-anchor="end" fill="#c00">${escapeXml(r.label)}</text>`,
    );
  }

  // Category labels.
  spec.categories.forEach((c, ci) => {
    const cx = margin.left + ci * groupW + groupW / 2;
    out.push(
      `<text x="${cx.toFixed(1)}" y="${(margin.top + plotH + 18).toFixed(1)}" text-anchor="middle" fill="#222">${escapeXml(c)}</text>`,
    );
  });

  // Legend.
  let lx = margin.left;
  const ly = height - 22;
  spec.series.forEach((s, si) => {
    out.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${PALETTE[si % PALETTE.length] as string}"/>`);
    out.push(`<text x="${lx + 16}" y="${ly}" fill="#222">${escapeXml(s.name)}</text>`);
    lx += 28 + s.name.length * 6.6;
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
