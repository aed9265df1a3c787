// The hook's state, as a pure reducer (React-free, so Node tests it): what the app asked for, what
// is applied, whether an apply is in flight, the last error and stats. Every apply carries an id
// and every target session a number; a late answer from an older apply or session is dropped, so
// `isPending` is cleared by the newest apply's end or by the session it belonged to going away,
// never left set by a superseded one.
import { assertNever } from '../../worklets/protocol';
import type { DenoiserError, ProcessorStats } from '../index';

export interface NoiseCancellationState {
  /** What the app asked for last (setEnabled). */
  wanted: boolean;
  /** Whether denoising is applied to the target now. */
  isEnabled: boolean;
  /** An apply (build, setProcessor, toggle) is in flight for the current session. */
  isPending: boolean;
  error: DenoiserError | undefined;
  stats: ProcessorStats | undefined;
  /** The target session the state describes (0: none yet). */
  session: number;
  /** The id of the newest apply; only its end settles `isPending`. */
  apply: number;
}

export type NoiseCancellationAction =
  | { type: 'requested'; enabled: boolean }
  // A new target session (another track, or the same one after a disconnect), or none (0).
  | { type: 'session'; session: number }
  | { type: 'started'; session: number; apply: number }
  | { type: 'settled'; session: number; apply: number; enabled: boolean; error?: DenoiserError }
  | { type: 'error'; session: number; error: DenoiserError }
  | { type: 'stats'; session: number; stats: ProcessorStats };

export function initialState(wanted: boolean): NoiseCancellationState {
  return { wanted, isEnabled: false, isPending: false, error: undefined, stats: undefined, session: 0, apply: 0 };
}

export function reduce(state: NoiseCancellationState, action: NoiseCancellationAction): NoiseCancellationState {
  switch (action.type) {
    case 'requested':
      return state.wanted === action.enabled ? state : { ...state, wanted: action.enabled };
    case 'session':
      // Whatever the previous session had in flight can no longer settle anything.
      return { ...state, session: action.session, isEnabled: false, isPending: false, error: undefined, stats: undefined, apply: 0 };
    case 'started':
      if (action.session !== state.session) return state;
      return { ...state, isPending: true, apply: action.apply };
    case 'settled':
      if (action.session !== state.session || action.apply !== state.apply) return state;
      return {
        ...state,
        isPending: false,
        isEnabled: action.error ? false : action.enabled,
        error: action.error ?? state.error,
      };
    case 'error':
      return action.session === state.session ? { ...state, error: action.error } : state;
    case 'stats':
      return action.session === state.session ? { ...state, stats: action.stats } : state;
    default:
      return assertNever(action, 'noise cancellation hook action');
  }
}
