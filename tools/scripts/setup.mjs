// Makes a fresh clone runnable: installs npm dependencies and the Debian browsers when missing.
// Used by `npm test`, `npm run demo` and `npm run bench` so a newcomer needs no other step.
// `browsers`: which engines the caller drives. Chromium for everything; `npm test` also runs
// the worklet checks in Firefox ESR and WebKitGTK (WebKitWebDriver + MiniBrowser, under Xvfb)
// and needs iproute2 for the network namespace of the Firefox room checks, and PulseAudio for
// the echo checks.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian package per executable the e2e suite starts. */
export const BROWSER_PACKAGES = {
  chromium: [[CHROMIUM, 'chromium']],
  firefox: [
    [process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr', 'firefox-esr'],
    ['/usr/sbin/ip', 'iproute2'],
    ['/usr/bin/unshare', 'util-linux'],
  ],
  webkit: [
    [process.env.WEBKIT_DRIVER_PATH ?? '/usr/bin/WebKitWebDriver', 'webkit2gtk-driver'],
    ['/usr/bin/Xvfb', 'xvfb'],
  ],
  // The echo checks' digital loopback (tools/testing/pulse.ts): the daemon, pactl and pacat.
  pulse: [
    ['/usr/bin/pulseaudio', 'pulseaudio'],
    ['/usr/bin/pacat', 'pulseaudio-utils'],
  ],
};

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${r.status}`);
  }
}

export function ensureSetup({ browser = true, browsers = ['chromium'] } = {}) {
  if (!existsSync('node_modules/.package-lock.json')) {
    console.log('[setup] installing npm dependencies (npm ci)');
    run('npm', ['ci']);
  }
  if (!browser) return;
  const missing = [
    ...new Set(
      browsers
        .flatMap((b) => BROWSER_PACKAGES[b])
        .filter(([path]) => !existsSync(path))
        .map(([, pkg]) => pkg),
    ),
  ];
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  console.log(`[setup] installing Debian packages (apt-get install ${missing.join(' ')})`);
  const apt = (args) => (isRoot ? run('apt-get', args) : run('sudo', ['apt-get', ...args]));
  apt(['update']);
  apt(['install', '-y', ...missing]);
}
