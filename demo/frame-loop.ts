// One requestAnimationFrame loop for every visual on the page. Callbacks get the frame time and
// the seconds since their previous frame (capped, so a hidden tab does not scroll in a jump).
type FrameCallback = (now: number, dt: number) => void;

const callbacks = new Map<FrameCallback, number>();
let running = false;

function frame(now: number): void {
  if (callbacks.size === 0) {
    running = false;
    return;
  }
  for (const [cb, last] of [...callbacks]) {
    if (!callbacks.has(cb)) continue;
    const dt = last < 0 ? 0 : Math.min(0.25, (now - last) / 1000);
    callbacks.set(cb, now);
    try {
      cb(now, dt);
    } catch (error) {
      callbacks.delete(cb);
      console.warn('demo: a frame callback threw and was removed', error);
    }
  }
  requestAnimationFrame(frame);
}

/** Calls `cb` on every animation frame until the returned function is called. */
export function onFrame(cb: FrameCallback): () => void {
  callbacks.set(cb, -1);
  if (!running) {
    running = true;
    requestAnimationFrame(frame);
  }
  return () => {
    callbacks.delete(cb);
  };
}
