// Runs only in the version matrix (tools/testing/vitest.matrix.config.ts), against
// `livekit-client-below-floor`: the newest livekit-client without the engine's token-refresh
// event. It shows the adapter degrading on a real Room of a version it does not support.
import { describe, expect, it } from 'vitest';
import { RoomEvent, version } from 'livekit-client';
import { TrackBinding } from './track-binding';
import {
  RecordingProcessor,
  SERVER_URL,
  fakeJwt,
  localTrack,
  makeRoom,
  publishLocal,
  replaceEngine,
  subscribeRemote,
} from '../tools/testing/rooms';
import { captureWarnings } from '../tools/testing/warnings';

const warnings = captureWarnings();

describe(`room adapter on livekit-client ${version}, below the supported floor`, () => {
  it('warns once that the token-refresh event is missing, naming the version; stream info and credentials still arrive, and a reconnect re-reads the token', async () => {
    const token = fakeJwt('alpha', 'me');
    const room = makeRoom('alpha', token);
    const { track } = subscribeRemote(room, 'bob', 'TR_bob1');
    const p = new RecordingProcessor();
    // Two bindings, two watchers: still one warning.
    for (const processor of [p, new RecordingProcessor()]) TrackBinding.attach(room, track, { processor });
    expect(p.infos()).toEqual([{ roomName: 'alpha', participantIdentity: 'bob', publicationSid: 'TR_bob1' }]);
    expect(p.tokens()).toEqual([token]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`livekit-client ${version} `);
    expect(warnings[0]).toContain("EngineEvent.TokenRefreshed ('tokenRefreshed') is missing");

    // No refresh event on this version: the new token reaches the processor with the reconnect.
    const fresh = fakeJwt('alpha', 'me');
    await replaceEngine(room, fresh);
    room.emit(RoomEvent.Reconnected);
    expect(p.tokens().at(-1)).toBe(fresh);
    expect(warnings).toHaveLength(1);
  });

  it('takes credentials from the credentials option when the engine has none', () => {
    const room = makeRoom('alpha');
    Object.assign((room as unknown as { engine: object }).engine, { url: undefined, token: undefined });
    const track = localTrack();
    publishLocal(room, track, 'TR_local2');
    const token = fakeJwt('alpha', 'me');
    const p = new RecordingProcessor();
    TrackBinding.attach(room, track, { processor: p, credentials: { url: SERVER_URL, token } });
    expect(p.calls.filter((c) => c.hook === 'credentials')).toEqual([{ hook: 'credentials', credentials: { url: SERVER_URL, token } }]);
  });
});
