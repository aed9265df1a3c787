// The ONLY file that touches livekit-client internals. livekit-client exposes token refreshes
// only as 'tokenRefreshed' on the internal `room.engine`, keeps the server URL and token private
// on that engine, and passes the new token of a room move only in the engine's 'roomMoved'
// payload. The engine object is replaced when a Room connects again after a disconnect, and a
// closing engine strips its listeners, so the watcher re-binds whenever it sees a new engine.
// test/room-adapter.test.ts fails loudly if an upgrade moves any of this.
import type { Room } from 'livekit-client';
import { DenoiserError } from './errors';

/** The engine event names we rely on (EngineEvent in livekit-client, not exported as API). */
export const ENGINE_TOKEN_REFRESHED = 'tokenRefreshed';
export const ENGINE_ROOM_MOVED = 'roomMoved';

interface EngineLike {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  listenerCount(event: string): number;
  url?: unknown;
  token?: unknown;
}

function engineOf(room: Room): EngineLike | undefined {
  const engine = (room as unknown as { engine?: unknown }).engine;
  if (engine === undefined || engine === null) return undefined;
  const e = engine as Partial<EngineLike>;
  if (typeof e.on !== 'function' || typeof e.off !== 'function' || typeof e.listenerCount !== 'function') {
    throw DenoiserError.roomInternals('room.engine is no longer an event emitter');
  }
  return engine as EngineLike;
}

/** What the Room knows of its connection: the server URL and the latest token. */
export function readConnection(room: Room): { url?: string; token?: string } {
  const engine = engineOf(room);
  const url = typeof engine?.url === 'string' ? engine.url : undefined;
  const token = typeof engine?.token === 'string' ? engine.token : undefined;
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
    engine.off(ENGINE_TOKEN_REFRESHED, this.handleToken);
    engine.off(ENGINE_ROOM_MOVED, this.handleMoved);
    engine.on(ENGINE_TOKEN_REFRESHED, this.handleToken);
    engine.on(ENGINE_ROOM_MOVED, this.handleMoved);
  }

  unbind(): void {
    if (!this.engine) return;
    this.engine.off(ENGINE_TOKEN_REFRESHED, this.handleToken);
    this.engine.off(ENGINE_ROOM_MOVED, this.handleMoved);
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
