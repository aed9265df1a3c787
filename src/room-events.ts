// Room listeners as one table per owner, so `on` and `off` can never disagree.
import type { Room, RoomEvent } from 'livekit-client';

export type RoomHandlers = readonly (readonly [RoomEvent, (...args: never[]) => void])[];

// Room's typed on/off, loosened for the handler table (each handler matches its event).
interface RoomEmitter {
  on(event: RoomEvent, handler: (...args: never[]) => void): unknown;
  off(event: RoomEvent, handler: (...args: never[]) => void): unknown;
}

export function listen(room: Room, handlers: RoomHandlers): void {
  const emitter = room as unknown as RoomEmitter;
  for (const [event, handler] of handlers) emitter.on(event, handler);
}

export function unlisten(room: Room, handlers: RoomHandlers): void {
  const emitter = room as unknown as RoomEmitter;
  for (const [event, handler] of handlers) emitter.off(event, handler);
}
