import HtmlWebpackPlugin from 'html-webpack-plugin';

// A plain webpack 5 app: nothing here is for lk-denoise. webpack copies the worklet and the wasm
// files the package references with new URL(…, import.meta.url) as assets by itself.
export default {
  entry: './src/main.js',
  output: { path: new URL('./dist', import.meta.url).pathname, clean: true },
  plugins: [new HtmlWebpackPlugin({ title: 'lk-denoise with webpack' })],
};
