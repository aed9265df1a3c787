// What the e2e spec (e2e/react.spec.ts) reads and drives on the example page, as window.lkReact:
// join/leave through the same code as the form, every hook's latest result by participant
// ('local' for this page's microphone), and a recorder of Web Audio nodes. Not part of the app.
import { Track, type AudioCaptureOptions, type Room } from 'livekit-client';
import type { UseNoiseCancellationResult } from '../../src/react';
import { toBase64 } from '../../tools/testing/base64';

export interface Session {
  room: Room;
  audioContext: AudioContext;
}

const hooks = new Map<string, UseNoiseCancellationResult>();
let current: Session | undefined;
let joiner: ((url: string, token: string, capture?: AudioCaptureOptions) => Promise<void>) | undefined;
let leaver: (() => Promise<void>) | undefined;

export const probe = {
  /** Called by the App: how to join and leave, and the session it is in. */
  connect(join: typeof joiner, leave: typeof leaver): void {
    joiner = join;
    leaver = leave;
  },
  setSession(session: Session | undefined): void {
    current = session;
  },
  report(who: string, result: UseNoiseCancellationResult | undefined): void {
    if (result) hooks.set(who, result);
    else hooks.delete(who);
  },
};

const page = {
  ready: (): boolean => joiner !== undefined,
  join: (url: string, token: string, capture?: AudioCaptureOptions): Promise<void> => joiner!(url, token, capture),
  leave: (): Promise<void> => leaver!(),
  room: (): Room | undefined => current?.room,
  context: (): AudioContext | undefined => current?.audioContext,
  hook(who: string) {
    const h = hooks.get(who);
    if (!h) return null;
    return {
      isEnabled: h.isEnabled,
      isPending: h.isPending,
      hasProcessor: h.processor !== undefined,
      error: h.error ? `${h.error.reason}: ${h.error.message}` : null,
      framesProcessed: h.stats?.framesProcessed ?? 0,
      bypass: h.stats?.bypass ?? null,
      enabled: h.stats?.enabled ?? null,
      contextState: h.processor ? ('audioContext' in h.processor ? h.processor.audioContext?.state : h.processor.context.state) : null,
    };
  },
  setEnabled: (who: string, enabled: boolean): Promise<void> => hooks.get(who)!.setEnabled(enabled),
  /** Whether the SDK sends the local hook's processed track (not the capture track). */
  localSendsProcessed(): boolean {
    const p = hooks.get('local')?.processor;
    const mic = current?.room.localParticipant.getTrackPublication(Track.Source.Microphone)?.audioTrack;
    return !!p && 'processedTrack' in p && p.processedTrack !== undefined && mic?.sender?.track === p.processedTrack;
  },
  /** Whether the remote hook's node runs in this session's webAudioMix context. */
  remoteProcessorInRoomContext(identity: string): boolean {
    const p = hooks.get(identity)?.processor;
    return !!p && 'node' in p && p.context === current?.audioContext;
  },
  /** The remote participant's microphone as this page receives it, before any processor. */
  remoteMicNode(identity: string): AudioNode {
    const session = current!;
    const participant = session.room.getParticipantByIdentity(identity);
    const track = [...(participant?.audioTrackPublications.values() ?? [])][0]?.track;
    if (!track) throw new Error(`no audio track of ${identity}`);
    return session.audioContext.createMediaStreamSource(new MediaStream([track.mediaStreamTrack]));
  },
  /** The output of the remote hook's node: what the SDK plays of `identity`. */
  remotePlayedNode(identity: string): AudioNode {
    const p = hooks.get(identity)?.processor;
    if (!p || !('node' in p)) throw new Error(`no remote processor for ${identity}`);
    return p.node;
  },
  /** `seconds` of what `node` outputs, from its first audible sample, as base64 float32 (48 kHz or the context's rate). */
  record(node: AudioNode, seconds: number): Promise<string> {
    const ctx = node.context as AudioContext;
    const out = new Float32Array(Math.round(seconds * ctx.sampleRate));
    const tap = ctx.createScriptProcessor(4096, 1, 1);
    const mute = ctx.createGain();
    mute.gain.value = 0;
    let n = 0;
    return new Promise<string>((resolve) => {
      tap.onaudioprocess = (ev) => {
        const data = ev.inputBuffer.getChannelData(0);
        if (n === 0 && !data.some((v) => Math.abs(v) > 1e-3)) return;
        const take = Math.min(data.length, out.length - n);
        out.set(data.subarray(0, take), n);
        n += take;
        if (n < out.length) return;
        tap.onaudioprocess = null;
        node.disconnect(tap);
        tap.disconnect();
        mute.disconnect();
        resolve(toBase64(out));
      };
      node.connect(tap).connect(mute).connect(ctx.destination);
    });
  },
  recordRemoteMic(identity: string, seconds: number): Promise<string> {
    return page.record(page.remoteMicNode(identity), seconds);
  },
  recordRemotePlayed(identity: string, seconds: number): Promise<string> {
    return page.record(page.remotePlayedNode(identity), seconds);
  },
};

declare global {
  interface Window {
    lkReact: typeof page;
  }
}
window.lkReact = page;
