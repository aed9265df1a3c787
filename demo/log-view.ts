// The lifecycle log: timestamped lines for everything the binding and the room do. It never
// receives a token: callers pass URLs and token ids (hashes) only.
import { clockTime, el } from './dom';

export type LogKind = 'room' | 'participant' | 'track' | 'binding' | 'token' | 'audio' | 'library' | 'error';

const KIND_LABEL: Record<LogKind, string> = {
  room: 'room',
  participant: 'peer',
  track: 'track',
  binding: 'binding',
  token: 'token',
  audio: 'audio',
  library: 'lib',
  error: 'error',
};

const MAX_ENTRIES = 500;

export class LogView {
  private readonly list: HTMLOListElement;
  private readonly counter: HTMLElement | null;
  private count = 0;
  /** Follow new lines unless the reader scrolled up. */
  private stick = true;

  constructor(list: HTMLOListElement, clearButton: HTMLButtonElement | null, counter: HTMLElement | null) {
    this.list = list;
    this.counter = counter;
    list.addEventListener('scroll', () => {
      this.stick = list.scrollHeight - list.scrollTop - list.clientHeight < 24;
    });
    // The panel shrinks when cards appear: stay on the latest line.
    new ResizeObserver(() => this.follow()).observe(list);
    clearButton?.addEventListener('click', () => {
      this.list.replaceChildren();
      this.count = 0;
      this.updateCounter();
    });
  }

  add(kind: LogKind, message: string): void {
    const now = new Date();
    const item = el(
      'li',
      { class: `log-${kind}`, 'data-kind': kind },
      el('time', { datetime: now.toISOString() }, clockTime(now)),
      el('span', { class: 'log-kind' }, KIND_LABEL[kind]),
      el('span', { class: 'log-msg' }, message),
    );
    this.list.append(item);
    while (this.list.childElementCount > MAX_ENTRIES) this.list.firstElementChild?.remove();
    this.count++;
    this.updateCounter();
    this.follow();
  }

  private follow(): void {
    if (this.stick) this.list.scrollTop = this.list.scrollHeight;
  }

  private updateCounter(): void {
    if (this.counter) this.counter.textContent = String(this.count);
  }
}
