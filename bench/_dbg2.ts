import { nodeCost } from './node-bench';
import { makeNoisySpeech } from '../test/fixtures/signals';
const sig = makeNoisySpeech({ seed: 99, noise: 'white', snrDb: 20, seconds: 10 }).mixture;
const r = nodeCost(sig, 3);
console.log(JSON.stringify(r, null, 1));
