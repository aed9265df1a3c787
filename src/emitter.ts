// A minimal typed emitter (the livekit-client style: an events map of callbacks) that works in
// Node and browsers alike. A throwing listener is reported, never allowed to break the caller.
export type Listener<A extends unknown[]> = (...args: A) => void;

export class TypedEmitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never[]>>>();

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as unknown as Listener<never[]>);
    return () => this.off(event, listener);
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.listeners.get(event)?.delete(listener as unknown as Listener<never[]>);
  }

  listenerCount<K extends keyof Events>(event: K): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  protected emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as unknown as Listener<Events[K]>)(...args);
      } catch (error) {
        console.error(`lk-denoise: a '${String(event)}' listener threw`, error);
      }
    }
  }

  protected removeAllListeners(): void {
    this.listeners.clear();
  }
}

/** The listening half of an emitter: what a public `events` property exposes. */
export interface EventSource<Events extends { [K in keyof Events]: unknown[] }> {
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void;
  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void;
  listenerCount<K extends keyof Events>(event: K): number;
}

/**
 * An emitter that its owner keeps private: the owner emits through `send`, and hands out only
 * `source`, a frozen object that can listen but not emit, so no caller can forge an event.
 */
export class EventChannel<Events extends { [K in keyof Events]: unknown[] }> extends TypedEmitter<Events> {
  readonly source: EventSource<Events> = Object.freeze({
    on: <K extends keyof Events>(event: K, listener: Listener<Events[K]>) => this.on(event, listener),
    off: <K extends keyof Events>(event: K, listener: Listener<Events[K]>) => this.off(event, listener),
    listenerCount: <K extends keyof Events>(event: K) => this.listenerCount(event),
  });

  send<K extends keyof Events>(event: K, ...args: Events[K]): void {
    this.emit(event, ...args);
  }
}
