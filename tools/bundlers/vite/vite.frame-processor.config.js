import { defineConfig } from 'vite';

// A second build of this app: the FrameProcessor-only page, on its own, into dist-frame-processor/.
export default defineConfig({
  build: { outDir: 'dist-frame-processor', rolldownOptions: { input: 'frame-processor.html' } },
});
