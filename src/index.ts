export { FrameProcessor } from './frame-processor';
export { TrackBinding } from './track-binding';
export { ParticipantBinding } from './participant-binding';
export type { TrackBindingOptions, TrackBindingEvents, EndReason } from './track-binding';
export type { ParticipantBindingEvents } from './participant-binding';
export { isNoiseCancellationSupported, noiseCancellationSupport } from './support';
export type { NoiseCancellationSupport, SupportRequirement } from './support';
export { NoiseCancellation } from './noise-cancellation';
export type { NoiseCancellationEvents } from './noise-cancellation';
export type { NoiseCancellationOptions } from './options';
export { createNoiseCancellationProcessor, NoiseCancellationTrackProcessor } from './track-processor';
export type { NoiseCancellationProcessorOptions, NoiseCancellationProcessorEvents } from './track-processor';
export { STRENGTH_PRESETS, strengthFloorDb } from './strength';
export type { Strength, StrengthPreset } from './strength';
export { DenoiserError } from './errors';
export type { DenoiserErrorReason, SourceNodeFailure } from './errors';
export { setLogger } from './log';
export type { Logger } from './log';
export { PROCESSOR_NAME, PROTOCOL_VERSION } from '../worklets/protocol';
export type {
  BypassReason,
  ChannelMode,
  CredentialState,
  Credentials,
  EngineActivity,
  EngineActivityReason,
  EngineActivityState,
  EngineChoice,
  EngineFlavour,
  EngineName,
  EngineTier,
  ProcessorStats,
  StreamInfo,
  TierReason,
  TokenSummary,
} from './types';
