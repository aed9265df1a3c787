// Page harness for engine 'auto' under load (e2e/auto-tier.spec.ts): one live AudioContext with
// `tracks` 'auto' processors fed a voice-like tone plus noise, and a burner node (burner-worklet.ts)
// that takes a share of each render quantum on demand. It logs the context clock against the
// wall clock, playbackStats when Chromium has it, and every processor's latest stats.
import burnerUrl from './burner-worklet.ts?worker&url';
import { NoiseCancellation } from '../../src/index';
import type { EngineTier, EngineActivityState } from '../../src/types';

export interface AutoTierTrack {
  tier: EngineTier | null;
  state: EngineActivityState | null;
  latencySamples: number | null;
}

export interface AutoTierSnapshot {
  /** Wall clock (performance.now, ms) and context clock (s), sampled every 100 ms. */
  clock: { wallMs: number; audioS: number }[];
  tracks: AutoTierTrack[];
  errors: string[];
  /** AudioContext.playbackStats (Chromium 146+), or null. */
  playback: { underrunEvents: number; underrunDuration: number; totalDuration: number } | null;
}

declare global {
  interface Window {
    autoTier: {
      start(tracks: number): Promise<void>;
      burn(fraction: number): void;
      snapshot(): AutoTierSnapshot;
    };
  }
}

let ctx: AudioContext | undefined;
let burner: AudioWorkletNode | undefined;
const ncs: NoiseCancellation[] = [];
const errors: string[] = [];
const clock: AutoTierSnapshot['clock'] = [];

async function start(tracks: number): Promise<void> {
  const c = new AudioContext({ sampleRate: 48_000, latencyHint: 'interactive' });
  ctx = c;
  await c.audioWorklet.addModule(burnerUrl);
  const mute = new GainNode(c, { gain: 0 });
  mute.connect(c.destination);
  for (let i = 0; i < tracks; i++) {
    const nc = await NoiseCancellation.create(c, { engine: 'auto', statsIntervalMs: 100 });
    nc.events.on('error', (e) => errors.push(`${e.reason}: ${e.message}`));
    // A sawtooth (voice-like harmonics) at about −20 dBFS: well above the gate, so engines run.
    const osc = new OscillatorNode(c, { type: 'sawtooth', frequency: 120 + 37 * i });
    const level = new GainNode(c, { gain: 0.15 });
    osc.connect(level).connect(nc.node);
    nc.node.connect(mute);
    osc.start();
    ncs.push(nc);
  }
  burner = new AudioWorkletNode(c, 'lk-test-burner', { numberOfInputs: 0, numberOfOutputs: 1 });
  burner.connect(mute);
  setInterval(() => clock.push({ wallMs: performance.now(), audioS: c.currentTime }), 100);
}

function playback(c: AudioContext): AutoTierSnapshot['playback'] {
  const ps = (c as unknown as { playbackStats?: { underrunEvents: number; underrunDuration: number; totalDuration: number } })
    .playbackStats;
  return ps ? { underrunEvents: ps.underrunEvents, underrunDuration: ps.underrunDuration, totalDuration: ps.totalDuration } : null;
}

window.autoTier = {
  start,
  burn: (fraction) => burner?.port.postMessage({ fraction }),
  snapshot: () => ({
    clock: [...clock],
    tracks: ncs.map((nc) => {
      const s = nc.stats;
      return { tier: s?.tier ?? null, state: s?.activity.state ?? null, latencySamples: s?.latencySamples ?? null };
    }),
    errors: [...errors],
    playback: ctx ? playback(ctx) : null,
  }),
};
document.body.dataset.ready = 'true';
