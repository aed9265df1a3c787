// A test-only AudioWorkletProcessor that burns CPU on the render thread on demand, to overload a
// live AudioContext from inside (e2e/auto-tier.spec.ts). It times its own loop once against the
// scope's millisecond clock, then burns `fraction` of each render quantum's real-time budget.
interface Base {
  readonly port: MessagePort;
}
const scope = globalThis as unknown as {
  AudioWorkletProcessor: new () => Base;
  registerProcessor(name: string, ctor: new () => Base): void;
  sampleRate: number;
};

export const BURNER_PROCESSOR = 'lk-test-burner';

let sink = 0;
function spin(iterations: number): void {
  let x = sink;
  for (let i = 0; i < iterations; i++) x = (x * 1.000_001 + 1e-9) % 1000;
  sink = x;
}

class Burner extends scope.AudioWorkletProcessor {
  private perQuantum = 0;
  private readonly perMs: number;

  constructor() {
    super();
    // Iterations per millisecond: over at least 50 ms of a 1 ms clock (±2 %), after 50 ms of
    // warm-up, so the loop is timed as the optimising compiler leaves it (timed cold, it ran
    // several times faster afterwards, and a "1.2 of the quantum" burned a fraction of that).
    const timed = (ms: number): number => {
      const t0 = Date.now();
      let n = 0;
      while (Date.now() - t0 < ms) {
        spin(10_000);
        n += 10_000;
      }
      return n / (Date.now() - t0);
    };
    timed(50);
    this.perMs = timed(50);
    const quantumMs = (128 / scope.sampleRate) * 1000;
    this.port.onmessage = (e: MessageEvent<{ fraction: number }>) => {
      this.perQuantum = Math.round(e.data.fraction * quantumMs * this.perMs);
    };
    this.port.postMessage({ perMs: this.perMs });
  }

  process(): boolean {
    if (this.perQuantum > 0) spin(this.perQuantum);
    return true;
  }
}

scope.registerProcessor(BURNER_PROCESSOR, Burner);
