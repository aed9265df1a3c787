import { buildBenchPage, launchBrowser, openBenchPage, renderOn, servePage, storeSignal } from './browser';
import { buildCorpusItem, corpusClips, corpusSpecs } from './corpus';
await buildBenchPage();
const server = await servePage();
const b = await launchBrowser();
try {
  const page = await openBenchPage(b, server.url);
  const clips = corpusClips();
  const specs = corpusSpecs();
  for (let i = 0; i < 4; i++) {
    const item = buildCorpusItem(specs[i * 7]!, clips);
    let t = Date.now();
    await storeSignal(page, 'q', item.mixture);
    const tStore = Date.now() - t; t = Date.now();
    const res = await renderOn(page, { signal: 'q', seconds: item.mixture.length / 48000, engines: ['ours', 'anchor-rnnoise', 'anchor-speex'], mix: 'channels', returnSamples: true, waitMs: 150 });
    console.log({ secs: item.mixture.length / 48000, tStore, total: Date.now() - t, setup: res.setupMs.toFixed(0), render: res.renderMs.toFixed(0), cpu: res.audioThreadMs.toFixed(0) });
  }
} finally { await b.close(); await server.close(); }
