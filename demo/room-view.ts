// One card per remote participant: a NoiseCancellation bound with
// TrackBinding.attachParticipant (so it follows the participant's microphone across
// republishes and rejoins), before/after spectrograms and meters, the VAD meter, the stats the
// worklet reports, and playback of the denoised audio.
import type { Room } from 'livekit-client';
import { NoiseCancellation, TrackBinding, type ParticipantBinding, type ProcessorStats, type EndReason } from '../src/index';
import { Tap } from './analysis';
import { countdown, el } from './dom';
import { engineLabel, ENGINE_OPTIONS, type EngineChoice } from './engines';
import { onFrame } from './frame-loop';
import type { LogKind } from './log-view';
import { LevelMeter, VadMeter } from './meter';
import { frequencyTicks, LevelStrip, Spectrogram } from './spectrogram';
import type { TrackRow } from './track-table';

// Through the CSSOM, not a style attribute: the page's CSP has no 'unsafe-inline' for styles.
function styled<E extends HTMLElement>(element: E, property: string, value: string): E {
  element.style.setProperty(property, value);
  return element;
}

export interface CardDeps {
  context: AudioContext;
  log(kind: LogKind, message: string): void;
  /** Resumes the AudioContext (call from a user gesture). */
  unlockAudio(): Promise<void>;
  /** The server URL the room connected to (what the credentials carry). */
  serverUrl(): string;
  /** The user dismissed the card. */
  onDismiss(card: ParticipantCard): void;
  /** The engine the listener picked (read when a processor is created). */
  engine(): EngineChoice;
  /** This card's row in the processed-tracks table. */
  trackRow(identity: string): TrackRow;
}

function choiceLabel(engine: EngineChoice): string {
  return ENGINE_OPTIONS.find((o) => o.value === engine)?.label ?? engine;
}

/** waiting: bound, no microphone yet · live: following a track · left: the participant left
 *  (the binding waits for them) · ended: the binding ended (we left the room). */
export type CardPhase = 'waiting' | 'live' | 'left' | 'ended';

const AUTOCLOSE_HELP =
  'autoCloseNoiseCancellation. On: when this binding ends (you leave the room or dismiss the card) it closes the ' +
  'noise canceller, and the next join builds a fresh one. Off: the binding leaves it open and the demo hands the same ' +
  'processor to the next binding, so its frame count carries on. The option is read when a binding is created, ' +
  'so a change applies to the next binding.';

function initials(identity: string): string {
  const parts = identity.split(/[^a-zA-Z0-9]+/).filter(Boolean);
  const last = parts[parts.length - 1] ?? identity;
  return (last.slice(0, 2) || '?').toUpperCase();
}

/** A stable hue per identity, so a participant keeps its colour in every tab. */
function hueOf(identity: string): number {
  let h = 0;
  for (let i = 0; i < identity.length; i++) h = (h * 31 + identity.charCodeAt(i)) >>> 0;
  return h % 360;
}

class Pane {
  readonly element: HTMLElement;
  readonly tap: Tap;
  private readonly spectrogram: Spectrogram;
  private readonly strip: LevelStrip;
  private readonly meter: LevelMeter;

  constructor(context: AudioContext, kind: 'before' | 'after', title: string, subtitle: HTMLElement, colour: string) {
    this.tap = new Tap(context);
    const specCanvas = el('canvas', { class: 'spectrogram', role: 'img', 'aria-label': `${title} spectrogram` });
    const stripCanvas = el('canvas', { class: 'strip', role: 'img', 'aria-label': `${title} level over time` });
    const axis = el(
      'div',
      { class: 'freq-axis', 'aria-hidden': 'true' },
      ...frequencyTicks().map((t) => styled(el('span', {}, t.label), 'top', `${(t.top * 100).toFixed(2)}%`)),
    );
    this.meter = new LevelMeter(`${title} level`);
    this.element = el(
      'figure',
      { class: `pane pane-${kind}` },
      el('figcaption', {}, el('span', { class: 'pane-title' }, title), subtitle),
      el('div', { class: 'spec-wrap' }, specCanvas, axis),
      stripCanvas,
      this.meter.element,
    );
    this.spectrogram = new Spectrogram(specCanvas);
    this.strip = new LevelStrip(stripCanvas, undefined, colour);
  }

  frame(dt: number): void {
    this.tap.update(dt);
    this.spectrogram.draw(this.tap, dt);
    this.strip.draw(this.tap, dt);
    this.meter.update(this.tap.level, dt, this.tap.live);
  }

  dispose(): void {
    this.tap.dispose();
    this.spectrogram.dispose();
    this.strip.dispose();
  }
}

export class ParticipantCard {
  readonly element: HTMLElement;
  private readonly before: Pane;
  private readonly after: Pane;
  private readonly afterNote: HTMLElement;
  private readonly vad = new VadMeter();
  private readonly stats: Record<string, HTMLElement> = {};
  private readonly phaseChip: HTMLElement;
  private readonly sidChip: HTMLElement;
  private readonly ncSwitch: HTMLInputElement;
  private readonly strengthSlider: HTMLInputElement;
  private readonly strengthValue: HTMLOutputElement;
  private readonly autoCloseSwitch: HTMLInputElement;
  private readonly listenButton: HTMLButtonElement;
  private readonly audio: HTMLAudioElement;
  private readonly stopFrames: () => void;

  private nc: NoiseCancellation | undefined;
  private offProcessor: (() => void)[] = [];
  private follow: ParticipantBinding | undefined;
  private binding: TrackBinding | undefined;
  private beforeSource: MediaStreamAudioSourceNode | undefined;
  private phase: CardPhase = 'waiting';
  private ncEnabled = true;
  private strength = 1;
  private autoCloseNext = true;
  private listening = false;
  private tracksFollowed = 0;
  private lastTokenId: string | null = null;
  private lastVad = 1;
  private pauseCut: number | null = null;
  private cutAge = 0;
  private lastCredentialState: string | undefined;
  private generation = 0;
  private disposed = false;
  private engine: EngineChoice;
  private readonly row: TrackRow;

  constructor(
    readonly identity: string,
    private readonly deps: CardDeps,
  ) {
    const { context } = deps;
    this.engine = deps.engine();
    this.row = deps.trackRow(identity);
    this.afterNote = el('small', {}, `denoised by ${choiceLabel(this.engine)}`);
    this.before = new Pane(context, 'before', 'Before', el('small', {}, 'remote track, as received'), '#94a3b8');
    this.after = new Pane(context, 'after', 'After', this.afterNote, '#5eead4');

    this.ncSwitch = el('input', { type: 'checkbox', role: 'switch', checked: true, 'data-control': 'nc' });
    this.ncSwitch.addEventListener('change', () => this.setNcEnabled(this.ncSwitch.checked));
    // Strength: live, ramped in the worklet (20 ms), so dragging never clicks.
    this.strengthSlider = el('input', {
      type: 'range',
      min: '0',
      max: '1',
      step: '0.01',
      value: '1',
      'data-control': 'strength',
      'aria-label': 'Suppression strength',
    });
    this.strengthValue = el('output', {}, '100 %');
    this.strengthSlider.addEventListener('input', () => {
      this.strength = Number(this.strengthSlider.value);
      this.strengthValue.textContent = `${Math.round(this.strength * 100)} %`;
      this.nc?.setStrength(this.strength);
    });
    this.autoCloseSwitch = el('input', { type: 'checkbox', role: 'switch', checked: true, 'data-control': 'autoclose' });
    this.autoCloseSwitch.addEventListener('change', () => {
      this.autoCloseNext = this.autoCloseSwitch.checked;
      this.deps.log('binding', `autoCloseNoiseCancellation for ${identity}'s next binding: ${this.autoCloseNext ? 'on' : 'off'}`);
    });
    this.listenButton = el(
      'button',
      { type: 'button', class: 'listen', 'aria-pressed': 'false', 'data-control': 'listen' },
      el('span', { class: 'listen-icon', 'aria-hidden': 'true' }),
      el('span', { class: 'listen-text' }, 'Listen'),
    );
    this.listenButton.addEventListener('click', () => void this.toggleListen());
    this.audio = el('audio', { hidden: true });
    this.audio.muted = true;

    this.phaseChip = el('span', { class: 'chip', 'data-stat': 'phase' }, 'waiting');
    this.sidChip = el('code', { class: 'sid', 'data-stat': 'header-sid' }, 'no track yet');
    const tipId = `autoclose-tip-${hueOf(identity)}-${Math.random().toString(36).slice(2, 7)}`;
    const dismiss = el(
      'button',
      {
        type: 'button',
        class: 'icon-button dismiss',
        'aria-label': `Dismiss ${identity}`,
        title: 'Dismiss this card (closes its binding)',
      },
      '×',
    );
    dismiss.addEventListener('click', () => this.deps.onDismiss(this));

    const stat = (key: string, label: string, initial = '—', cls = ''): HTMLElement => {
      const dd = el('dd', { 'data-stat': key, class: cls || undefined }, initial);
      this.stats[key] = dd;
      return el('div', { class: 'stat' }, el('dt', {}, label), dd);
    };

    const head = el(
      'header',
      { class: 'card-head' },
      el(
        'div',
        { class: 'who' },
        styled(el('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(identity)), '--hue', String(hueOf(identity))),
        el('div', {}, el('h3', { class: 'identity' }, identity), el('p', { class: 'card-sub' }, this.phaseChip, this.sidChip)),
      ),
      el(
        'div',
        { class: 'card-controls' },
        el(
          'label',
          { class: 'switch' },
          this.ncSwitch,
          el('span', { class: 'switch-ui', 'aria-hidden': 'true' }),
          el('span', {}, 'Noise cancellation'),
        ),
        el(
          'label',
          { class: 'strength', title: '0: the track as received (same delay); 1: full suppression' },
          el('span', {}, 'Strength '),
          this.strengthSlider,
          this.strengthValue,
        ),
        el(
          'label',
          { class: 'switch', title: AUTOCLOSE_HELP },
          this.autoCloseSwitch,
          el('span', { class: 'switch-ui', 'aria-hidden': 'true' }),
          el('span', {}, 'autoClose'),
          el(
            'span',
            { class: 'help', tabindex: '0', role: 'note', 'aria-describedby': tipId },
            '?',
            el('span', { class: 'tooltip', role: 'tooltip', id: tipId }, AUTOCLOSE_HELP),
          ),
        ),
        this.listenButton,
        dismiss,
      ),
    );

    const statsList = el(
      'dl',
      { class: 'stats' },
      stat('engine', 'Engine'),
      stat('frames', 'Frames processed', '0', 'num'),
      stat('bypass', 'Bypass'),
      stat('delay', 'Added delay', '—', 'num'),
      stat('credential', 'Credentials', 'none', 'cred'),
      stat('token', 'Token id · expires'),
      stat('room', 'Room'),
      stat('identity', 'Identity'),
      stat('sid', 'Publication SID', '—', 'mono'),
      stat('cut', 'Noise cut in pauses', '—', 'num'),
      stat('state', 'Processor'),
      stat('autoclose', 'autoClose (this binding)'),
    );

    this.element = el(
      'article',
      { class: 'card', 'data-identity': identity, 'data-phase': 'waiting', 'aria-label': `Remote participant ${identity}` },
      head,
      el('div', { class: 'panes' }, this.before.element, this.after.element),
      el('div', { class: 'card-foot' }, this.vad.element, statsList),
      this.audio,
    );

    this.stopFrames = onFrame((_now, dt) => {
      this.before.frame(dt);
      this.after.frame(dt);
      this.measureNoiseCut(dt);
    });
  }

  get currentPhase(): CardPhase {
    return this.phase;
  }

  /** True while a participant binding follows this identity. */
  get isBound(): boolean {
    return !!this.follow && !this.follow.isEnded;
  }

  /**
   * Binds to `room`: reuses the kept processor if the last binding left it open (autoClose off),
   * else creates one. A no-op while a participant binding is still following.
   */
  async bind(room: Room): Promise<void> {
    if (this.disposed || this.isBound) return;
    const generation = ++this.generation;
    this.setPhase('waiting');
    let nc = this.nc && !this.nc.isClosed ? this.nc : undefined;
    if (nc) {
      this.deps.log('binding', `reusing ${this.identity}'s open noise canceller (the last binding had autoClose off)`);
    } else {
      nc = await NoiseCancellation.create(this.deps.context, {
        engine: this.engine,
        enabled: this.ncEnabled,
        strength: this.strength,
        statsIntervalMs: 250,
      });
      if (this.disposed || generation !== this.generation) {
        nc.close();
        return;
      }
      this.adopt(nc);
    }
    const autoClose = this.autoCloseNext;
    const follow = TrackBinding.attachParticipant(room, this.identity, { processor: nc, autoCloseNoiseCancellation: autoClose });
    this.follow = follow;
    this.setStat('autoclose', autoClose ? 'on: closes the processor' : 'off: keeps the processor');
    this.deps.log('binding', `attachParticipant(${this.identity}, autoClose ${autoClose ? 'on' : 'off'})`);
    follow.on('trackChanged', (binding) => this.onTrack(binding));
    follow.on('ended', (reason) => {
      // An engine switch ends this binding after the next one exists: leave the next one be.
      if (this.follow === follow) this.onFollowEnded(reason, autoClose);
    });
    // A track that was already subscribed is followed inside attachParticipant itself.
    if (follow.binding) this.onTrack(follow.binding);
  }

  /**
   * Runs `engine` from now on: a new processor with it, bound to `room` in place of the old one
   * (whose binding closes, and the processor with it). The old engine's state is not carried.
   */
  async setEngine(engine: EngineChoice, room: Room | undefined): Promise<void> {
    if (engine === this.engine || this.disposed) return;
    this.engine = engine;
    if (this.ncEnabled) this.afterNote.textContent = `denoised by ${choiceLabel(engine)}`;
    const old = { follow: this.follow, nc: this.nc };
    this.follow = undefined;
    this.binding = undefined;
    this.nc = undefined;
    old.follow?.close();
    old.nc?.close();
    this.row.clear('switching…');
    this.deps.log('audio', `${this.identity}: switching to ${choiceLabel(engine)} (a new processor)`);
    if (room) await this.bind(room);
  }

  /** The participant left the room; the participant binding waits for them to come back. */
  markLeft(): void {
    if (this.phase === 'ended') return;
    this.setPhase('left');
  }

  /** The participant is back; the binding picks up their microphone when it is subscribed. */
  markReturned(): void {
    if (this.phase === 'left') this.setPhase(this.binding && !this.binding.isEnded ? 'live' : 'waiting');
  }

  private adopt(nc: NoiseCancellation): void {
    for (const off of this.offProcessor) off();
    this.nc = nc;
    this.lastTokenId = null;
    this.lastCredentialState = undefined;
    this.vad.reset();
    this.after.tap.setInput(nc.node);
    this.audio.srcObject = new MediaStream([nc.outputTrack]);
    if (this.listening) void this.audio.play().catch(() => undefined);
    this.setStat('engine', engineLabel(nc.ready?.engine));
    this.offProcessor = [
      nc.events.on('ready', (info) => {
        this.setStat('engine', engineLabel(info.engine));
        this.deps.log(
          'audio',
          `${this.identity}: worklet running (${engineLabel(info.engine)}, ${info.latencySamples} samples added delay)`,
        );
      }),
      nc.events.on('stats', (stats) => this.renderStats(stats)),
      nc.events.on('error', (error) => this.deps.log('error', `${this.identity}: ${error.reason}: ${error.message}`)),
      nc.events.on('closed', () => {
        if (this.nc !== nc) return;
        this.deps.log('audio', `${this.identity}: noise canceller closed (engine freed)`);
        this.after.tap.setInput(null);
        this.audio.srcObject = null;
        this.setStat('engine', 'closed');
        this.row.clear('closed');
      }),
    ];
    if (nc.error) this.deps.log('error', `${this.identity}: ${nc.error.message}`);
  }

  private onTrack(binding: TrackBinding): void {
    if (binding === this.binding) return;
    this.binding = binding;
    this.tracksFollowed++;
    const sid = binding.track.sid ?? 'unknown';
    this.beforeSource?.disconnect();
    this.beforeSource = undefined;
    const media = binding.track.mediaStreamTrack;
    if (media) {
      // The "before" picture: the same remote track, straight into an analyser.
      this.beforeSource = this.deps.context.createMediaStreamSource(new MediaStream([media]));
      this.before.tap.setInput(this.beforeSource);
    }
    this.sidChip.textContent = sid;
    this.setPhase('live');
    // The first push happens inside attach, before we could listen: report what it pushed.
    const info = binding.streamInfo;
    const again = this.tracksFollowed > 1 ? 're-pushed' : 'pushed';
    if (info) {
      this.deps.log('binding', `stream info ${again}: room ${info.roomName} · ${info.participantIdentity} · ${info.publicationSid}`);
      this.deps.log('token', `credentials ${again} (url ${this.deps.serverUrl()})`);
    } else {
      this.deps.log('binding', `following ${this.identity}'s microphone ${sid}; stream info pending`);
    }
    binding.on('streamInfoUpdated', (next) => {
      this.deps.log('binding', `stream info re-pushed: room ${next.roomName} · ${next.participantIdentity} · ${next.publicationSid}`);
    });
    binding.on('credentialsUpdated', ({ url }) => this.deps.log('token', `credentials pushed for ${this.identity} (url ${url})`));
    binding.on('cleared', () => this.deps.log('binding', `stream info and credentials cleared for ${this.identity} (${sid})`));
    binding.on('ended', (reason) => {
      this.deps.log('binding', `track binding ${sid} ended: ${reason}`);
      if (this.binding !== binding) return;
      this.beforeSource?.disconnect();
      this.beforeSource = undefined;
      this.before.tap.setInput(null);
    });
  }

  private onFollowEnded(reason: EndReason, autoClose: boolean): void {
    this.follow = undefined;
    this.binding = undefined;
    this.deps.log(
      'binding',
      `participant binding for ${this.identity} ended (${reason}); ${autoClose ? 'autoClose on: processor closed' : 'autoClose off: processor kept open for the next binding'}`,
    );
    this.setStat('autoclose', 'no binding');
    if (!this.disposed) this.setPhase('ended');
  }

  /**
   * The level drop from before to after while RNNoise hears no voice (VAD < 0.1): how much noise
   * the listener is spared. A running mean of per-frame dB differences over about three seconds
   * of pauses (dB, not power, so a stray syllable in a "pause" does not swamp it).
   */
  private measureNoiseCut(dt: number): void {
    if (!this.before.tap.live || !this.after.tap.live || dt <= 0) return;
    const before = this.before.tap.level.rmsDb;
    const after = Math.max(this.after.tap.level.rmsDb, -100);
    if (this.lastVad < 0.1 && before > -90) {
      const k = 1 - Math.exp(-dt / 3);
      this.pauseCut = this.pauseCut === null ? before - after : this.pauseCut + (before - after - this.pauseCut) * k;
    }
    this.cutAge += dt;
    if (this.cutAge < 0.5 || this.pauseCut === null) return;
    this.cutAge = 0;
    this.setStat('cut', `${Math.max(0, this.pauseCut).toFixed(1)} dB`);
  }

  private setNcEnabled(enabled: boolean): void {
    this.ncEnabled = enabled;
    this.nc?.setEnabled(enabled);
    this.afterNote.textContent = enabled ? `denoised by ${choiceLabel(this.engine)}` : 'NC off: same delay, no denoising';
    this.element.classList.toggle('nc-off', !enabled);
    this.deps.log('audio', `noise cancellation ${enabled ? 'on' : 'off'} for ${this.identity} (10 ms crossfade)`);
  }

  private async toggleListen(): Promise<void> {
    await this.deps.unlockAudio();
    this.listening = !this.listening;
    this.audio.muted = !this.listening;
    if (this.listening) await this.audio.play().catch((e: unknown) => this.deps.log('error', `playback refused: ${String(e)}`));
    this.listenButton.setAttribute('aria-pressed', String(this.listening));
    const text = this.listenButton.querySelector('.listen-text');
    if (text) text.textContent = this.listening ? 'Listening' : 'Listen';
    this.deps.log('audio', `${this.listening ? 'listening to' : 'muted'} ${this.identity}'s denoised audio`);
  }

  private setPhase(phase: CardPhase): void {
    this.phase = phase;
    this.element.dataset.phase = phase;
    const text: Record<CardPhase, string> = {
      waiting: 'waiting for microphone',
      live: 'live',
      left: 'left the room; waiting for their return',
      ended: 'binding ended',
    };
    this.phaseChip.textContent = text[phase];
    this.phaseChip.dataset.phase = phase;
  }

  private setStat(key: string, text: string): void {
    const node = this.stats[key];
    if (node && node.textContent !== text) node.textContent = text;
  }

  private renderStats(s: ProcessorStats): void {
    this.row.update(s);
    this.setStat('engine', engineLabel(s.engine));
    this.stats.engine!.dataset.engine = s.engine ?? 'none';
    this.stats.frames!.dataset.value = String(s.framesProcessed);
    this.setStat('frames', s.framesProcessed.toLocaleString('en-US'));
    this.setStat('bypass', s.bypass ?? (s.state === 'running' ? 'none' : s.state));
    this.stats.bypass!.dataset.bypass = s.bypass ?? 'none';
    const ms = (s.latencySamples / s.sampleRate) * 1000;
    this.setStat('delay', `${s.latencySamples} samples · ${ms.toFixed(1)} ms`);
    this.setStat('credential', s.credentialState);
    this.stats.credential!.dataset.state = s.credentialState;
    const token = s.token;
    if (token) {
      const left = token.expiresAt === null ? null : token.expiresAt * 1000 - Date.now();
      const expiry = left === null ? 'no expiry' : left <= 0 ? 'expired' : `in ${countdown(left)}`;
      this.setStat('token', `${token.id} · ${expiry}`);
    } else {
      this.setStat('token', '—');
    }
    this.setStat('room', s.streamInfo?.roomName ?? '—');
    this.setStat('identity', s.streamInfo?.participantIdentity ?? '—');
    this.setStat('sid', s.publicationSid ?? '—');
    this.vad.push(s.vad);
    this.lastVad = s.vad;
    const channels = s.channels === 1 ? 'mono' : `${s.channels} ch`;
    this.setStat('state', `${s.state}${s.enabled ? '' : ' (off)'} · ${s.sampleRate / 1000} kHz ${channels}`);

    const id = token?.id ?? null;
    if (id !== this.lastTokenId) {
      if (id && this.lastTokenId)
        this.deps.log('token', `token refreshed for ${this.identity}'s processor: id ${this.lastTokenId} → ${id}`);
      else if (id) this.deps.log('token', `processor for ${this.identity} holds token id ${id}`);
      else this.deps.log('token', `processor for ${this.identity} holds no token`);
      this.lastTokenId = id;
    }
    if (s.credentialState !== this.lastCredentialState) {
      if (this.lastCredentialState !== undefined) this.deps.log('token', `credential state for ${this.identity}: ${s.credentialState}`);
      this.lastCredentialState = s.credentialState;
    }
  }

  /** Closes the binding and the processor; removes the card. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.generation++;
    this.follow?.close();
    this.follow = undefined;
    this.nc?.close();
    for (const off of this.offProcessor) off();
    this.beforeSource?.disconnect();
    this.before.dispose();
    this.after.dispose();
    this.stopFrames();
    this.audio.pause();
    this.audio.srcObject = null;
    this.element.remove();
    this.row.remove();
  }
}
