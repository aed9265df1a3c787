// The "Processed tracks" table: one row per remote microphone this tab denoises, with the engine
// it runs, its activity state (active, gated, shed, bypassed, or whatever the library reports),
// why, and its activity level. Each ParticipantCard owns its row.
import type { ProcessorStats } from '../src/index';
import { el } from './dom';
import { activityView, engineLabel, tierLabel } from './engines';

export class TrackTable {
  constructor(
    private readonly body: HTMLTableSectionElement,
    private readonly empty: HTMLElement,
  ) {
    this.refresh();
  }

  row(identity: string): TrackRow {
    const row = new TrackRow(identity, () => this.refresh());
    this.body.append(row.element);
    this.refresh();
    return row;
  }

  private refresh(): void {
    this.empty.hidden = this.body.rows.length > 0;
  }
}

type Column = 'engine' | 'state' | 'why' | 'level';

export class TrackRow {
  readonly element: HTMLTableRowElement;
  private readonly cells: Record<Column, HTMLTableCellElement>;

  constructor(
    identity: string,
    private readonly onRemove: () => void,
  ) {
    const cell = (col: string, text = '—'): HTMLTableCellElement => el('td', { 'data-col': col }, text);
    this.cells = { engine: cell('engine'), state: cell('state'), why: cell('why'), level: cell('level') };
    this.element = el(
      'tr',
      { 'data-identity': identity },
      el('th', { scope: 'row' }, identity),
      this.cells.engine,
      this.cells.state,
      this.cells.why,
      this.cells.level,
    );
  }

  update(s: ProcessorStats): void {
    const view = activityView(s);
    this.set('engine', engineLabel(s.engine) + tierLabel(s.tier));
    this.cells.engine.dataset.tier = s.tier?.reason ?? 'fixed';
    this.cells.engine.dataset.engine = s.engine ?? 'none';
    this.set('state', view.state);
    // Any state gets a data-state; the stylesheet colours the ones it knows, the rest stay plain.
    this.cells.state.dataset.state = view.state;
    this.set('why', view.why);
    this.set('level', view.level);
  }

  /** No processor behind the row (it closed, or a new one is starting). */
  clear(text: string): void {
    this.set('engine', text);
    delete this.cells.engine.dataset.engine;
    for (const col of ['state', 'why', 'level'] as const) this.set(col, '—');
    delete this.cells.state.dataset.state;
  }

  remove(): void {
    this.element.remove();
    this.onRemove();
  }

  private set(col: Column, text: string): void {
    if (this.cells[col].textContent !== text) this.cells[col].textContent = text;
  }
}
