// The package as a newcomer installs it: packs the built package (run `npm run build` first)
// and checks the tarball. Are the types right under node10, node16 (ESM) and bundler resolution
// (@arethetypeswrong/cli), does it carry its licences, does every export have its JS and its
// self-contained .d.ts, is the worklet's sourcemap inline (apps' bundlers copy the worklet under
// a new name and no .map beside it), and does it need no runtime dependency (the wasm is in it;
// the CLI runs from the unpacked tarball alone).
// Exits non-zero naming each problem. Used by `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const problems = [];
const dir = mkdtempSync(join(tmpdir(), 'lk-denoise-pack-'));
try {
  const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', dir], { encoding: 'utf8' });
  if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
  const [info] = JSON.parse(pack.stdout);
  const tarball = join(dir, info.filename);
  const files = new Set(info.files.map((f) => f.path));
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

  const wasm = ['rnnoise.wasm', 'rnnoise_simd.wasm', 'rnnoise-0.2.wasm', 'gtcrn.wasm'].map((f) => `dist/lib/${f}`);
  for (const required of ['LICENSE', 'THIRD_PARTY_NOTICES.md', ...wasm]) {
    if (!files.has(required)) problems.push(`${required} is not in the tarball`);
  }
  if (Object.keys(pkg.dependencies ?? {}).length > 0) {
    problems.push(`runtime dependencies ${Object.keys(pkg.dependencies).join(', ')}: the wasm ships in dist/lib, none is needed`);
  }
  if (pkg.sideEffects !== false) problems.push(`sideEffects is ${JSON.stringify(pkg.sideEffects)}, not false`);
  // The layout vite.lib.config.ts and tools/scripts/build-types.mjs build: "./x" → dist/lib/x.{js,d.ts}.
  for (const [key, target] of Object.entries(pkg.exports)) {
    const name = key === '.' ? 'index' : key.slice(2);
    const want = { types: `./dist/lib/${name}.d.ts`, import: `./dist/lib/${name}.js` };
    if (JSON.stringify(target) !== JSON.stringify(want)) {
      problems.push(`exports["${key}"] is ${JSON.stringify(target)}, expected ${JSON.stringify(want)}`);
    }
    for (const file of Object.values(want)) if (!files.has(file.slice(2))) problems.push(`${file} is not in the tarball`);
    // Node10 resolution ignores "exports": a subpath needs a typesVersions entry (attw checks it).
  }
  // lk-denoise/react's peers are optional (an app without React installs none), and the main
  // entry's module graph, as packed, imports neither of them.
  for (const peer of ['react', '@livekit/components-react']) {
    if (!pkg.peerDependencies?.[peer] || pkg.peerDependenciesMeta?.[peer]?.optional !== true) {
      problems.push(`${peer} is not an optional peer dependency (peerDependencies + peerDependenciesMeta)`);
    }
  }
  const seen = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    // `from 'x'`, `import 'x'` and `import('x')`: every way an ES module names another.
    for (const [, spec = ''] of code.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
      if (spec.startsWith('.')) walk(join(dirname(file), spec));
      else if (spec === 'react' || spec.startsWith('react/') || spec.startsWith('@livekit/components-')) {
        problems.push(`the main entry imports ${spec} (in ${file})`);
      }
    }
  };
  walk('dist/lib/index.js');
  const worklets = [...files].filter((f) => f.startsWith('dist/lib/worklet/'));
  if (worklets.length === 0) problems.push('no worklet in dist/lib/worklet/');
  for (const file of worklets) {
    if (file.endsWith('.map')) problems.push(`${file}: a separate map nobody copies; it should be inline`);
    // Packed from this directory, so the file on disk is the one in the tarball.
    else if (!/\/\/# sourceMappingURL=data:application\/json;base64,[A-Za-z0-9+/=]+\s*$/.test(readFileSync(file, 'utf8'))) {
      problems.push(`${file} does not end with an inline sourcemap`);
    }
  }

  // Types: every entry point must resolve to real types under node10, node16 from ESM and
  // bundler. The one problem accepted is node16 from CJS, where an ESM-only package can only be
  // loaded with import().
  const attw = spawnSync('npx', ['attw', '--format', 'json', tarball], { encoding: 'utf8' });
  const report = JSON.parse(attw.stdout);
  const entrypoints = Object.keys(report.analysis.entrypoints);
  if (entrypoints.length !== Object.keys(pkg.exports).length) {
    problems.push(`attw checked ${entrypoints.join(', ')}; exports has ${Object.keys(pkg.exports).join(', ')}`);
  }
  const all = Object.values(report.problems ?? {}).flat();
  for (const p of all) {
    if (p.kind === 'CJSResolvesToESM' && p.resolutionKind === 'node16-cjs') continue;
    const where = p.moduleSpecifier ? ` ('${p.moduleSpecifier}' in ${p.fileName})` : '';
    problems.push(
      `attw: ${p.kind}${where} for "${p.entrypoint ?? 'the package'}" under ${p.resolutionKind ?? p.resolutionOption ?? 'every resolution'}`,
    );
  }
  for (const [name, entry] of Object.entries(report.analysis.entrypoints)) {
    for (const [kind, r] of Object.entries(entry.resolutions)) {
      const found = all.filter((p) => p.entrypoint === name && p.resolutionKind === kind).map((p) => p.kind);
      const file = r.resolution?.fileName?.replace('/node_modules/lk-denoise/', '') ?? 'unresolved';
      console.log(`[check-package] attw "${name}" ${kind}: ${file}${found.length ? ` (${found.join(', ')})` : ' ok'}`);
    }
  }

  // The CLI runs from the unpacked tarball alone, with no node_modules: it reads the wasm the
  // package ships. Input: half a second of a 16-bit mono WAV (a 440 Hz tone).
  spawnSync('tar', ['-xzf', tarball, '-C', dir]);
  const rate = 48_000;
  const samples = rate / 2;
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) wav.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  writeFileSync(join(dir, 'in.wav'), wav);
  // Once per engine: each reads its own shipped wasm (RNNoise 0.2's is the one the build extracted).
  for (const engine of ['rnnoise', 'rnnoise-0.2', 'gtcrn']) {
    const out = join(dir, `out-${engine}.wav`);
    const cli = spawnSync('node', [join(dir, 'package', pkg.bin['lk-denoise']), join(dir, 'in.wav'), out, '--engine', engine], {
      cwd: dir,
      encoding: 'utf8',
    });
    if (cli.status !== 0 || !existsSync(out))
      problems.push(`the CLI (--engine ${engine}) failed from the unpacked tarball: ${cli.stderr.trim()}`);
    else console.log(`[check-package] CLI from the unpacked tarball: ${cli.stdout.trim()}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`[check-package] ${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('[check-package] the packed tarball is complete and its types resolve under node10, node16 (ESM) and bundler');
