import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav, WavError, type WavAudio, type WavFormat } from './wav';
import { EXCERPT_PATH } from '../tools/testing/signals';
import { readFileSync } from 'node:fs';

function fmt(kind: 'int' | 'float', bitsPerSample: number, extensible = false, channelMask = 0): WavFormat {
  return { kind, bitsPerSample, extensible, channelMask };
}

/** A deterministic ramp-and-sine test signal on exact 16-bit codes. */
function testAudio(channels: number, frames: number, format: WavFormat, sampleRate = 44100): WavAudio {
  const data: Float32Array[] = [];
  for (let c = 0; c < channels; c++) {
    const x = new Float32Array(frames);
    for (let i = 0; i < frames; i++) x[i] = Math.round(0.8 * Math.sin(0.01 * (i + 1) * (c + 1)) * 32768) / 32768;
    data.push(x);
  }
  if (frames > 2) {
    (data[0] as Float32Array)[0] = -1; // full-scale negative is exact in every integer format
    (data[0] as Float32Array)[1] = 32767 / 32768;
  }
  return { sampleRate, channels: data, format };
}

/** Builds a file by hand from chunks, to test parsing independently of the writer. */
function riff(chunks: Array<[string, Uint8Array]>, form = 'WAVE'): Uint8Array {
  const parts: number[] = [];
  const push32 = (v: number): void => {
    parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  };
  const pushTag = (t: string): void => {
    for (const ch of t) parts.push(ch.charCodeAt(0));
  };
  pushTag('RIFF');
  push32(0);
  pushTag(form);
  for (const [tag, body] of chunks) {
    pushTag(tag);
    push32(body.length);
    parts.push(...body);
    if (body.length & 1) parts.push(0);
  }
  const out = Uint8Array.from(parts);
  new DataView(out.buffer).setUint32(4, out.length - 8, true);
  return out;
}

function fmtChunk(code: number, channels: number, rate: number, bits: number): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint16(0, code, true);
  v.setUint16(2, channels, true);
  v.setUint32(4, rate, true);
  v.setUint32(8, (rate * channels * bits) / 8, true);
  v.setUint16(12, (channels * bits) / 8, true);
  v.setUint16(14, bits, true);
  return b;
}

function expectWavError(bytes: Uint8Array, reason: string, message: string | RegExp): void {
  let caught: unknown;
  try {
    decodeWav(bytes);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(WavError);
  expect((caught as WavError).reason).toBe(reason);
  expect((caught as WavError).message).toMatch(message);
}

describe('WAV read/write', () => {
  it.each([
    ['16-bit int', fmt('int', 16)],
    ['24-bit int', fmt('int', 24)],
    ['32-bit int', fmt('int', 32)],
    ['8-bit unsigned int', fmt('int', 8)],
    ['32-bit float', fmt('float', 32)],
    ['64-bit float', fmt('float', 64)],
    ['24-bit int, extensible, 3 channels', fmt('int', 24, true, 0x7)],
    ['32-bit float, extensible', fmt('float', 32, true, 0x3)],
  ])('round-trips %s with rate, channels and format intact', (_name, format) => {
    const channels = format.extensible ? 3 : 2;
    const audio = testAudio(channels, 1001, format);
    const back = decodeWav(encodeWav(audio));
    expect(back.sampleRate).toBe(44100);
    expect(back.format).toEqual(format);
    expect(back.channels).toHaveLength(channels);
    // 16-bit codes are exact in every format except 8-bit (one step, as full scale clips to 127/128).
    const tol = format.bitsPerSample === 8 ? 1 / 128 : 0;
    for (let c = 0; c < channels; c++) {
      const a = audio.channels[c] as Float32Array;
      const b = back.channels[c] as Float32Array;
      expect(b.length).toBe(a.length);
      let maxErr = 0;
      for (let i = 0; i < a.length; i++) maxErr = Math.max(maxErr, Math.abs((a[i] as number) - (b[i] as number)));
      expect(maxErr).toBeLessThanOrEqual(tol);
    }
  });

  it('writes the committed 16-bit excerpt back byte for byte', () => {
    const bytes = new Uint8Array(readFileSync(EXCERPT_PATH));
    const audio = decodeWav(bytes);
    expect(audio.sampleRate).toBe(16000);
    expect(audio.channels).toHaveLength(1);
    expect(Buffer.from(encodeWav(audio)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('clips integer output to full scale and writes NaN as zero', () => {
    const audio: WavAudio = { sampleRate: 8000, channels: [Float32Array.from([2, -2, Number.NaN, 0.5])], format: fmt('int', 16) };
    const back = decodeWav(encodeWav(audio)).channels[0] as Float32Array;
    expect(Array.from(back)).toEqual([32767 / 32768, -1, 0, 0.5]);
  });

  it('reads 24-bit negative samples with the sign extended', () => {
    const data = Uint8Array.from([0x00, 0x00, 0x80, 0xff, 0xff, 0xff, 0x00, 0x00, 0x40]);
    const audio = decodeWav(
      riff([
        ['fmt ', fmtChunk(1, 1, 48000, 24)],
        ['data', data],
      ]),
    );
    expect(Array.from(audio.channels[0] as Float32Array)).toEqual([-1, -1 / 8388608, 0.5]);
  });

  it('skips unknown chunks, including odd-sized ones with their pad byte', () => {
    const data = new Uint8Array(4);
    new DataView(data.buffer).setInt16(0, 16384, true);
    new DataView(data.buffer).setInt16(2, -16384, true);
    const bytes = riff([
      ['JUNK', new Uint8Array(3)],
      ['fmt ', fmtChunk(1, 1, 16000, 16)],
      ['LIST', new Uint8Array(7)],
      ['data', data],
      ['id3 ', new Uint8Array(5)],
    ]);
    const audio = decodeWav(bytes);
    expect(Array.from(audio.channels[0] as Float32Array)).toEqual([0.5, -0.5]);
  });

  it('interleaves channels in the order they are given', () => {
    const audio: WavAudio = {
      sampleRate: 48000,
      channels: [Float32Array.from([0.25, 0.5]), Float32Array.from([-0.25, -0.5])],
      format: fmt('int', 16),
    };
    const bytes = encodeWav(audio);
    const view = new DataView(bytes.buffer);
    expect([view.getInt16(44, true), view.getInt16(46, true), view.getInt16(48, true), view.getInt16(50, true)]).toEqual([
      8192, -8192, 16384, -16384,
    ]);
  });

  it('rejects a non-RIFF file, quoting its first bytes', () => {
    const bytes = new Uint8Array(64);
    bytes.set([0x49, 0x44, 0x33, 0x03]);
    expectWavError(bytes, 'not-riff', "not a RIFF file (starts with 'ID3\\x03')");
  });

  it('rejects a RIFF file that is not WAVE, naming its form type', () => {
    expectWavError(riff([], 'AVI '), 'not-wave', "RIFF form type 'AVI '");
  });

  it('rejects an unsupported bit depth, naming it', () => {
    expectWavError(
      riff([
        ['fmt ', fmtChunk(1, 1, 16000, 12)],
        ['data', new Uint8Array(4)],
      ]),
      'unsupported-bits',
      'unsupported bits per sample 12',
    );
  });

  it('rejects a compressed format code, naming it', () => {
    expectWavError(
      riff([
        ['fmt ', fmtChunk(0x55, 1, 16000, 16)],
        ['data', new Uint8Array(4)],
      ]),
      'unsupported-format',
      'format code 0x0055',
    );
  });

  it('rejects a data chunk that runs past the end of the file, with both sizes', () => {
    const bytes = riff([
      ['fmt ', fmtChunk(1, 1, 16000, 16)],
      ['data', new Uint8Array(100)],
    ]);
    expectWavError(bytes.subarray(0, bytes.length - 40), 'truncated', 'data chunk truncated: header says 100 bytes, file has 60');
  });

  it('rejects a file without a data chunk or a fmt chunk', () => {
    expectWavError(riff([['fmt ', fmtChunk(1, 1, 16000, 16)]]), 'no-data', 'no data chunk');
    expectWavError(riff([['data', new Uint8Array(4)]]), 'no-fmt', 'no fmt chunk');
  });

  it('rejects a block align that does not match the channels and bit depth', () => {
    const f = fmtChunk(1, 2, 16000, 16);
    new DataView(f.buffer).setUint16(12, 3, true);
    expectWavError(
      riff([
        ['fmt ', f],
        ['data', new Uint8Array(4)],
      ]),
      'bad-block-align',
      'bad block align 3 (expected 4',
    );
  });

  it('rejects a file too short to hold a header', () => {
    expectWavError(new Uint8Array(5), 'too-short', 'only 5 bytes');
  });
});
