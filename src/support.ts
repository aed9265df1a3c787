// The support check: can this page run NoiseCancellation at all? It reads only what the page can
// tell synchronously, without creating an AudioContext (which an autoplay policy could refuse,
// and which costs an audio thread) and without fetching anything. What it cannot know is listed
// in the README ("Support check").

/** What NoiseCancellation needs from the page, in the order the check looks. */
export type SupportRequirement =
  | 'secure-context' // https or localhost: browsers expose AudioWorklet only there
  | 'audio-worklet' // AudioContext with audioWorklet, and AudioWorkletNode
  | 'webassembly' // the WebAssembly API
  | 'wasm-compile'; // compiling a module is allowed (a CSP without 'wasm-unsafe-eval' refuses it)

export interface NoiseCancellationSupport {
  supported: boolean;
  /** Every requirement the page does not meet; empty when supported. */
  missing: SupportRequirement[];
}

// The smallest valid module: the magic number and version 1. Compiling it says whether this page
// may compile wasm at all; the 8 bytes are far below the 4 KB Chromium allows synchronously.
const EMPTY_MODULE = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

/** Which of NoiseCancellation's requirements this page misses. Safe to call in Node or SSR. */
export function noiseCancellationSupport(): NoiseCancellationSupport {
  const scope = globalThis as typeof globalThis & { isSecureContext?: boolean };
  const missing: SupportRequirement[] = [];
  if (scope.isSecureContext !== true) missing.push('secure-context');
  if (!hasAudioWorklet(scope)) missing.push('audio-worklet');
  if (typeof WebAssembly !== 'object' || typeof WebAssembly?.Module !== 'function') {
    missing.push('webassembly');
  } else if (!canCompileWasm()) {
    missing.push('wasm-compile');
  }
  return { supported: missing.length === 0, missing };
}

/** True when this page meets all of NoiseCancellation's requirements (see noiseCancellationSupport). */
export function isNoiseCancellationSupported(): boolean {
  return noiseCancellationSupport().supported;
}

function hasAudioWorklet(scope: typeof globalThis): boolean {
  // Read off the global at call time: the lib's types say these always exist, a page may not.
  const ctor = (scope as { AudioContext?: typeof AudioContext }).AudioContext;
  const node = (scope as { AudioWorkletNode?: typeof AudioWorkletNode }).AudioWorkletNode;
  return typeof ctor === 'function' && typeof node === 'function' && 'audioWorklet' in ctor.prototype;
}

function canCompileWasm(): boolean {
  try {
    new WebAssembly.Module(EMPTY_MODULE);
    return true;
  } catch {
    return false;
  }
}
