import { buildBenchPage, launchBrowser, openBenchPage, renderOn, servePage, storeSignal } from './browser';
import { makeNoisySpeech } from '../test/fixtures/signals';
await buildBenchPage();
const server = await servePage();
const b = await launchBrowser();
try {
  const page = await openBenchPage(b, server.url);
  page.on('console', (m) => console.log('[console]', m.text()));
  const sig = makeNoisySpeech({ seed: 99, noise: 'white', snrDb: 20, seconds: 41 }).mixture;
  await storeSignal(page, 'cost', sig);
  for (const [e, secs] of [['none', 10], ['ours', 10]] as const) {
    const t0 = Date.now();
    const res = await Promise.race([renderOn(page, { signal: 'cost', seconds: secs, engines: [e], mix: 'channels', returnSamples: false, waitMs: 300 }), new Promise((r) => setTimeout(() => r('TIMEOUT'), 20000))]);
    console.log(e, secs, Date.now() - t0, typeof res === 'string' ? res : [(res as any).renderMs, (res as any).cpuMs, JSON.stringify((res as any).cpuByThread)]);
    if (res === 'TIMEOUT') break;
  }
} finally { await b.close(); await server.close(); }
