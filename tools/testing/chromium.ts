// Launch settings shared by every Playwright project: Debian's Chromium (Playwright cannot
// download browsers here), no background traffic, loopback-only WebRTC and fake media.
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const BASE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--allow-loopback-in-peer-connection',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

export function chromiumArgs(fakeAudioWav?: string): string[] {
  return fakeAudioWav ? [...BASE_ARGS, `--use-file-for-fake-audio-capture=${fakeAudioWav}`] : BASE_ARGS;
}
