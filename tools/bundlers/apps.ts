// Throwaway apps that install the packed tarball the way a newcomer would (`npm install` from
// the registry, plus the tarball), each built for production by its own bundler. The app
// sources live beside this file; each run copies them into a fresh temp dir, so nothing is
// cached in the repo. Used by e2e/bundlers.spec.ts.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const HERE = import.meta.dirname;
const REPO = resolve(HERE, '../..');

interface AppSpec {
  /** Folder under tools/bundlers/. */
  dir: string;
  /** Shared page sources copied into the app: shared/<file> → <folder>/<file>. */
  shared: { folder: string; files: string[] };
  /** npm scripts run in order; each leaves its output in `out`, kept under the build's name. */
  builds: { name: string; script: string; out: string }[];
}

const APPS: AppSpec[] = [
  {
    dir: 'vite',
    shared: { folder: 'src', files: ['smoke.js', 'frame-processor.js'] },
    builds: [{ name: 'vite', script: 'build', out: 'dist' }],
  },
  {
    dir: 'webpack',
    shared: { folder: 'src', files: ['smoke.js', 'frame-processor.js'] },
    builds: [{ name: 'webpack', script: 'build', out: 'dist' }],
  },
  {
    dir: 'next',
    shared: { folder: 'app', files: ['smoke.js'] },
    builds: [
      { name: 'next-turbopack', script: 'build:turbopack', out: 'out' },
      { name: 'next-webpack', script: 'build:webpack', out: 'out' },
    ],
  },
];

export type BuildName = 'vite' | 'webpack' | 'next-turbopack' | 'next-webpack';

export interface PreparedApps {
  root: string;
  /** Static output folder of each build. */
  outputs: Record<BuildName, string>;
  /** The Vite and webpack apps' second builds: a page importing only FrameProcessor. */
  frameProcessorOnly: Record<'vite' | 'webpack', string>;
  /** Wall-clock seconds: pack, installs (in parallel), builds (apps in parallel). */
  seconds: { pack: number; install: number; build: number };
  close(): void;
}

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((done, fail) => {
    const out: Buffer[] = [];
    // Each app's own npm settings, not those of an `npm test` or `npx` around us.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    const child = spawn(cmd, args, { cwd, env: { ...env, NEXT_TELEMETRY_DISABLED: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => out.push(c));
    child.on('error', fail);
    child.on('close', (code) =>
      code === 0
        ? done()
        : fail(new Error(`${cmd} ${args.join(' ')} in ${cwd} exited ${code}:\n${Buffer.concat(out).toString().slice(-4000)}`)),
    );
  });
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await f();
  return (performance.now() - start) / 1000;
}

function located(root: string, seconds: PreparedApps['seconds'], close: () => void): PreparedApps {
  const outputs = {} as Record<BuildName, string>;
  for (const app of APPS) for (const build of app.builds) outputs[build.name as BuildName] = join(root, app.dir, `out-${build.name}`);
  const frameProcessorOnly = { vite: join(root, 'vite/dist-frame-processor'), webpack: join(root, 'webpack/dist-frame-processor') };
  return { root, outputs, frameProcessorOnly, seconds, close };
}

/**
 * Packs the built package (`npm run build` first), installs and builds every app.
 * LK_BUNDLER_APPS=<a root this printed> reuses those builds as they are (and keeps them): `npm test`
 * builds them in its stage 2 (tools/bundlers/prepare.ts) and removes them at the end.
 */
export async function prepareApps(): Promise<PreparedApps> {
  const reuse = process.env.LK_BUNDLER_APPS;
  if (reuse) return located(reuse, { pack: 0, install: 0, build: 0 }, () => {});
  if (!existsSync(join(REPO, 'dist/lib/index.js'))) throw new Error('dist/lib is missing: run `npm run build` first');
  const root = mkdtempSync(join(tmpdir(), 'lk-denoise-bundlers-'));
  const seconds = { pack: 0, install: 0, build: 0 };
  let tarball = '';
  seconds.pack = await timed(async () => {
    const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', root], { cwd: REPO, encoding: 'utf8' });
    if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
    tarball = join(root, (JSON.parse(pack.stdout) as { filename: string }[])[0]!.filename);
  });
  for (const app of APPS) {
    const dir = join(root, app.dir);
    cpSync(join(HERE, app.dir), dir, { recursive: true });
    for (const file of app.shared.files) cpSync(join(HERE, 'shared', file), join(dir, app.shared.folder, file));
    const manifest = join(dir, 'package.json');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('LK_DENOISE_TARBALL', tarball));
  }
  seconds.install = await timed(() =>
    Promise.all(APPS.map((app) => run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], join(root, app.dir)))),
  );
  seconds.build = await timed(() =>
    Promise.all(
      APPS.map(async (app) => {
        const dir = join(root, app.dir);
        for (const build of app.builds) {
          await run('npm', ['run', build.script], dir);
          renameSync(join(dir, build.out), join(dir, `out-${build.name}`));
        }
      }),
    ),
  );
  return located(root, seconds, () => rmSync(root, { recursive: true, force: true }));
}
