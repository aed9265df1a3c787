// The FrameProcessor hook log both sides of the lifecycle comparison keep: rtc-node's own
// FrameProcessor (tools/loopback-server/rtc-node-hooks.test.ts, e2e/lifecycle-compare.spec.ts)
// and a recording processor under our TrackBinding in a browser page. Values are normalised as
// they arrive: SIDs and tokens become their order of appearance (TR#1, token#2), the token is
// kept only as the room it grants, and the URL's port becomes PORT. So the log holds no token,
// and two clients' logs compare equal when the hooks say the same things. Pure: Node and browsers.

export type Hook =
  | { step: string; hook: 'onStreamInfoUpdated'; roomName: string; participantIdentity: string; publicationSid: string }
  | { step: string; hook: 'onCredentialsUpdated'; token: string; tokenRoom: string; url: string }
  | { step: string; hook: 'onStreamInfoCleared' | 'onCredentialsCleared' | 'close' };

export class HookLog {
  readonly hooks: Hook[] = [];
  step = 'subscribe';
  private readonly names = new Map<string, string>();
  private readonly counts = new Map<string, number>();

  private name(kind: string, value: string): string {
    if (!value) return '';
    let n = this.names.get(value);
    if (!n) {
      const count = (this.counts.get(kind) ?? 0) + 1;
      this.counts.set(kind, count);
      this.names.set(value, (n = `${kind}#${count}`));
    }
    return n;
  }

  streamInfoUpdated(info: { roomName: string; participantIdentity: string; publicationSid: string }): void {
    this.hooks.push({
      step: this.step,
      hook: 'onStreamInfoUpdated',
      roomName: info.roomName,
      participantIdentity: info.participantIdentity,
      publicationSid: this.name('TR', info.publicationSid),
    });
  }

  credentialsUpdated(credentials: { token: string; url: string }): void {
    this.hooks.push({
      step: this.step,
      hook: 'onCredentialsUpdated',
      token: this.name('token', credentials.token),
      tokenRoom: grantedRoom(credentials.token),
      url: credentials.url.replace(/:\d+/, ':PORT'),
    });
  }

  mark(hook: 'onStreamInfoCleared' | 'onCredentialsCleared' | 'close'): void {
    this.hooks.push({ step: this.step, hook });
  }
}

/** The room a LiveKit JWT grants (its video.room claim), or '' when it does not say. */
function grantedRoom(token: string): string {
  const part = token.split('.')[1] ?? '';
  try {
    const json = atob(
      part
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(part.length / 4) * 4, '='),
    );
    return (JSON.parse(json) as { video?: { room?: string } }).video?.room ?? '';
  } catch {
    return '';
  }
}
