// The Content-Security-Policy `vite preview` sends with the demo and every e2e harness page
// (vite.config.ts sets it as a preview header), so the whole Playwright suite runs under it:
// no 'unsafe-eval', no 'unsafe-inline', no remote code. The dev server (`vite`, `npm run demo`)
// sends none: it injects CSS as inline <style> elements for hot reload.
// The README's "Security and CSP" shows this policy as text; e2e/csp.spec.ts checks that text,
// this constant and the served header are one, and that the policy is enforced.
//
// Not needed: worker-src (there is no Worker; an AudioWorklet is not a worker for CSP),
// 'unsafe-eval', 'unsafe-inline', blob: or data: in script-src, any CDN. WebRTC media itself is
// not subject to connect-src.
const DIRECTIVES: readonly string[] = [
  // Deny by default; each need below is granted on its own.
  "default-src 'none'",
  // 'self': the bundle and the AudioWorklet module (audioWorklet.addModule, which CSP treats as
  // a script) are same-origin files. 'wasm-unsafe-eval': WebAssembly.compile of the RNNoise
  // wasm; it allows wasm compilation only, not eval.
  "script-src 'self' 'wasm-unsafe-eval'",
  // 'self': fetch of the .wasm file (and the demo's /api/token and sample WAV).
  // ws:/http://127.0.0.1:*: livekit-client's signalling WebSocket and /rtc/validate fetch, here
  // to the loopback server on any port. An app lists its own LiveKit host instead (e.g.
  // wss://your-project.livekit.cloud https://your-project.livekit.cloud).
  // blob:: only for a blob: URL passed as `wasmUrl` (the reliability e2e spec does); drop it
  // otherwise.
  "connect-src 'self' blob: ws://127.0.0.1:* http://127.0.0.1:*",
  // The demo's inline SVG favicon (data:). The library needs none.
  "img-src 'self' data:",
  // The demo's stylesheet; the library sets no styles. No inline <style> or style attributes:
  // the demo sets its few computed styles through the CSSOM (style.setProperty), which CSP allows.
  "style-src 'self'",
  // Nothing loads media by URL (tracks go through srcObject, which CSP does not govern). Kept for
  // an app's own audio files; 'none' works too.
  "media-src 'self'",
  // Hardening: no <base>, no form posts (the demo's join form is handled in script), no framing.
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
];

export const CONTENT_SECURITY_POLICY = DIRECTIVES.join('; ');
