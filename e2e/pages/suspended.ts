// Page harness for the autoplay case: on load, with no user gesture, it makes a real-time
// AudioContext and a NoiseCancellation fed by a tone, and records every 'context-state' event.
// The #resume button's click handler calls nc.resume(), as the README tells an app to do. The
// test reads window.suspended; it must not make the context itself, since Playwright's evaluate
// runs as a user gesture.
import { NoiseCancellation } from '../../src/index';
import type { ContextState } from '../../src/types';

export interface SuspendedState {
  /** Every 'context-state' event, in order. */
  events: ContextState[];
  errors: string[];
  contextState: ContextState;
  /** nc.stats, or null while the worklet has not run. */
  stats: { contextState: ContextState; framesProcessed: number } | null;
  /** Audio callbacks the tap has seen: a context that renders nothing calls none. */
  callbacks: number;
  /** Sums of squares of the processor's input and output over every tapped callback. */
  inEnergy: number;
  outEnergy: number;
  samples: number;
  resumeCalls: number;
  /** The context's own state changes, from its creation on (before create() resolved too). */
  contextLog: string[];
}

async function start(): Promise<() => SuspendedState> {
  const ctx = new AudioContext();
  const contextLog = [ctx.state as string];
  ctx.addEventListener('statechange', () => contextLog.push(ctx.state));
  const nc = await NoiseCancellation.create(ctx, { statsIntervalMs: 100 });
  const state: SuspendedState = {
    events: [],
    errors: [],
    contextState: nc.contextState,
    stats: null,
    callbacks: 0,
    inEnergy: 0,
    outEnergy: 0,
    samples: 0,
    resumeCalls: 0,
    contextLog,
  };
  nc.events.on('context-state', (s) => state.events.push(s));
  nc.events.on('error', (e) => state.errors.push(`${e.reason}: ${e.message}`));

  // A 150 Hz sawtooth (voice-like harmonics) into the processor; the processor's input and output
  // go side by side into one tap, muted before the speakers.
  const osc = new OscillatorNode(ctx, { type: 'sawtooth', frequency: 150 });
  const level = new GainNode(ctx, { gain: 0.3 });
  const merger = new ChannelMergerNode(ctx, { numberOfInputs: 2 });
  const tap = ctx.createScriptProcessor(4096, 2, 1);
  const mute = new GainNode(ctx, { gain: 0 });
  osc.connect(level);
  level.connect(merger, 0, 0);
  level.connect(nc.node);
  nc.node.connect(merger, 0, 1);
  merger.connect(tap).connect(mute).connect(ctx.destination);
  tap.onaudioprocess = (ev) => {
    const a = ev.inputBuffer.getChannelData(0);
    const b = ev.inputBuffer.getChannelData(1);
    state.callbacks++;
    for (let i = 0; i < a.length; i++) {
      state.inEnergy += a[i]! * a[i]!;
      state.outEnergy += b[i]! * b[i]!;
    }
    state.samples += a.length;
  };
  osc.start();

  document.getElementById('resume')!.addEventListener('click', () => {
    state.resumeCalls++;
    void nc.resume();
  });

  function snapshot(): SuspendedState {
    const stats = nc.stats;
    return {
      ...state,
      events: [...state.events],
      errors: [...state.errors],
      contextLog: [...contextLog],
      contextState: nc.contextState,
      stats: stats ? { contextState: stats.contextState, framesProcessed: stats.framesProcessed } : null,
    };
  }
  return snapshot;
}

declare global {
  interface Window {
    suspended: { snapshot: () => SuspendedState };
  }
}
void start().then((snapshot) => {
  window.suspended = { snapshot };
  document.body.dataset.ready = 'true';
});
