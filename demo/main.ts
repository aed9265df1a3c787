// The demo page's entry: wires the panels to one AudioContext, the local source and the room
// session. URL parameters (all optional): room, identity, source=sample|mic, noise=pink|fan|hum|none,
// snr (dB), seed, engine=rnnoise|rnnoise-0.2|gtcrn|auto, muted=1, autojoin=0.
import { setLogger } from '../src/index';
import { Tap } from './analysis';
import { byId, randomId } from './dom';
import { ENGINE_OPTIONS, isEngineChoice, type EngineChoice } from './engines';
import { onFrame } from './frame-loop';
import { LogView } from './log-view';
import { LevelMeter } from './meter';
import { NOISE_KINDS, type NoiseKind } from './noise';
import { MicSource, SampleSource, type LocalSource, type NoiseSettings } from './sample-source';
import { DemoSession, type SessionState } from './session';
import { Spectrogram } from './spectrogram';
import { TrackTable } from './track-table';

const DEFAULT_ROOM = 'lk-denoise-demo';
const NAME = /^[\w.@:-]{1,64}$/;

const params = new URLSearchParams(location.search);
const logView = new LogView(byId<HTMLOListElement>('log'), byId<HTMLButtonElement>('log-clear'), byId('log-count'));
const log = logView.add.bind(logView);

// The library's own lifecycle lines (one per transition, never a token) go to the panel too.
setLogger({ info: (m) => log('library', m), warn: (m) => log('error', m) });
window.addEventListener('error', (e) => log('error', e.message));
window.addEventListener('unhandledrejection', (e) => log('error', e.reason instanceof Error ? e.reason.message : String(e.reason)));

// ---- Audio: one 48 kHz context for the page, resumed on the first gesture -------------------
const context = new AudioContext({ sampleRate: 48000, latencyHint: 'interactive' });
const gate = byId('audio-gate');

function renderAudioState(): void {
  const state = context.state;
  byId('audio-state').textContent = state;
  byId('audio-chip').dataset.state = state;
  gate.hidden = state === 'running' || state === 'closed';
}
context.addEventListener('statechange', () => {
  renderAudioState();
  log('audio', `AudioContext ${context.state}`);
});
renderAudioState();

async function unlockAudio(): Promise<void> {
  if (context.state === 'suspended') await context.resume();
}
const unlockOnGesture = (): void => void unlockAudio().catch((e: unknown) => log('error', `audio: ${String(e)}`));
document.addEventListener('pointerdown', unlockOnGesture, { capture: true });
document.addEventListener('keydown', unlockOnGesture, { capture: true });
byId('enable-audio').addEventListener('click', unlockOnGesture);

// ---- Server panel -----------------------------------------------------------------------------
async function showServer(): Promise<void> {
  const urlEl = byId('server-url');
  const kindEl = byId('server-kind');
  try {
    const response = await fetch('/api/server', { cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const info = (await response.json()) as { url: string; httpUrl: string; loopback: boolean };
    urlEl.textContent = info.url;
    kindEl.textContent = info.loopback ? 'loopback' : 'LIVEKIT_URL';
    kindEl.dataset.kind = info.loopback ? 'loopback' : 'real';
    kindEl.title = info.loopback
      ? 'The dev/test LiveKit server the Vite plugin started on 127.0.0.1'
      : 'A real LiveKit server, from LIVEKIT_URL / LIVEKIT_API_KEY / LIVEKIT_API_SECRET';
  } catch (e) {
    urlEl.textContent = 'unavailable';
    kindEl.textContent = 'no backend';
    kindEl.dataset.kind = 'error';
    log('error', `/api/server: ${e instanceof Error ? e.message : String(e)} (is the lk-demo Vite plugin running?)`);
  }
}

// ---- Local source -----------------------------------------------------------------------------
const noiseSelect = byId<HTMLSelectElement>('noise-kind');
for (const { kind, label } of NOISE_KINDS) noiseSelect.add(new Option(label, kind));
const snrInput = byId<HTMLInputElement>('snr');
const seedInput = byId<HTMLInputElement>('seed');
const sampleControls = byId('sample-controls');

function initialNoise(): NoiseSettings {
  const kind = (NOISE_KINDS.find((n) => n.kind === params.get('noise'))?.kind ?? 'pink') satisfies NoiseKind;
  const snr = Number(params.get('snr') ?? 5);
  const seed = Number(params.get('seed') ?? 1);
  return {
    kind,
    snrDb: Number.isFinite(snr) ? Math.max(-5, Math.min(30, Math.round(snr))) : 5,
    seed: Number.isInteger(seed) && seed > 0 ? seed : 1,
  };
}

function readNoise(): NoiseSettings {
  const seed = Number(seedInput.value);
  return {
    kind: noiseSelect.value as NoiseKind,
    snrDb: Number(snrInput.value),
    seed: Number.isInteger(seed) && seed > 0 ? seed : 1,
  };
}

const start = initialNoise();
noiseSelect.value = start.kind;
snrInput.value = String(start.snrDb);
seedInput.value = String(start.seed);
byId('snr-value').textContent = `${start.snrDb} dB`;

const localTap = new Tap(context);
const localSpectrogram = new Spectrogram(byId<HTMLCanvasElement>('local-spectrogram'), { pxPerSecond: 40 });
const localMeter = new LevelMeter('Published level');
byId('local-meter').append(localMeter.element);
onFrame((_now, dt) => {
  localTap.update(dt);
  localSpectrogram.draw(localTap, dt);
  localMeter.update(localTap.level, dt, localTap.live);
});

let source: LocalSource | undefined;

function showSource(): void {
  const label = byId('source-label');
  label.textContent = source ? `Publishing ${source.label}` : 'Nothing published';
  label.title = label.textContent;
  sampleControls.toggleAttribute('inert', source?.kind !== 'sample');
  sampleControls.classList.toggle('disabled', source?.kind !== 'sample');
}

async function useSource(kind: 'sample' | 'mic'): Promise<void> {
  if (source?.kind === kind) return;
  const next: LocalSource = kind === 'mic' ? await MicSource.create(context) : await SampleSource.create(context, readNoise());
  localTap.setInput(next.output);
  source = next;
  showSource();
  log('audio', `source: ${next.label}`);
  await session.setSource(next);
}

for (const radio of document.querySelectorAll<HTMLInputElement>('input[name=source]')) {
  radio.addEventListener('change', () => {
    if (!radio.checked) return;
    const kind = radio.value === 'mic' ? 'mic' : 'sample';
    useSource(kind).catch((e: unknown) => {
      log('error', `${kind === 'mic' ? 'microphone' : 'sample'}: ${e instanceof Error ? e.message : String(e)}`);
      const fallback = document.querySelector<HTMLInputElement>(`input[name=source][value=${source?.kind ?? 'sample'}]`);
      if (fallback) fallback.checked = true;
    });
  });
}

function noiseChanged(): void {
  const settings = readNoise();
  byId('snr-value').textContent = `${settings.snrDb} dB`;
  if (source instanceof SampleSource) {
    source.setNoise(settings);
    showSource();
  }
}
noiseSelect.addEventListener('change', () => {
  noiseChanged();
  log('audio', `noise: ${noiseSelect.value}`);
});
snrInput.addEventListener('input', noiseChanged);
snrInput.addEventListener('change', () => log('audio', `SNR: ${snrInput.value} dB`));
seedInput.addEventListener('change', () => {
  noiseChanged();
  log('audio', `noise seed: ${seedInput.value}`);
});

// ---- Engine picker: every card switches to the picked engine, to hear the difference live --
const enginePick = byId<HTMLSelectElement>('engine-pick');
for (const { value, label } of ENGINE_OPTIONS) enginePick.add(new Option(label, value));
const requestedEngine = params.get('engine');
enginePick.value = isEngineChoice(requestedEngine) ? requestedEngine : 'rnnoise';

function showEngineNote(engine: EngineChoice): void {
  byId('engine-note').textContent = ENGINE_OPTIONS.find((o) => o.value === engine)?.note ?? '';
}
showEngineNote(enginePick.value as EngineChoice);
enginePick.addEventListener('change', () => {
  const engine = enginePick.value as EngineChoice;
  showEngineNote(engine);
  log('audio', `engine: ${engine} for every remote track`);
  session.setEngine(engine).catch((e: unknown) => log('error', `engine ${engine}: ${e instanceof Error ? e.message : String(e)}`));
});

// ---- Mute: the others receive silence, and their state column shows the track gated ----------
const muteSwitch = byId<HTMLInputElement>('mute');
muteSwitch.checked = params.get('muted') === '1';
muteSwitch.addEventListener('change', () => {
  log('track', muteSwitch.checked ? 'muted your track' : 'unmuted your track');
  session.setMuted(muteSwitch.checked).catch((e: unknown) => log('error', `mute: ${e instanceof Error ? e.message : String(e)}`));
});

// ---- Room session -----------------------------------------------------------------------------
const roomInput = byId<HTMLInputElement>('room-name');
const identityInput = byId<HTMLInputElement>('identity');
const joinButton = byId<HTMLButtonElement>('join-button');
const requestedRoom = params.get('room') ?? '';
const requestedIdentity = params.get('identity') ?? '';
roomInput.value = NAME.test(requestedRoom) ? requestedRoom : DEFAULT_ROOM;
identityInput.value = NAME.test(requestedIdentity) ? requestedIdentity : `guest-${randomId()}`;

function updateSecondTabLinks(): void {
  const url = new URL(location.href);
  url.search = '';
  url.searchParams.set('room', roomInput.value || DEFAULT_ROOM);
  for (const id of ['second-tab', 'second-tab-hint']) byId<HTMLAnchorElement>(id).href = url.toString();
  byId('alone-room').textContent = roomInput.value || DEFAULT_ROOM;
}
roomInput.addEventListener('input', updateSecondTabLinks);
updateSecondTabLinks();

const session = new DemoSession({
  context,
  log,
  unlockAudio,
  cards: byId('cards'),
  tracks: new TrackTable(byId<HTMLTableSectionElement>('track-rows'), byId('tracks-empty')),
  engine: enginePick.value as EngineChoice,
  onChange: renderSession,
});
if (muteSwitch.checked) void session.setMuted(true);

function renderSession(state: SessionState, peers: number): void {
  byId('conn-state').textContent = state;
  byId('conn-chip').dataset.state = state;
  byId('peer-count').textContent = String(peers);
  const busy = state === 'connecting';
  const inRoom = state === 'connected' || state === 'reconnecting';
  joinButton.disabled = busy;
  joinButton.textContent = busy ? 'Joining…' : inRoom ? 'Leave' : 'Join';
  joinButton.classList.toggle('danger', inRoom);
  roomInput.disabled = identityInput.disabled = busy || inRoom;
  byId('alone-hint').hidden = !(state === 'connected' && peers === 0);
  document.title = `${inRoom ? `${roomInput.value} · ` : ''}lk-denoise demo`;
}

async function join(): Promise<void> {
  const room = roomInput.value.trim();
  const identity = identityInput.value.trim();
  if (!NAME.test(room) || !NAME.test(identity)) {
    log('error', 'room and identity: 1-64 characters of letters, digits, . _ - @ :');
    return;
  }
  try {
    await session.join(room, identity);
  } catch (e) {
    log('error', `join failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

byId<HTMLFormElement>('join-form').addEventListener('submit', (e) => {
  e.preventDefault();
  unlockOnGesture();
  if (session.connected) {
    log('room', 'leaving');
    void session.leave();
  } else {
    void join();
  }
});

async function main(): Promise<void> {
  renderSession('disconnected', 0);
  await showServer();
  const kind = params.get('source') === 'mic' ? 'mic' : 'sample';
  document.querySelector<HTMLInputElement>(`input[name=source][value=${kind}]`)!.checked = true;
  try {
    await useSource(kind);
  } catch (e) {
    log('error', `${kind}: ${e instanceof Error ? e.message : String(e)}; using the noisy sample`);
    document.querySelector<HTMLInputElement>('input[name=source][value=sample]')!.checked = true;
    await useSource('sample');
  }
  if (params.get('autojoin') !== '0') await join();
}

void main();
