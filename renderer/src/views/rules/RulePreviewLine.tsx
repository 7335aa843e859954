import { formatCount } from '../../format';
import type { PreviewState } from './use-rule-preview';

const sessions = (n: number) => `${formatCount(n)} past session${n === 1 ? '' : 's'}`;

/** "Matches N past sessions", or how far the count has got, with a way to stop it. */
export function RulePreviewLine({ state, settling, complete, onCancel, onRestart }: { state: PreviewState; settling: boolean; complete: boolean; onCancel: () => void; onRestart: () => void }) {
  if (!complete) return <p className="rule-preview muted">Once the rule is complete, it shows how many past sessions it matches.</p>;
  switch (state.phase) {
    case 'idle':
      return <p className="rule-preview muted">Checking past sessions…</p>;
    case 'checking':
      return (
        <p className="rule-preview" role="status" data-testid="rule-preview">
          {state.total > 0 ? `Checking… ${formatCount(state.checked)} of ${formatCount(state.total)}` : 'Checking…'}
          {state.matched > 0 && <span className="muted"> ({formatCount(state.matched)} so far)</span>}{' '}
          <button type="button" className="button small" onClick={onCancel}>
            Cancel
          </button>
        </p>
      );
    case 'done':
      return (
        <p className={`rule-preview${settling ? ' settling' : ''}`} role="status" data-testid="rule-preview">
          <strong>Matches {sessions(state.matched)}</strong>
          <span className="muted"> of {formatCount(state.total)}</span>
        </p>
      );
    case 'cancelled':
      return (
        <p className="rule-preview" role="status" data-testid="rule-preview">
          Stopped after {formatCount(state.checked)} of {formatCount(state.total)}: {sessions(state.matched)} matched so far.{' '}
          <button type="button" className="button small" onClick={onRestart}>
            Count again
          </button>
        </p>
      );
    case 'failed':
      return (
        <p className="rule-preview warn-text" role="status" data-testid="rule-preview">
          Could not count matching sessions: {state.message}{' '}
          <button type="button" className="button small" onClick={onRestart}>
            Try again
          </button>
        </p>
      );
  }
}
