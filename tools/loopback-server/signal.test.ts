// A raw signalling client (protobuf over ws, SDP written by hand) against the real server: the
// sending-section shapes of clients other than livekit-client in Chromium.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddTrackRequest,
  ClientConfigSetting,
  JoinRequest,
  LeaveRequest_Action,
  WrappedJoinRequest,
  WrappedJoinRequest_Compression,
  SessionDescription,
  SignalRequest,
  SignalResponse,
  SignalTarget,
  TrackSource,
  TrackType,
  TrickleRequest,
  UpdateTrackSettings,
} from '@livekit/protocol';
import WebSocket from 'ws';
import { startServer, type LoopbackServer } from './server';
import { parseMediaSections, publishedAudioSections } from './sdp';

const FINGERPRINT = Array.from({ length: 32 }, (_, i) => (i * 7 + 16).toString(16).toUpperCase().padStart(2, '0')).join(':');
const TRANSPORT = [
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  `a=fingerprint:sha-256 ${FINGERPRINT}`,
  'a=setup:actpass',
  'a=rtcp-mux',
];
const HEAD = ['v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0'];

/** The native SDKs' Rust core (rtc-node 1.1.0): one sendonly section, no stream: `a=msid:- <cid>`. */
export function rustCoreOffer(cid: string): string {
  return [
    ...HEAD,
    'a=group:BUNDLE 0',
    'a=msid-semantic: WMS',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    ...TRANSPORT,
    'a=mid:0',
    'a=sendonly',
    `a=msid:- ${cid}`,
    'a=rtpmap:111 opus/48000/2',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=ssrc:1001 cname:rust',
    '',
  ].join('\r\n');
}

/** Firefox: a new track rides the BUNDLE transport in a port-0 bundle-only section. */
export function firefoxOffer(cid: string): string {
  return [
    ...HEAD,
    'a=group:BUNDLE 0 1',
    'a=msid-semantic:WMS *',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    ...TRANSPORT,
    'a=mid:0',
    'a=sctp-port:5000',
    'a=sendrecv',
    'm=audio 0 UDP/TLS/RTP/SAVPF 109',
    'c=IN IP4 0.0.0.0',
    'a=bundle-only',
    'a=mid:1',
    'a=sendonly',
    `a=msid:{7f2c1b0e-1111-2222-3333-444455556666} ${cid}`,
    'a=rtcp-mux',
    'a=rtpmap:109 opus/48000/2',
    'a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1',
    'a=ssrc:2002 cname:{firefox}',
    '',
  ].join('\r\n');
}

describe('sending sections of other clients (SDP text)', () => {
  it('counts a sendonly section whose msid has no stream (a=msid:- <cid>) as published, with the cid as track id', () => {
    expect(publishedAudioSections(parseMediaSections(rustCoreOffer('TR_cid')))).toMatchObject([
      { mid: '0', msidStreamId: '-', msidTrackId: 'TR_cid' },
    ]);
  });

  it('counts a port-0 bundle-only sendonly section as published, but not a port-0 section without bundle-only', () => {
    const sdp = firefoxOffer('{track-a}');
    expect(publishedAudioSections(parseMediaSections(sdp))).toMatchObject([
      { mid: '1', port: 0, bundleOnly: true, msidTrackId: '{track-a}' },
    ]);
    expect(publishedAudioSections(parseMediaSections(sdp.replace('a=bundle-only\r\n', '')))).toEqual([]);
  });
});

type Message = SignalResponse['message'];
type Case = NonNullable<Message['case']>;
type ValueOf<C extends Case> = Extract<Message, { case: C }>['value'];

class RawClient {
  readonly messages: SignalResponse[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.messages.push(SignalResponse.fromBinary(new Uint8Array(d as Buffer))));
  }
  static async open(url: string): Promise<RawClient> {
    const ws = new WebSocket(url);
    const client = new RawClient(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
    });
    return client;
  }
  send(message: SignalRequest['message']): void {
    this.ws.send(new SignalRequest({ message }).toBinary());
  }
  async next<C extends Case>(kind: C): Promise<ValueOf<C>> {
    await expect.poll(() => this.messages.some((m) => m.message.case === kind), { timeout: 10_000 }).toBe(true);
    const found = this.messages.find((m) => m.message.case === kind)!.message;
    return found.value as ValueOf<C>;
  }
  close(): void {
    this.ws.close();
  }
}

describe('a raw client publishing through those sections', () => {
  let server: LoopbackServer;
  const lines: string[] = [];
  beforeAll(async () => {
    server = await startServer({ port: 0, log: (l) => lines.push(l) });
  });
  afterAll(() => server.stop());

  const publish = async (identity: string, offer: (cid: string) => string): Promise<string[]> => {
    const token = await server.mintToken({ room: `sections-${identity}`, identity });
    const client = await RawClient.open(`${server.url}/rtc?access_token=${token}`);
    await client.next('join');
    const cid = `cid-${identity}`;
    client.send({
      case: 'addTrack',
      value: new AddTrackRequest({ cid, name: 'mic', type: TrackType.AUDIO, source: TrackSource.MICROPHONE }),
    });
    const published = await client.next('trackPublished');
    client.send({ case: 'offer', value: new SessionDescription({ type: 'offer', sdp: offer(cid), id: 1 }) });
    await client.next('answer');
    await expect
      .poll(
        () =>
          server
            .listRooms()
            .find((r) => r.name === `sections-${identity}`)
            ?.participants[0]?.tracks.map((t) => t.sid) ?? [],
      )
      .toEqual([published.track!.sid]);
    client.close();
    return [published.track!.sid];
  };

  it('activates the track of a Rust-core style offer (a=msid:- <cid>)', async () => {
    await publish('rust', rustCoreOffer);
  });

  it('activates the track of a Firefox style offer (port 0, a=bundle-only)', async () => {
    await publish('firefox', firefoxOffer);
  });

  // Each case: one request the server refuses or ignores, and the log line that must name it.
  const logged = (pattern: RegExp): Promise<void> => expect.poll(() => lines.some((l) => pattern.test(l)), { timeout: 10_000 }).toBe(true);

  it('logs a trickled candidate it refuses, naming the address', async () => {
    const client = await RawClient.open(
      `${server.url}/rtc?access_token=${await server.mintToken({ room: 'log-trickle', identity: 'trickler' })}`,
    );
    await client.next('join');
    const candidateInit = JSON.stringify({
      candidate: 'candidate:2 1 udp 2130706431 192.0.2.7 50001 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
    });
    client.send({ case: 'trickle', value: new TrickleRequest({ candidateInit, target: SignalTarget.PUBLISHER }) });
    await logged(
      /trickler in room log-trickle: ignored: trickle \(publisher\) refused: candidate address 192\.0\.2\.7 is not in the allowed/,
    );
    client.close();
  });

  it('logs a sending section that matches no addTrack request', async () => {
    const client = await RawClient.open(
      `${server.url}/rtc?access_token=${await server.mintToken({ room: 'log-section', identity: 'sectioner' })}`,
    );
    await client.next('join');
    client.send({ case: 'offer', value: new SessionDescription({ type: 'offer', sdp: rustCoreOffer('never-announced'), id: 1 }) });
    await logged(
      /sectioner in room log-section: ignored: sending section mid=0 \(msid track never-announced\) matches no addTrack request/,
    );
    client.close();
  });

  it('logs a request of an unknown type, and one that has no effect here', async () => {
    const client = await RawClient.open(
      `${server.url}/rtc?access_token=${await server.mintToken({ room: 'log-unknown', identity: 'unknowner' })}`,
    );
    await client.next('join');
    client.send(undefined as unknown as SignalRequest['message']);
    client.send({ case: 'trackSetting', value: new UpdateTrackSettings({ trackSids: ['TR_x'] }) });
    await logged(/unknowner in room log-unknown: ignored: request of an unknown type/);
    await logged(/unknowner in room log-unknown: ignored: request 'trackSetting' has no effect/);
    client.close();
  });

  it('logs a refused HTTP request and a refused WebSocket upgrade with status and reason, without the query', async () => {
    await fetch(`${server.httpUrl}/rtc/v1/validate?access_token=not-a-jwt`);
    await logged(/^http GET \/rtc\/v1\/validate refused \(401\): malformed token/);
    expect(lines.join('\n')).not.toContain('not-a-jwt');
    await expect(RawClient.open(`${server.url}/rtc/nowhere`)).rejects.toThrow(/404/);
    await logged(/^join refused \(404\): no WebSocket endpoint at \/rtc\/nowhere/);
  });

  it('keeps a participant whose socket closes without leave, and lets reconnect=1 resume it with the same SIDs', async () => {
    const room = 'resume-raw';
    const token = await server.mintToken({ room, identity: 'resumer' });
    const first = await RawClient.open(`${server.url}/rtc?access_token=${token}`);
    const sid = (await first.next('join')).participant!.sid;
    first.ws.terminate();
    await expect
      .poll(() => lines.some((l) => l.includes('resumer in room resume-raw: signal connection closed; kept 10 s for a resume')))
      .toBe(true);
    expect(
      server
        .listRooms()
        .find((r) => r.name === room)
        ?.participants.map((p) => p.sid),
    ).toEqual([sid]);
    const second = await RawClient.open(`${server.url}/rtc?access_token=${token}&reconnect=1&sid=${sid}`);
    const reconnect = await second.next('reconnect');
    expect(reconnect.clientConfiguration?.resumeConnection).toBe(ClientConfigSetting.ENABLED);
    expect(second.messages.some((m) => m.message.case === 'join')).toBe(false);
    expect(
      server
        .listRooms()
        .find((r) => r.name === room)
        ?.participants.map((p) => p.sid),
    ).toEqual([sid]);
    second.close();
  });

  it('answers reconnect=1 after a drop that forces a full rejoin with leave(RECONNECT), and logs why', async () => {
    const room = 'rejoin-raw';
    const token = await server.mintToken({ room, identity: 'rejoiner' });
    const first = await RawClient.open(`${server.url}/rtc/v1?access_token=${token}`);
    const sid = (await first.next('join')).participant!.sid;
    server.dropSignal('rejoiner', room, 'rejoin');
    await expect.poll(() => server.listRooms().find((r) => r.name === room)).toBeUndefined();
    const join = new JoinRequest({ reconnect: true, participantSid: sid });
    const wrapped = new WrappedJoinRequest({ joinRequest: join.toBinary(), compression: WrappedJoinRequest_Compression.NONE });
    const second = await RawClient.open(
      `${server.url}/rtc/v1?access_token=${token}&join_request=${Buffer.from(wrapped.toBinary()).toString('base64url')}`,
    );
    expect((await second.next('leave')).action).toBe(LeaveRequest_Action.RECONNECT);
    await logged(/resume of 'rejoiner' in room 'rejoin-raw' refused: no session/);
  });
});
