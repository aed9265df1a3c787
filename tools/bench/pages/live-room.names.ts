// Shared by the live-room page and its recording worklet (tools/bench/live-room.ts drives both).
export const RECORDER_PROCESSOR = 'lk-bench-live-room-recorder';

/** processorOptions of the recorder: capture `frames` samples of each input from context frame `startFrame`. */
export interface RecorderOptions {
  startFrame: number;
  frames: number;
  inputs: number;
}
