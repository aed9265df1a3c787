// The page every bundler app builds: what a newcomer writes with the README's two imports. The
// spec (e2e/bundlers.spec.ts) drives it through window.smoke: one page publishes the fake
// microphone, another denoises it. Tokens come from the spec and are never logged or shown.
import { Room, RoomEvent, Track, createLocalAudioTrack } from 'livekit-client';
import { NoiseCancellation, TrackBinding } from 'lk-denoise';

let room;
let context;
let nc;
const subscribed = new Set();

async function join(url, token) {
  room = new Room();
  room.on(RoomEvent.TrackSubscribed, (_track, _publication, participant) => subscribed.add(participant.identity));
  await room.connect(url, token);
}

async function publishMic() {
  // The raw fake microphone: the browser's own processing would blur what the spec measures.
  const track = await createLocalAudioTrack({ echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 });
  await room.localParticipant.publishTrack(track, { source: Track.Source.Microphone });
}

async function denoise(identity) {
  context = new AudioContext({ sampleRate: 48_000 });
  nc = await NoiseCancellation.create(context, { statsIntervalMs: 200 });
  // The processor runs in real time only while the graph pulls its output.
  const mute = context.createGain();
  mute.gain.value = 0;
  nc.node.connect(mute).connect(context.destination);
  await context.resume();
  TrackBinding.attachParticipant(room, identity, { processor: nc });
}

/**
 * Energy of each 10 ms frame of the processor's input and of its output `lag` samples later
 * (its added delay), over `seconds`, captured in the same render quanta.
 */
async function frameEnergies(seconds, lag) {
  const merger = context.createChannelMerger(2);
  nc.inputNode.connect(merger, 0, 0);
  nc.node.connect(merger, 0, 1);
  const tap = context.createScriptProcessor(4096, 2, 1);
  const mute = context.createGain();
  mute.gain.value = 0;
  const total = Math.round(seconds * context.sampleRate) + lag;
  const input = new Float32Array(total);
  const output = new Float32Array(total);
  let filled = 0;
  await new Promise((done) => {
    tap.onaudioprocess = (event) => {
      const n = Math.min(event.inputBuffer.length, total - filled);
      input.set(event.inputBuffer.getChannelData(0).subarray(0, n), filled);
      output.set(event.inputBuffer.getChannelData(1).subarray(0, n), filled);
      filled += n;
      if (filled === total) done();
    };
    merger.connect(tap).connect(mute).connect(context.destination);
  });
  tap.onaudioprocess = null;
  merger.disconnect();
  tap.disconnect();
  const frame = 480;
  const frames = Math.floor((total - lag) / frame);
  const raw = [];
  const out = [];
  for (let f = 0; f < frames; f++) {
    let a = 0;
    let b = 0;
    for (let i = f * frame; i < (f + 1) * frame; i++) {
      a += input[i] ** 2;
      b += output[i + lag] ** 2;
    }
    raw.push(a);
    out.push(b);
  }
  return { raw, out };
}

export function install() {
  window.smoke = {
    join,
    publishMic,
    denoise,
    frameEnergies,
    hasSubscribed: (identity) => subscribed.has(identity),
    stats: () => nc?.stats ?? null,
  };
  document.body.dataset.ready = 'true';
}
