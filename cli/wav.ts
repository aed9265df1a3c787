// RIFF/WAVE read and write for the offline tools: PCM 8/16/24/32-bit int and IEEE float 32/64,
// plain or WAVE_FORMAT_EXTENSIBLE, any rate and channel count. Samples are floats in [-1, 1),
// one Float32Array per channel. Unknown chunks are skipped. Errors name the problem and the value
// that was found.
import { readFileSync, writeFileSync } from 'node:fs';

export type SampleKind = 'int' | 'float';

export interface WavFormat {
  kind: SampleKind;
  /** 8 (unsigned), 16, 24, 32 for 'int'; 32 or 64 for 'float'. */
  bitsPerSample: number;
  /** Written as WAVE_FORMAT_EXTENSIBLE (keeps the channel mask) when true. */
  extensible: boolean;
  /** Speaker mask of an extensible file; 0 when unknown or not extensible. */
  channelMask: number;
}

export interface WavAudio {
  sampleRate: number;
  channels: Float32Array[];
  format: WavFormat;
}

export type WavErrorReason =
  | 'too-short'
  | 'not-riff'
  | 'not-wave'
  | 'no-fmt'
  | 'fmt-too-short'
  | 'no-data'
  | 'unsupported-format'
  | 'unsupported-bits'
  | 'bad-channels'
  | 'bad-sample-rate'
  | 'bad-block-align'
  | 'truncated'
  | 'bad-input';

export class WavError extends Error {
  constructor(
    readonly reason: WavErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'WavError';
  }
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
// KSDATAFORMAT_SUBTYPE_* GUID tail shared by PCM and float: 00000000-0010-0080-00aa00389b71.
const SUBTYPE_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

/** Shows a 4-byte tag readably: printable ASCII as is, anything else as \xNN. */
function showTag(bytes: Uint8Array, offset: number): string {
  let s = '';
  for (let i = offset; i < Math.min(offset + 4, bytes.length); i++) {
    const b = bytes[i] as number;
    s += b >= 0x20 && b < 0x7f && b !== 0x27 && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `'${s}'`;
}

function tagIs(bytes: Uint8Array, offset: number, tag: string): boolean {
  for (let i = 0; i < 4; i++) if (bytes[offset + i] !== tag.charCodeAt(i)) return false;
  return true;
}

function formatName(code: number): string {
  return `0x${code.toString(16).padStart(4, '0')}`;
}

function checkFormat(kind: SampleKind, bits: number): void {
  const ok = kind === 'int' ? bits === 8 || bits === 16 || bits === 24 || bits === 32 : bits === 32 || bits === 64;
  if (!ok) {
    throw new WavError('unsupported-bits', `unsupported bits per sample ${bits} for ${kind === 'int' ? 'integer PCM' : 'IEEE float'}`);
  }
}

/** Parses a WAV file held in memory. */
export function decodeWav(data: Uint8Array): WavAudio {
  if (data.length < 12) throw new WavError('too-short', `not a WAV file (only ${data.length} bytes)`);
  if (!tagIs(data, 0, 'RIFF')) throw new WavError('not-riff', `not a RIFF file (starts with ${showTag(data, 0)})`);
  if (!tagIs(data, 8, 'WAVE')) throw new WavError('not-wave', `not a WAVE file (RIFF form type ${showTag(data, 8)})`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);

  let fmt:
    | { kind: SampleKind; bits: number; channels: number; sampleRate: number; blockAlign: number; extensible: boolean; mask: number }
    | undefined;
  let dataOffset = -1;
  let dataBytes = 0;
  let pos = 12;
  while (pos + 8 <= data.length) {
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (tagIs(data, pos, 'fmt ')) {
      if (size < 16 || body + 16 > data.length) {
        throw new WavError('fmt-too-short', `fmt chunk too short: ${Math.min(size, data.length - body)} bytes (need 16)`);
      }
      const code = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const sampleRate = view.getUint32(body + 4, true);
      const blockAlign = view.getUint16(body + 12, true);
      const bits = view.getUint16(body + 14, true);
      let sub = code;
      let mask = 0;
      const extensible = code === WAVE_FORMAT_EXTENSIBLE;
      if (extensible) {
        if (size < 40 || body + 40 > data.length) {
          throw new WavError('fmt-too-short', `extensible fmt chunk too short: ${Math.min(size, data.length - body)} bytes (need 40)`);
        }
        mask = view.getUint32(body + 20, true);
        sub = view.getUint16(body + 24, true);
        const tailOk = SUBTYPE_TAIL.every((b, i) => data[body + 26 + i] === b);
        if (!tailOk)
          throw new WavError('unsupported-format', `unsupported extensible sub-format GUID (sub-format code ${formatName(sub)})`);
      }
      let kind: SampleKind;
      if (sub === WAVE_FORMAT_PCM) kind = 'int';
      else if (sub === WAVE_FORMAT_IEEE_FLOAT) kind = 'float';
      else
        throw new WavError('unsupported-format', `unsupported WAV format code ${formatName(sub)} (need PCM 0x0001 or IEEE float 0x0003)`);
      checkFormat(kind, bits);
      if (channels < 1) throw new WavError('bad-channels', `bad channel count ${channels}`);
      if (sampleRate < 1) throw new WavError('bad-sample-rate', `bad sample rate ${sampleRate}`);
      const expectedAlign = channels * (bits / 8);
      if (blockAlign !== expectedAlign) {
        throw new WavError('bad-block-align', `bad block align ${blockAlign} (expected ${expectedAlign} for ${channels} × ${bits}-bit)`);
      }
      fmt = { kind, bits, channels, sampleRate, blockAlign, extensible, mask };
    } else if (tagIs(data, pos, 'data')) {
      dataOffset = body;
      // 0xFFFFFFFF marks a stream whose writer never came back to fill in the size.
      if (size === 0xffffffff) {
        dataBytes = data.length - body;
      } else {
        if (body + size > data.length) {
          throw new WavError('truncated', `data chunk truncated: header says ${size} bytes, file has ${data.length - body}`);
        }
        dataBytes = size;
      }
      if (fmt) break;
    }
    // Chunks are word-aligned: an odd size is followed by one pad byte.
    pos = body + size + (size & 1);
  }
  if (!fmt) throw new WavError('no-fmt', 'no fmt chunk before the end of the file');
  if (dataOffset < 0) throw new WavError('no-data', 'no data chunk in the file');

  const { kind, bits, channels: nch, sampleRate, blockAlign } = fmt;
  // A trailing partial sample frame (seen in the wild) is dropped rather than rejected.
  const frames = Math.floor(dataBytes / blockAlign);
  const channels: Float32Array[] = [];
  for (let c = 0; c < nch; c++) channels.push(new Float32Array(frames));
  const bytes = bits / 8;
  for (let c = 0; c < nch; c++) {
    const out = channels[c] as Float32Array;
    let p = dataOffset + c * bytes;
    if (kind === 'float') {
      if (bits === 32) for (let i = 0; i < frames; i++, p += blockAlign) out[i] = view.getFloat32(p, true);
      else for (let i = 0; i < frames; i++, p += blockAlign) out[i] = view.getFloat64(p, true);
    } else if (bits === 16) {
      for (let i = 0; i < frames; i++, p += blockAlign) out[i] = view.getInt16(p, true) / 32768;
    } else if (bits === 24) {
      for (let i = 0; i < frames; i++, p += blockAlign) {
        const v = (data[p] as number) | ((data[p + 1] as number) << 8) | ((data[p + 2] as number) << 16);
        out[i] = ((v << 8) >> 8) / 8388608;
      }
    } else if (bits === 32) {
      for (let i = 0; i < frames; i++, p += blockAlign) out[i] = view.getInt32(p, true) / 2147483648;
    } else {
      for (let i = 0; i < frames; i++, p += blockAlign) out[i] = ((data[p] as number) - 128) / 128;
    }
  }
  return {
    sampleRate,
    channels,
    format: { kind, bitsPerSample: bits, extensible: fmt.extensible, channelMask: fmt.mask },
  };
}

/** Rounds to the nearest integer code and clips to the format's range. */
function quantize(x: number, scale: number): number {
  const v = Math.round(x * scale);
  return v >= scale ? scale - 1 : v < -scale ? -scale : v;
}

export const DEFAULT_FORMAT: WavFormat = { kind: 'int', bitsPerSample: 16, extensible: false, channelMask: 0 };

/** Serialises audio as a WAV file. Integer formats clip to full scale; NaN is written as 0. */
export function encodeWav(audio: WavAudio): Uint8Array {
  const { sampleRate, channels } = audio;
  const format = audio.format;
  checkFormat(format.kind, format.bitsPerSample);
  const nch = channels.length;
  if (nch < 1 || nch > 65535) throw new WavError('bad-channels', `bad channel count ${nch}`);
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > 0xffffffff) {
    throw new WavError('bad-sample-rate', `bad sample rate ${sampleRate}`);
  }
  const frames = (channels[0] as Float32Array).length;
  for (let c = 1; c < nch; c++) {
    const len = (channels[c] as Float32Array).length;
    if (len !== frames) throw new WavError('bad-input', `channel ${c} has ${len} samples, channel 0 has ${frames}`);
  }
  const bits = format.bitsPerSample;
  const bytes = bits / 8;
  const blockAlign = nch * bytes;
  const dataBytes = frames * blockAlign;
  const extensible = format.extensible;
  const fmtBytes = extensible ? 40 : format.kind === 'float' ? 18 : 16;
  // IEEE float files carry a fact chunk (sample frames per channel), as the spec asks.
  const factBytes = format.kind === 'float' || extensible ? 12 : 0;
  const total = 12 + 8 + fmtBytes + factBytes + 8 + dataBytes + (dataBytes & 1);
  if (total - 8 > 0xffffffff) throw new WavError('bad-input', `audio too long for a WAV file (${total} bytes)`);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const tag = (p: number, s: string): void => {
    for (let i = 0; i < 4; i++) out[p + i] = s.charCodeAt(i);
  };
  tag(0, 'RIFF');
  view.setUint32(4, total - 8, true);
  tag(8, 'WAVE');
  let p = 12;
  tag(p, 'fmt ');
  view.setUint32(p + 4, fmtBytes, true);
  const code = format.kind === 'float' ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM;
  view.setUint16(p + 8, extensible ? WAVE_FORMAT_EXTENSIBLE : code, true);
  view.setUint16(p + 10, nch, true);
  view.setUint32(p + 12, sampleRate, true);
  view.setUint32(p + 16, sampleRate * blockAlign, true);
  view.setUint16(p + 20, blockAlign, true);
  view.setUint16(p + 22, bits, true);
  if (fmtBytes > 16) view.setUint16(p + 24, fmtBytes - 18, true);
  if (extensible) {
    view.setUint16(p + 26, bits, true);
    view.setUint32(p + 28, format.channelMask >>> 0, true);
    view.setUint16(p + 32, code, true);
    for (let i = 0; i < SUBTYPE_TAIL.length; i++) out[p + 34 + i] = SUBTYPE_TAIL[i] as number;
  }
  p += 8 + fmtBytes;
  if (factBytes) {
    tag(p, 'fact');
    view.setUint32(p + 4, 4, true);
    view.setUint32(p + 8, frames, true);
    p += 12;
  }
  tag(p, 'data');
  view.setUint32(p + 4, dataBytes, true);
  p += 8;
  for (let c = 0; c < nch; c++) {
    const src = channels[c] as Float32Array;
    let q = p + c * bytes;
    if (format.kind === 'float') {
      if (bits === 32) for (let i = 0; i < frames; i++, q += blockAlign) view.setFloat32(q, src[i] as number, true);
      else for (let i = 0; i < frames; i++, q += blockAlign) view.setFloat64(q, src[i] as number, true);
      continue;
    }
    for (let i = 0; i < frames; i++, q += blockAlign) {
      let x = src[i] as number;
      if (x !== x) x = 0;
      if (bits === 16) view.setInt16(q, quantize(x, 32768), true);
      else if (bits === 24) {
        const v = quantize(x, 8388608);
        out[q] = v & 0xff;
        out[q + 1] = (v >> 8) & 0xff;
        out[q + 2] = (v >> 16) & 0xff;
      } else if (bits === 32) view.setInt32(q, quantize(x, 2147483648), true);
      else out[q] = quantize(x, 128) + 128;
    }
  }
  return out;
}

/** Reads a WAV file from disk. */
export function readWavFile(path: string): WavAudio {
  const buf = readFileSync(path);
  return decodeWav(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
}

/** Writes a WAV file to disk. */
export function writeWavFile(path: string, audio: WavAudio): void {
  writeFileSync(path, encodeWav(audio));
}
