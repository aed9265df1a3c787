import { describe, expect, it } from 'vitest';
import { EventChannel } from './emitter';
import type { NoiseCancellation } from './noise-cancellation';

type Events = { error: [message: string] };

describe('EventChannel', () => {
  it('its public source listens but cannot emit: no emit or send, frozen, and only the owner reaches listeners', () => {
    const channel = new EventChannel<Events>();
    const source = channel.source;
    const heard: string[] = [];
    const off = source.on('error', (m) => heard.push(m));
    expect(Object.keys(source).sort()).toEqual(['listenerCount', 'off', 'on']);
    expect(Object.isFrozen(source)).toBe(true);
    // A caller trying to forge an event finds nothing to call and nothing to add.
    expect(() => Object.assign(source, { emit: () => undefined })).toThrow(TypeError);
    expect(source.listenerCount('error')).toBe(1);
    channel.send('error', 'from the owner');
    off();
    channel.send('error', 'after off');
    expect(heard).toEqual(['from the owner']);
    expect(source.listenerCount('error')).toBe(0);
  });
});

// A type test (tsc checks it, nothing runs): NoiseCancellation's public events cannot emit.
// @ts-expect-error there is no emit on nc.events
export type NoEmitOnEvents = NoiseCancellation['events']['emit'];
