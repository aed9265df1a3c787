// Static export so the smoke test can serve the build from a plain file server; nothing here
// is for lk-denoise.
export default { output: 'export' };
