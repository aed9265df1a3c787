import { loadRnnoiseModule } from '../../cli/wasm-node';
import { DenoisePipeline } from '../../worklets/dsp/pipeline';
import { RnnoiseEngine } from '../../worklets/dsp/rnnoise';
import { onsetLoss, turnTakingTalkers } from '../testing/turns';
import { siSdr } from '../testing/metrics';
const module = loadRnnoiseModule('scalar');
const talkers = turnTakingTalkers({ talkers: 3, seconds: 120, quiet: 'dtx' });
function run(x: Float32Array, gating: false | object) {
  const p = new DenoisePipeline(new RnnoiseEngine(module), { gating: gating as never });
  const y = new Float32Array(x.length);
  for (let o = 0; o + 128 <= x.length; o += 128) p.process(x.subarray(o, o + 128), y.subarray(o, o + 128), 128);
  const st = p.gate?.stats; p.destroy(); return { y, lat: p.latency, st };
}
const offs = talkers.map((t) => run(t.mixture, false));
for (const [reset, lb] of [[true, 8]] as const) {
  (globalThis as any).H_RESET = reset;
  const d: number[] = []; let si = 0; let frames = 0; const pooled: string[] = [];
  talkers.forEach((t, i) => { const on = run(t.mixture, { lookbackFrames: lb }); const off = offs[i]!;
    const r = onsetLoss(t.speech, off.y, on.y, t.onsets, off.lat); d.push(...r.deltas); pooled.push(r.pooled.toFixed(2) + "/" + r.levelDb.toFixed(2)); si += siSdr(t.speech, on.y.subarray(off.lat)) - siSdr(t.speech, off.y.subarray(off.lat)); frames += on.st!.engineFrames; });
  d.sort((a, b) => a - b);
  console.log(`reset ${reset} lb ${lb}: pooled ${pooled.join(' ')} mean ${(d.reduce((a, b) => a + b) / d.length).toFixed(2)} median ${d[d.length >> 1]!.toFixed(2)} worst ${d[0]!.toFixed(2)} 2nd ${d[1]!.toFixed(2)} n ${d.length} si ${(si / 3).toFixed(3)} frames ${frames}`);
}
