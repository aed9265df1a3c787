// The fallback decision and the failure's values are pure; sourceFor runs here against a stub
// context whose createMediaStreamSource throws (a test double, as the test names say).
import { describe, expect, it } from 'vitest';
import { DenoiserError } from './errors';
import { sourceFallback, sourceFailure, sourceFor } from './source-nodes';

describe('sourceFallback', () => {
  it('plays a remote track in its own element when there is a document', () => {
    expect(sourceFallback(true, true)).toBe('element');
  });
  it('leaves a local microphone to the caller, which publishes the capture track (never plays it back)', () => {
    expect(sourceFallback(false, true)).toBe('caller');
  });
  it('leaves a remote track to the caller when there is no document to hold an element', () => {
    expect(sourceFallback(true, false)).toBe('caller');
  });
});

describe('sourceFailure', () => {
  it('carries both rates, the settings and the thrown name and message', () => {
    const thrown = new DOMException(
      'Connecting AudioNodes from AudioContexts with different sample-rate is not supported',
      'NotSupportedError',
    );
    expect(sourceFailure(44_100, { sampleRate: 48_000, channelCount: 1 }, thrown)).toEqual({
      contextRate: 44_100,
      trackRate: 48_000,
      trackSettings: { sampleRate: 48_000, channelCount: 1 },
      message: 'NotSupportedError: Connecting AudioNodes from AudioContexts with different sample-rate is not supported',
    });
  });
  it('says the track rate is unknown when the settings do not tell it (remote WebRTC tracks)', () => {
    expect(sourceFailure(48_000, {}, 'refused').trackRate).toBeNull();
  });
});

describe('sourceFor with a stub context that throws', () => {
  it("turns the throw into a DenoiserError 'source-node' with the values, and caches nothing", () => {
    let calls = 0;
    const context = {
      sampleRate: 44_100,
      createMediaStreamSource: () => {
        calls++;
        throw new Error('different sample-rate');
      },
    } as unknown as AudioContext;
    const track = { getSettings: () => ({ sampleRate: 48_000 }) } as unknown as MediaStreamTrack;
    const attempt = (): unknown => sourceFor(context, track, {} as MediaStream);
    expect(attempt).toThrow(DenoiserError);
    let error: unknown;
    try {
      attempt();
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      reason: 'source-node',
      value: { contextRate: 44_100, trackRate: 48_000, message: 'Error: different sample-rate' },
    });
    expect((error as Error).message).toContain('44100 Hz, track 48000 Hz');
    // A failure is not cached: a later attach tries again.
    expect(calls).toBe(2);
  });
});
