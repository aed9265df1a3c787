// @livekit/rtc-node (the native SDKs' Rust core, from npm) as a second real client of the
// loopback server, for tests: publish a signal through AudioSource, record a remote track
// through AudioStream. Test tooling only; the product never imports it.
import {
  AudioFrame,
  AudioSource,
  AudioStream,
  LocalAudioTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
  type FrameProcessor,
  type RemoteTrack,
  type RemoteTrackPublication,
  type RemoteParticipant,
} from '@livekit/rtc-node';

export const RATE = 48_000;
const FRAME = RATE / 100; // 10 ms, what AudioSource is fed and AudioStream yields

export interface RtcNodePublisher {
  room: Room;
  trackSid: string;
  /** Resolves when every sample of the first signal was handed to AudioSource (played out in real time), or on stop or play. */
  playing: Promise<void>;
  /**
   * Switches to `signal` at the next 10 ms frame, `loops` times (Infinity: until stopped or
   * switched again); null sends nothing from then on (no frames, so no packets). Resolves as
   * `playing` does, for this signal.
   */
  play(signal: Float32Array | null, loops?: number): Promise<void>;
  /** Stops feeding (ends `playing`), unpublishes and leaves. Safe to call more than once. */
  stop(): Promise<void>;
}

/** 16-bit PCM of `n` samples of `x` from `from` (zeros past its end): what AudioSource takes. */
export function toInt16(x: Float32Array, from: number, n: number): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round((x[from + i] ?? 0) * 32767)));
  return out;
}

/**
 * Joins with rtc-node and publishes `signal` (48 kHz mono float), `loops` times (Infinity: until
 * stopped); null publishes the track but sends nothing until play().
 */
export async function publishWithRtcNode(url: string, token: string, signal: Float32Array | null, loops = 1): Promise<RtcNodePublisher> {
  const room = new Room();
  await room.connect(url, token, { autoSubscribe: false, dynacast: false });
  const source = new AudioSource(RATE, 1);
  const track = LocalAudioTrack.createAudioTrack('rtc-node-mic', source);
  const publication = await room.localParticipant!.publishTrack(track, new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }));
  let stopped = false;
  // What is fed now; play() replaces it, ending the old one's promise.
  let current = { signal, loops, done: (): void => undefined };
  const playing = new Promise<void>((resolve) => (current.done = resolve));
  let wake = (): void => undefined;
  const feeding = (async () => {
    while (!stopped) {
      const now = current;
      for (let loop = 0; now.signal && loop < now.loops && current === now && !stopped; loop++) {
        for (let at = 0; at + FRAME <= now.signal.length && current === now && !stopped; at += FRAME) {
          // captureFrame waits while AudioSource's queue is full: this paces the feed in real time.
          await source.captureFrame(new AudioFrame(toInt16(now.signal, at, FRAME), RATE, 1, FRAME));
        }
      }
      if (current !== now) continue;
      if (!stopped && now.signal) await source.waitForPlayout();
      now.done();
      // Nothing more to send until play() or stop().
      if (current === now && !stopped) await new Promise<void>((resolve) => (wake = resolve));
    }
    current.done();
  })();
  const play = (next: Float32Array | null, nextLoops = 1): Promise<void> => {
    const previous = current;
    const finished = new Promise<void>((resolve) => (current = { signal: next, loops: nextLoops, done: resolve }));
    previous.done();
    // What AudioSource still holds of the old signal (up to its 1 s queue) is dropped.
    source.clearQueue();
    wake();
    return finished;
  };
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      stopped = true;
      wake();
      await feeding.catch(() => undefined);
      await room.disconnect();
      await track.close();
    })();
    return stopping;
  };
  return { room, trackSid: publication.sid!, playing, play, stop };
}

export interface RtcNodeSubscriber {
  room: Room;
  /** The first remote audio track of `identity`, once subscribed. */
  track: Promise<{ track: RemoteTrack; publication: RemoteTrackPublication; participant: RemoteParticipant }>;
  leave(): Promise<void>;
}

export async function subscribeWithRtcNode(url: string, token: string, identity: string): Promise<RtcNodeSubscriber> {
  const room = new Room();
  const track = new Promise<{ track: RemoteTrack; publication: RemoteTrackPublication; participant: RemoteParticipant }>((resolve) => {
    room.on(RoomEvent.TrackSubscribed, (t, publication, participant) => {
      if (t.kind === TrackKind.KIND_AUDIO && participant.identity === identity) resolve({ track: t, publication, participant });
    });
  });
  await room.connect(url, token, { autoSubscribe: true, dynacast: false });
  let leaving: Promise<void> | undefined;
  return { room, track, leave: () => (leaving ??= room.disconnect()) };
}

/** Reads `seconds` of a remote track as 48 kHz mono float through AudioStream. */
export async function recordWithAudioStream(
  track: RemoteTrack,
  seconds: number,
  options: { noiseCancellation?: FrameProcessor<AudioFrame> } = {},
): Promise<Float32Array> {
  const stream = new AudioStream(track, { sampleRate: RATE, numChannels: 1, ...options });
  const out = new Float32Array(Math.round(seconds * RATE));
  let filled = 0;
  const reader = stream.getReader();
  try {
    while (filled < out.length) {
      const { value, done } = await reader.read();
      if (done || !value) break;
      const n = Math.min(value.samplesPerChannel, out.length - filled);
      for (let i = 0; i < n; i++) out[filled + i] = (value.data[i * value.channels] ?? 0) / 32768;
      filled += n;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return out.subarray(0, filled);
}

/**
 * Median over 250 ms blocks of the best normalised correlation between each block of `ref` and
 * `x` near `lag` (± 20 ms). A receiver's jitter buffer stretches time under load, which smears
 * one global correlation; block by block the waveform match stays visible.
 */
export function blockCorrelation(ref: Float32Array, x: Float32Array, lag: number, blockSeconds = 0.25): number {
  const block = Math.round(blockSeconds * RATE);
  const slack = Math.round(0.02 * RATE);
  const peaks: number[] = [];
  for (let start = 0; start + block <= ref.length; start += block) {
    let er = 0;
    for (let i = 0; i < block; i++) er += (ref[start + i] as number) ** 2;
    if (er < 1e-6 * block) continue; // a silent block has no shape to match
    let best = 0;
    for (let d = lag - slack; d <= lag + slack; d++) {
      let c = 0;
      let ex = 0;
      for (let i = 0; i < block; i++) {
        const v = x[start + i + d] ?? 0;
        c += (ref[start + i] as number) * v;
        ex += v * v;
      }
      if (ex > 0) best = Math.max(best, c / Math.sqrt(er * ex));
    }
    peaks.push(best);
  }
  peaks.sort((a, b) => a - b);
  return peaks[Math.floor(peaks.length / 2)] ?? 0;
}

/**
 * Fraction of `x`'s power at `freqs` (Goertzel over 20 ms frames, summed). A steady tone keeps
 * its frequencies through Opus and through a jitter buffer that stretches time, so this holds
 * where a waveform match would not: about 1 for the tones themselves, near 0 for anything else.
 */
export function tonalFraction(x: Float32Array, freqs: readonly number[], frame = 960): number {
  let tonal = 0;
  let total = 0;
  for (let start = 0; start + frame <= x.length; start += frame) {
    for (let i = start; i < start + frame; i++) total += (x[i] as number) ** 2 / frame;
    for (const f of freqs) {
      const w = (2 * Math.PI * f) / RATE;
      let re = 0;
      let im = 0;
      for (let i = 0; i < frame; i++) {
        re += (x[start + i] as number) * Math.cos(w * i);
        im -= (x[start + i] as number) * Math.sin(w * i);
      }
      tonal += (2 * (re * re + im * im)) / (frame * frame); // a sine of amplitude A gives A²/2
    }
  }
  return total > 0 ? tonal / total : 0;
}
