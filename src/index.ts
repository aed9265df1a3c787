export { FrameProcessor } from './frame-processor';
export type { Credentials, StreamInfo } from './frame-processor';
export { TrackBinding, ParticipantBinding } from './track-binding';
export type { TrackBindingOptions, TrackBindingEvents, ParticipantBindingEvents, EndReason } from './track-binding';
export { NoiseCancellation } from './noise-cancellation';
export type { NoiseCancellationOptions, NoiseCancellationEvents } from './noise-cancellation';
export { DenoiserError } from './errors';
export type { DenoiserErrorReason } from './errors';
export { setLogger } from './log';
export type { Logger } from './log';
export { PROCESSOR_NAME, PROTOCOL_VERSION } from '../worklets/protocol';
export type {
  BypassReason,
  ChannelMode,
  CredentialState,
  ProcessorStats,
  TokenSummary,
  EngineFlavour,
} from '../worklets/protocol';
