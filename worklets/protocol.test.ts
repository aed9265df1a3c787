import { describe, expect, it } from 'vitest';
import { isToProcessor, assertNever, type FromProcessor, type ToProcessor } from './protocol';

describe('worklet message protocol', () => {
  it('accepts every ToProcessor message type and rejects anything else', () => {
    const good: ToProcessor[] = [
      { type: 'stream-info', info: { roomName: 'r', participantIdentity: 'p', publicationSid: 'TR' } },
      { type: 'stream-info-cleared' },
      { type: 'credentials', credentials: { token: 'a.b.c', url: 'ws://127.0.0.1:1' } },
      { type: 'credentials-cleared' },
      { type: 'set-enabled', enabled: false },
      { type: 'close' },
    ];
    for (const m of good) expect(isToProcessor(m)).toBe(true);
    for (const bad of [null, 3, 'close', {}, { type: 'destroy' }, { type: 7 }]) expect(isToProcessor(bad)).toBe(false);
  });

  it('assertNever names the unexpected value', () => {
    expect(() => assertNever({ type: 'x' } as never, 'message')).toThrow('unexpected message: {"type":"x"}');
  });

  it('rejects malformed messages at compile time', () => {
    // @ts-expect-error stream-info needs an info object
    const a: ToProcessor = { type: 'stream-info' };
    // @ts-expect-error set-enabled needs a boolean
    const b: ToProcessor = { type: 'set-enabled', enabled: 'yes' };
    // @ts-expect-error there is no such message
    const c: ToProcessor = { type: 'destroy' };
    // @ts-expect-error stats carry a cause
    const d: FromProcessor = { type: 'stats', stats: {} };
    expect([a, b, c, d]).toHaveLength(4);
  });
});
