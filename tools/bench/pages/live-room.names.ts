// Shared by the live-room page and its recording worklet (tools/bench/live-room.ts drives both).
export const RECORDER_PROCESSOR = 'lk-bench-live-room-recorder';

/** processorOptions of the recorder: capture `frames` samples of each input from context frame `startFrame`. */
export interface RecorderOptions {
  startFrame: number;
  frames: number;
  inputs: number;
}

/** The graph floor: a worklet that copies its input to its output and does nothing else. */
export const PASS_THROUGH_PROCESSOR = 'lk-bench-live-room-pass-through';
