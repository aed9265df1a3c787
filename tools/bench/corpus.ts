// The benchmark corpus: deterministic 48 kHz mixtures of real speech (the five LibriVox clips of
// Debian's pocketsphinx-testdata when installed, else the committed excerpt) × seven noises ×
// SNR 0/5/10 dB. Items are built lazily: 105 items held at once would take ~300 MB.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EXCERPT_PATH, loadSpeech, makeNoisySpeech, NOISE_KINDS, type NoiseKind } from '../testing/signals';

export const LIBRIVOX_DIR = '/usr/share/pocketsphinx/test/data/librivox';
export const CORPUS_RATE = 48_000;
export const CORPUS_SNRS: readonly number[] = [0, 5, 10];

export interface CorpusClip {
  /** Short name, e.g. "0870" for sense_and_sensibility_01_austen_64kb-0870.wav. */
  name: string;
  path: string;
}

export interface CorpusSpec {
  id: string;
  clip: CorpusClip;
  noise: NoiseKind;
  snrDb: number;
  seed: number;
}

export interface CorpusItem {
  id: string;
  clip: string;
  noise: NoiseKind;
  snrDb: number;
  sampleRate: number;
  mixture: Float32Array;
  speech: Float32Array;
  noiseSignal: Float32Array;
  /** One flag per 10 ms frame (480 samples). */
  speechActive: boolean[];
}

export interface CorpusOptions {
  /** Directory of speech WAVs; default the Debian LibriVox clips, falling back to the excerpt. */
  speechDir?: string;
  noises?: readonly NoiseKind[];
  snrs?: readonly number[];
  /** Base seed; each item derives its own from it and its position. Default 1. */
  seed?: number;
}

/** The speech clips: every .wav in the directory (sorted), or the committed excerpt. */
export function corpusClips(speechDir = LIBRIVOX_DIR): CorpusClip[] {
  if (existsSync(speechDir)) {
    const files = readdirSync(speechDir)
      .filter((f) => f.toLowerCase().endsWith('.wav'))
      .sort();
    if (files.length > 0) {
      return files.map((f) => ({ name: f.replace(/\.wav$/i, '').replace(/^.*-/, ''), path: join(speechDir, f) }));
    }
  }
  return [{ name: 'excerpt', path: EXCERPT_PATH }];
}

/** Every item's identity and seed, in a fixed order (cheap: no audio). */
export function corpusSpecs(options: CorpusOptions = {}): CorpusSpec[] {
  const clips = corpusClips(options.speechDir);
  const noises = options.noises ?? NOISE_KINDS;
  const snrs = options.snrs ?? CORPUS_SNRS;
  const base = options.seed ?? 1;
  const specs: CorpusSpec[] = [];
  clips.forEach((clip, c) => {
    noises.forEach((noise) => {
      snrs.forEach((snrDb, s) => {
        // One noise realisation per clip and SNR; the seed does not depend on the noise list.
        const seed = (base * 1000 + c * 10 + s) >>> 0;
        specs.push({ id: `${clip.name}-${noise}-${snrDb}dB`, clip, noise, snrDb, seed });
      });
    });
  });
  return specs;
}

/** A clip's first channel at 48 kHz (cached per path). */
export function loadClip48k(path: string): Float32Array {
  return loadSpeech(path, CORPUS_RATE);
}

/** The other clips back to back: babble made of different sentences than the target's. */
function babbleFor(spec: CorpusSpec, clips: readonly CorpusClip[]): Float32Array {
  const others = clips.filter((c) => c.path !== spec.clip.path).map((c) => loadClip48k(c.path));
  if (others.length === 0) return loadClip48k(spec.clip.path);
  const out = new Float32Array(others.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of others) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}

/**
 * Builds one item: the clip with 0.5 s of silence at each end, plus its noise at its SNR
 * (measured over speech-active frames). `clips` supplies the babble talkers.
 */
export function buildCorpusItem(spec: CorpusSpec, clips: readonly CorpusClip[] = [spec.clip]): CorpusItem {
  const speech = loadClip48k(spec.clip.path);
  const babbleSource = spec.noise === 'babble' ? babbleFor(spec, clips) : undefined;
  const made = makeNoisySpeech({
    seed: spec.seed,
    noise: spec.noise,
    snrDb: spec.snrDb,
    sampleRate: CORPUS_RATE,
    speech,
    gapSeconds: 0.5,
    babbleSource,
  });
  return {
    id: spec.id,
    clip: spec.clip.name,
    noise: spec.noise,
    snrDb: spec.snrDb,
    sampleRate: CORPUS_RATE,
    mixture: made.mixture,
    speech: made.speech,
    noiseSignal: made.noise,
    speechActive: made.speechActive,
  };
}

/** The corpus, item by item (clips × noises × SNRs), built on demand. */
export function* corpus(options: CorpusOptions = {}): Generator<CorpusItem> {
  const clips = corpusClips(options.speechDir);
  for (const spec of corpusSpecs(options)) yield buildCorpusItem(spec, clips);
}
