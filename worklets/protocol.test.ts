import { describe, expect, it } from 'vitest';
import { isToProcessor, assertNever, type FromProcessor, type ToProcessor } from './protocol';

// One well-formed sample per ToProcessor type. The mapped type makes this exhaustive at compile
// time: a type added to the union without a sample here fails `tsc -p tsconfig.json`.
const SAMPLES: { [K in ToProcessor['type']]: Extract<ToProcessor, { type: K }> } = {
  'stream-info': { type: 'stream-info', info: { roomName: 'r', participantIdentity: 'p', publicationSid: 'TR' } },
  'stream-info-cleared': { type: 'stream-info-cleared' },
  credentials: { type: 'credentials', credentials: { token: 'a.b.c', url: 'ws://127.0.0.1:1' } },
  'credentials-cleared': { type: 'credentials-cleared' },
  'set-enabled': { type: 'set-enabled', enabled: false },
  'set-strength': { type: 'set-strength', strength: 0.5 },
  close: { type: 'close' },
};

// Every FromProcessor type, the same way: the worklet's own answers must never pass as commands.
const ANSWERS: Record<FromProcessor['type'], true> = { ready: true, error: true, stats: true, closed: true };

describe('worklet message protocol', () => {
  it('accepts a message of every ToProcessor type', () => {
    for (const m of Object.values(SAMPLES)) expect(isToProcessor(m), m.type).toBe(true);
  });

  it('rejects non-objects, untyped objects, the worklet’s own answers, near-miss and prototype names', () => {
    const bad: unknown[] = [
      null,
      undefined,
      3,
      'close',
      [],
      ['close'],
      {},
      { type: 7 },
      { type: null },
      { kind: 'close' },
      { type: 'destroy' },
    ];
    for (const type of Object.keys(ANSWERS)) bad.push({ type });
    for (const type of [
      'Close',
      'close ',
      'set_enabled',
      'setEnabled',
      'credentials-set',
      '',
      'toString',
      'constructor',
      '__proto__',
      'hasOwnProperty',
    ]) {
      bad.push({ type });
    }
    for (const b of bad) expect(isToProcessor(b), JSON.stringify(b)).toBe(false);
  });

  it('accepts exactly the ToProcessor type names: every other name built from them is rejected', () => {
    const names = Object.keys(SAMPLES);
    // Prefixes, suffixes and joins of real names: a guard that matched by prefix or substring
    // would take some of these.
    const derived = names.flatMap((n) => [
      n.slice(0, -1),
      `${n}s`,
      `x${n}`,
      `${n}-cleared`,
      n.toUpperCase(),
      ...names.map((o) => `${n}${o}`),
    ]);
    const accepted = derived.filter((type) => isToProcessor({ type }));
    expect(accepted.filter((t) => !names.includes(t))).toEqual([]);
    expect(names.every((type) => isToProcessor({ type }))).toBe(true);
  });

  it('assertNever names the unexpected value', () => {
    expect(() => assertNever({ type: 'x' } as never, 'message')).toThrow('unexpected message: {"type":"x"}');
  });

  it('rejects malformed messages at compile time (tsc checks each @ts-expect-error), and an unknown type at run time too', () => {
    // @ts-expect-error stream-info needs an info object
    const a: ToProcessor = { type: 'stream-info' };
    // @ts-expect-error set-enabled needs a boolean
    const b: ToProcessor = { type: 'set-enabled', enabled: 'yes' };
    // @ts-expect-error there is no such message
    const c: ToProcessor = { type: 'destroy' };
    // @ts-expect-error stats carry a cause
    const d: FromProcessor = { type: 'stats', stats: {} };
    // The run-time guard reads the type tag only (the main thread is the only sender, and its
    // payloads are typed): an unknown tag and a FromProcessor message are refused.
    expect(isToProcessor(c)).toBe(false);
    expect(isToProcessor(d)).toBe(false);
    expect([a.type, b.type].every((type) => type in SAMPLES)).toBe(true);
  });
});
