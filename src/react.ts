// lk-denoise/react: the React hook (react and @livekit/components-react are optional peer
// dependencies; the main entry, lk-denoise, imports neither).
export { useNoiseCancellation } from './react/use-noise-cancellation';
export type { NoiseCancellationTrackRef, UseNoiseCancellationOptions, UseNoiseCancellationResult } from './react/use-noise-cancellation';
