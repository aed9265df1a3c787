// The hook's pure state logic (src/react/state.ts): no React, no browser, no test doubles.
import { describe, expect, it } from 'vitest';
import { DenoiserError } from '../errors';
import type { ProcessorStats } from '../types';
import { initialState, reduce, type NoiseCancellationAction, type NoiseCancellationState } from './state';

const run = (actions: NoiseCancellationAction[], from: NoiseCancellationState = initialState(false)): NoiseCancellationState =>
  actions.reduce(reduce, from);

describe('noise cancellation hook state', () => {
  it('an apply started and settled on: pending while in flight, then enabled and settled', () => {
    const started = run([
      { type: 'session', session: 1 },
      { type: 'requested', enabled: true },
      { type: 'started', session: 1, apply: 1 },
    ]);
    expect(started).toMatchObject({ wanted: true, isPending: true, isEnabled: false });
    expect(reduce(started, { type: 'settled', session: 1, apply: 1, enabled: true })).toMatchObject({ isPending: false, isEnabled: true });
  });

  it('a failed apply settles pending, leaves denoising off and keeps the error as state', () => {
    const error = new DenoiserError('worklet-load', 'the worklet module did not load from x', { value: 'x' });
    const s = run([
      { type: 'session', session: 1 },
      { type: 'started', session: 1, apply: 1 },
      { type: 'settled', session: 1, apply: 1, enabled: true, error },
    ]);
    expect(s).toMatchObject({ isPending: false, isEnabled: false, error });
  });

  it('the end of an older apply does not settle a newer one: pending stays until the newest ends', () => {
    const s = run([
      { type: 'session', session: 1 },
      { type: 'started', session: 1, apply: 1 },
      { type: 'started', session: 1, apply: 2 },
      { type: 'settled', session: 1, apply: 1, enabled: true },
    ]);
    expect(s).toMatchObject({ isPending: true, isEnabled: false });
    expect(reduce(s, { type: 'settled', session: 1, apply: 2, enabled: false })).toMatchObject({ isPending: false, isEnabled: false });
  });

  it('a new session settles what the old one left pending, and nothing of the old session reaches the new one', () => {
    const error = new DenoiserError('context-closed', 'the AudioContext was closed; the processor is gone', { value: 'closed' });
    const stats = { framesProcessed: 7 } as ProcessorStats;
    const s = run([
      { type: 'session', session: 1 },
      { type: 'requested', enabled: true },
      { type: 'started', session: 1, apply: 1 },
      { type: 'error', session: 1, error },
      { type: 'session', session: 2 },
      // The old session's apply ends late (the track was stopped under it), and its node reports.
      { type: 'settled', session: 1, apply: 1, enabled: true },
      { type: 'error', session: 1, error },
      { type: 'stats', session: 1, stats },
    ]);
    expect(s).toMatchObject({ session: 2, wanted: true, isPending: false, isEnabled: false, error: undefined, stats: undefined });
  });

  it("a settle with the current apply id but another session's number is ignored", () => {
    const s = run([
      { type: 'session', session: 3 },
      { type: 'started', session: 3, apply: 1 },
      { type: 'settled', session: 2, apply: 1, enabled: true },
    ]);
    expect(s).toMatchObject({ isPending: true, isEnabled: false });
  });

  it('errors and stats of the current session are state; a later success keeps the last error', () => {
    const error = new DenoiserError('wasm-load', 'the engine could not load', { value: '/rnnoise.wasm' });
    const stats = { framesProcessed: 42 } as ProcessorStats;
    const s = run([
      { type: 'session', session: 1 },
      { type: 'started', session: 1, apply: 1 },
      { type: 'error', session: 1, error },
      { type: 'stats', session: 1, stats },
      { type: 'settled', session: 1, apply: 1, enabled: true },
    ]);
    expect(s).toMatchObject({ isEnabled: true, error, stats });
  });
});
