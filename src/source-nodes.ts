// Chromium keeps every MediaStreamAudioSourceNode alive as long as its context (measured by the
// soak: one node per attach, for good). One source per (context, track), reused by every attach.
const sources = new WeakMap<BaseAudioContext, WeakMap<MediaStreamTrack, MediaStreamAudioSourceNode>>();

export function sourceFor(context: AudioContext, track: MediaStreamTrack, stream: MediaStream): MediaStreamAudioSourceNode {
  let perContext = sources.get(context);
  if (!perContext) sources.set(context, (perContext = new WeakMap()));
  let source = perContext.get(track);
  if (!source) perContext.set(track, (source = context.createMediaStreamSource(stream)));
  return source;
}
