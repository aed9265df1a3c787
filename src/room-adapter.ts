// The ONLY file that touches livekit-client internals. livekit-client exposes token refreshes
// only as 'tokenRefreshed' on the internal `room.engine`, keeps the server URL and token private
// on that engine, and passes the new token of a room move only in the engine's 'roomMoved'
// payload. The engine object is replaced when a Room connects again after a disconnect, and a
// closing engine strips its listeners, so the watcher re-binds whenever it sees a new engine.
// src/room-adapter.test.ts fails loudly if an upgrade moves any of this; the README's version
// matrix runs it against every livekit-client version we claim. On a version whose internals it
// does not recognise, the adapter warns once per missing piece and does without it: it never
// throws into the app.
import { ConnectionState, EngineEvent, version, type Room } from 'livekit-client';
import { log } from './log';

/** The engine event names we rely on (EngineEvent in livekit-client, an internal emitter's). */
export const ENGINE_TOKEN_REFRESHED = 'tokenRefreshed';
export const ENGINE_ROOM_MOVED = 'roomMoved';

/** The peer range package.json claims, which the version matrix tests. */
export const TESTED_RANGE = '>=2.18.5 <3';

interface EngineLike {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  listenerCount(event: string): number;
  url?: unknown;
  token?: unknown;
}

/** Each internal the adapter reads, and what an app does without it. */
const MISSING = {
  engine:
    'room.engine is not an event emitter, so server token refreshes and room moves are not followed; credentials come from the TrackBinding `credentials` option',
  connection:
    "room.engine has no string url/token while the room is connected, so credentials come from the TrackBinding `credentials` option (and the engine's token after a reconnect if it has one)",
  [ENGINE_TOKEN_REFRESHED]: `EngineEvent.TokenRefreshed ('${ENGINE_TOKEN_REFRESHED}') is missing, so server token refreshes are not followed; credentials come from the TrackBinding \`credentials\` option, or are re-read from the room when it reconnects or moves`,
  [ENGINE_ROOM_MOVED]: `EngineEvent.RoomMoved ('${ENGINE_ROOM_MOVED}') is missing, so a room move's new token is not seen; the new room name still arrives with RoomEvent.Moved`,
} as const;
export type MissingInternal = keyof typeof MISSING;

const warned = new Set<MissingInternal>();

function unrecognised(piece: MissingInternal): void {
  if (warned.has(piece)) return;
  warned.add(piece);
  log.warn(
    `livekit-client ${version} does not have an internal lk-denoise uses (tested: livekit-client ${TESTED_RANGE}): ${MISSING[piece]}.`,
  );
}

/** The engine events this livekit-client emits under the names we know; others are skipped. */
function knownEvents(): string[] {
  const names = EngineEvent as unknown as Record<string, string | undefined>;
  const known: string[] = [];
  for (const [key, name] of [
    ['TokenRefreshed', ENGINE_TOKEN_REFRESHED],
    ['RoomMoved', ENGINE_ROOM_MOVED],
  ] as const) {
    if (names[key] === name) known.push(name);
    else unrecognised(name);
  }
  return known;
}

function engineOf(room: Room): EngineLike | undefined {
  // Undefined only for the instant Room.recreateEngine swaps engines.
  const engine = (room as unknown as { engine?: unknown }).engine;
  if (engine === undefined || engine === null) return undefined;
  const e = engine as Partial<EngineLike>;
  if (typeof e.on !== 'function' || typeof e.off !== 'function' || typeof e.listenerCount !== 'function') {
    unrecognised('engine');
    return undefined;
  }
  return engine as EngineLike;
}

/** What the Room knows of its connection: the server URL and the latest token. */
export function readConnection(room: Room): { url?: string; token?: string } {
  // Not engineOf: a non-emitter engine may still hold the connection.
  const engine = (room as unknown as { engine?: { url?: unknown; token?: unknown } | null }).engine;
  const url = typeof engine?.url === 'string' ? engine.url : undefined;
  const token = typeof engine?.token === 'string' ? engine.token : undefined;
  if (room.state === ConnectionState.Connected && (url === undefined || token === undefined)) unrecognised('connection');
  return { url, token };
}

/** How many listeners the room's current engine has for an event (leak checks in tests). */
export function engineListenerCount(room: Room, event: string): number {
  return engineOf(room)?.listenerCount(event) ?? 0;
}

/**
 * Follows one room's token: refreshes pushed by the server, the current token re-emitted
 * before reconnect attempts, and the token carried by a room move. At most one listener per
 * event on the engine at any time.
 */
export class TokenWatcher {
  private engine: EngineLike | undefined;
  private movedToken: string | undefined;
  private readonly events = knownEvents();

  constructor(
    private readonly room: Room,
    private readonly onToken: (token: string) => void,
  ) {}

  /** Binds to the room's current engine; a no-op when already bound to it. */
  bind(): void {
    const engine = engineOf(this.room);
    if (engine !== this.engine) {
      this.unbind();
      this.engine = engine;
    }
    // off-then-on keeps one listener, and restores it if the engine stripped its listeners.
    if (engine) this.attach(engine);
  }

  private attach(engine: EngineLike): void {
    this.detach(engine);
    for (const event of this.events) engine.on(event, this.handlerFor(event));
  }

  private detach(engine: EngineLike): void {
    for (const event of this.events) engine.off(event, this.handlerFor(event));
  }

  private handlerFor(event: string): (...args: unknown[]) => void {
    return event === ENGINE_TOKEN_REFRESHED ? this.handleToken : this.handleMoved;
  }

  unbind(): void {
    if (!this.engine) return;
    this.detach(this.engine);
    this.engine = undefined;
  }

  /** The newest token known: a moved-to room's token wins over the engine's stale copy. */
  currentToken(): string | undefined {
    return this.movedToken ?? readConnection(this.room).token;
  }

  /** Forget a move's token once the engine has caught up (a reconnect re-reads the engine). */
  resetMoved(): void {
    this.movedToken = undefined;
  }

  private readonly handleToken = (...args: unknown[]): void => {
    const token = args[0];
    if (typeof token !== 'string') return;
    this.movedToken = undefined;
    this.onToken(token);
  };

  private readonly handleMoved = (...args: unknown[]): void => {
    const moved = args[0] as { token?: unknown } | undefined;
    if (typeof moved?.token === 'string' && moved.token) {
      this.movedToken = moved.token;
      this.onToken(moved.token);
    }
  };
}
