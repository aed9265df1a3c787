// A digital acoustic loopback for the echo-cancellation checks: a private PulseAudio daemon with
// one null sink whose monitor is remapped as the default source. Whatever a browser pointed at
// it (PULSE_SERVER) plays into the default sink comes back, sample for sample, as its default
// microphone. The daemon listens only on a socket in a fresh temp folder, so a browser started
// without PULSE_SERVER cannot reach it. Works as root (CI): --system=false with its own HOME and
// runtime dir, no autospawn, no default script (-n), never exits while idle.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PULSEAUDIO_PATH = process.env.PULSEAUDIO_PATH ?? '/usr/bin/pulseaudio';

export const LOOPBACK_SINK = 'lk_echo_room';
export const LOOPBACK_SOURCE = 'lk_echo_mic';

export interface PulseLoopback {
  /** For a browser's environment: PULSE_SERVER=unix:<socket>. */
  readonly env: { PULSE_SERVER: string };
  /** Stops the daemon and removes its folder; safe to call more than once. */
  stop(): Promise<void>;
}

export async function startPulseLoopback(): Promise<PulseLoopback> {
  const dir = mkdtempSync(join(tmpdir(), 'lk-denoise-pulse-'));
  const socket = join(dir, 'native');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir,
    XDG_RUNTIME_DIR: dir,
    XDG_CONFIG_HOME: dir,
    PULSE_RUNTIME_PATH: dir,
    PULSE_STATE_PATH: dir,
  };
  delete env.PULSE_SERVER;
  const child: ChildProcess = spawn(
    PULSEAUDIO_PATH,
    [
      '--system=false',
      '--daemonize=no',
      '--exit-idle-time=-1',
      '--disallow-exit',
      '--use-pid-file=no',
      '--log-target=stderr',
      '-n',
      // 48 kHz mono end to end, the rate of the fixture and of WebRTC: no resampling in the loop.
      '--load=module-null-sink sink_name=' + LOOPBACK_SINK + ' rate=48000 channels=1',
      '--load=module-remap-source source_name=' + LOOPBACK_SOURCE + ' master=' + LOOPBACK_SINK + '.monitor',
      `--load=module-native-protocol-unix socket=${socket} auth-anonymous=1`,
    ],
    { env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-8000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const server = `unix:${socket}`;
  const pactl = (...args: string[]) => spawnSync('pactl', ['--server', server, ...args], { encoding: 'utf8', timeout: 10_000 });
  // Ready once the socket answers; the daemon prints nothing reliable to wait on.
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pulseaudio exited (${child.exitCode}) before its socket was up:\n${log}`);
    if (existsSync(socket) && pactl('info').status === 0) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`pulseaudio socket ${socket} did not answer in 20 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const args of [
    ['set-default-sink', LOOPBACK_SINK],
    ['set-default-source', LOOPBACK_SOURCE],
  ]) {
    const r = pactl(...args);
    if (r.status !== 0) throw new Error(`pactl ${args.join(' ')} failed: ${r.stderr}`);
  }
  let stopped = false;
  return {
    env: { PULSE_SERVER: server },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
