// A second build of this app: the FrameProcessor-only page, on its own, into dist-frame-processor/.
export default {
  entry: './src/frame-processor.js',
  output: { path: new URL('./dist-frame-processor', import.meta.url).pathname, clean: true },
};
