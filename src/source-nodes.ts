// Chromium keeps every MediaStreamAudioSourceNode alive as long as its context (measured by the
// soak: one node per attach, for good). One source per (context, track), reused by every attach.
import { DenoiserError, type SourceNodeFailure } from './errors';

const sources = new WeakMap<BaseAudioContext, WeakMap<MediaStreamTrack, MediaStreamAudioSourceNode>>();

/** The track's source node in `context`; throws DenoiserError 'source-node' (with the rates) if the context refuses it. */
export function sourceFor(context: AudioContext, track: MediaStreamTrack, stream: MediaStream): MediaStreamAudioSourceNode {
  let perContext = sources.get(context);
  if (!perContext) sources.set(context, (perContext = new WeakMap()));
  let source = perContext.get(track);
  if (!source) {
    try {
      source = context.createMediaStreamSource(stream);
    } catch (error) {
      throw DenoiserError.sourceNode(sourceFailure(context.sampleRate, track.getSettings(), error), error);
    }
    perContext.set(track, source);
  }
  return source;
}

export function sourceFailure(contextRate: number, trackSettings: MediaTrackSettings, error: unknown): SourceNodeFailure {
  return {
    contextRate,
    trackRate: trackSettings.sampleRate ?? null,
    trackSettings,
    message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  };
}

/**
 * What carries a track's audio when its context refuses it. A remote track plays unprocessed in
 * its own <audio> element, as livekit-client's attach() would play it: the listener still hears
 * the speaker. A local microphone must not play here (the user would hear themselves): the
 * caller (the TrackProcessor) gets the error and publishes the capture track instead. Without a
 * document there is no element, so the caller gets the error too.
 */
export type SourceFallback = 'element' | 'caller';

export function sourceFallback(remote: boolean, hasDocument: boolean): SourceFallback {
  return remote && hasDocument ? 'element' : 'caller';
}
