// Meters: a horizontal level meter (RMS bar with peak hold, -60..0 dBFS) and the VAD meter
// (RNNoise's voice probability from the worklet's stats: a bar and a short history).
import type { Level } from './analysis';
import { el } from './dom';

const FLOOR_DB = -60;

function fraction(db: number): number {
  return Math.max(0, Math.min(1, (db - FLOOR_DB) / -FLOOR_DB));
}

export class LevelMeter {
  readonly element: HTMLElement;
  private readonly fill: HTMLElement;
  private readonly hold: HTMLElement;
  private readonly readout: HTMLElement;
  private holdDb = FLOOR_DB;
  private holdAge = 0;
  private shownDb = FLOOR_DB;
  private textAge = 1;

  constructor(label: string) {
    this.fill = el('div', { class: 'meter-fill' });
    this.hold = el('div', { class: 'meter-hold' });
    this.readout = el('span', { class: 'meter-readout' }, '—');
    const track = el(
      'div',
      { class: 'meter-track', role: 'meter', 'aria-label': label, 'aria-valuemin': String(FLOOR_DB), 'aria-valuemax': '0' },
      this.fill,
      this.hold,
    );
    this.element = el('div', { class: 'meter' }, track, this.readout);
  }

  /** Called every animation frame with the level since the previous one. */
  update(level: Level, dt: number, live: boolean): void {
    // Fast attack, ~20 dB/s release, like a PPM; the peak marker holds 1.5 s then falls.
    const target = live ? level.rmsDb : FLOOR_DB;
    this.shownDb = target > this.shownDb ? target : Math.max(target, this.shownDb - 20 * dt);
    const peak = live ? level.peakDb : FLOOR_DB;
    this.holdAge += dt;
    if (peak >= this.holdDb || this.holdAge > 1.5) {
      this.holdDb = Math.max(peak, this.holdAge > 1.5 ? this.holdDb - 30 * dt : this.holdDb);
      if (peak >= this.holdDb) this.holdAge = 0;
    }
    this.fill.style.transform = `scaleX(${fraction(this.shownDb)})`;
    this.hold.style.left = `${fraction(this.holdDb) * 100}%`;
    this.textAge += dt;
    if (this.textAge >= 0.25) {
      this.textAge = 0;
      const text = live && this.shownDb > FLOOR_DB ? `${this.shownDb.toFixed(0)} dBFS` : '—';
      this.readout.textContent = text;
      this.element.firstElementChild?.setAttribute('aria-valuenow', this.shownDb.toFixed(0));
    }
  }
}

export class VadMeter {
  readonly element: HTMLElement;
  private readonly fill: HTMLElement;
  private readonly value: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly history: number[] = [];
  private readonly length = 60;

  constructor() {
    this.fill = el('div', { class: 'vad-fill' });
    this.value = el('span', { class: 'vad-value', 'data-stat': 'vad' }, '—');
    this.canvas = el('canvas', { class: 'vad-history', 'aria-hidden': 'true' });
    this.element = el(
      'div',
      { class: 'vad' },
      el('div', { class: 'vad-head' }, el('span', { class: 'label' }, 'Voice activity'), this.value),
      el(
        'div',
        { class: 'vad-track', role: 'meter', 'aria-label': 'Voice activity probability', 'aria-valuemin': '0', 'aria-valuemax': '100' },
        this.fill,
      ),
      this.canvas,
    );
  }

  /** One worklet stats report: the VAD probability 0..1. */
  push(vad: number): void {
    const v = Math.max(0, Math.min(1, vad));
    this.history.push(v);
    if (this.history.length > this.length) this.history.shift();
    this.fill.style.transform = `scaleX(${v})`;
    this.fill.classList.toggle('speech', v >= 0.5);
    this.value.textContent = `${Math.round(v * 100)}%`;
    this.element.querySelector('.vad-track')?.setAttribute('aria-valuenow', String(Math.round(v * 100)));
    this.drawHistory();
  }

  reset(): void {
    this.history.length = 0;
    this.fill.style.transform = 'scaleX(0)';
    this.value.textContent = '—';
    this.drawHistory();
  }

  private drawHistory(): void {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(c.clientWidth * dpr));
    const h = Math.max(1, Math.round(c.clientHeight * dpr));
    if (c.width !== w || c.height !== h) {
      c.width = w;
      c.height = h;
    }
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, w, h);
    const step = w / (this.length - 1);
    const x0 = w - (this.history.length - 1) * step;
    ctx.strokeStyle = 'rgba(148, 163, 184, 0.35)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(0, h * 0.5 + 0.5);
    ctx.lineTo(w, h * 0.5 + 0.5);
    ctx.stroke();
    if (this.history.length < 2) return;
    ctx.beginPath();
    this.history.forEach((v, i) => {
      const x = x0 + i * step;
      const y = h - 1 - v * (h - 2);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.lineTo(w, h);
    ctx.lineTo(x0, h);
    ctx.closePath();
    ctx.fillStyle = 'rgba(167, 139, 250, 0.25)';
    ctx.fill();
    ctx.beginPath();
    this.history.forEach((v, i) => {
      const x = x0 + i * step;
      const y = h - 1 - v * (h - 2);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.strokeStyle = '#a78bfa';
    ctx.lineWidth = 1.5 * dpr;
    ctx.stroke();
  }
}
