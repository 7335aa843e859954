import { useState } from 'react';
import type { TriageProgress } from '../../../../shared/follow-up';
import { formatCount } from '../../format';
import { useArchiveChanges } from '../../hooks';

/** Which of two reports of the re-run is the newer: a later run, then a finished one, then more checked. */
export function newerProgress(a: TriageProgress | null, b: TriageProgress | null): TriageProgress | null {
  if (!a) return b;
  if (!b) return a;
  if (a.startedAt !== b.startedAt) return a.startedAt > b.startedAt ? a : b;
  if ((a.finishedAt === null) !== (b.finishedAt === null)) return a.finishedAt !== null ? a : b;
  return b.checked >= a.checked ? b : a;
}

/**
 * The re-run of the rules over the archive, as the newest of what the caller knows (status.triage,
 * listRules' progress) and the engine's 'triage' changes.
 */
export function useTriageProgress(known: TriageProgress | null): TriageProgress | null {
  const [pushed, setPushed] = useState<TriageProgress | null>(null);
  useArchiveChanges((change) => {
    if (change.type === 'triage') setPushed((current) => newerProgress(current, change.progress));
  });
  return newerProgress(known, pushed);
}

/**
 * After a save, the run the save started is awaited: until a report of another run than the one
 * known before the save arrives, the line says it is starting instead of showing the old result.
 */
export function awaitingNewRun(progress: TriageProgress | null, before: TriageProgress | null | undefined): boolean {
  if (before === undefined) return false;
  if (!progress) return true;
  return before !== null && progress.startedAt === before.startedAt && !progress.running;
}

export function TriageProgressLine({ progress, starting, doing = 'Applying rules to past calls' }: { progress: TriageProgress | null; starting: boolean; doing?: string }) {
  let text: string | null = null;
  let tone = '';
  if (starting) text = `${doing}…`;
  else if (progress?.running) {
    const percent = progress.total > 0 ? Math.min(99, Math.floor((progress.checked / progress.total) * 100)) : 0;
    text = `${doing}… ${percent}%`;
  } else if (progress?.error) {
    text = `${doing} stopped: ${progress.error}`;
    tone = ' error';
  } else if (progress) {
    const changed = progress.changed > 0 ? ` (${formatCount(progress.changed)} changed)` : '';
    text = `Rules applied to ${formatCount(progress.total)} call${progress.total === 1 ? '' : 's'}${changed}`;
  }
  if (text === null) return null;
  return (
    <p className={`triage-progress${tone}`} role="status" aria-live="polite" data-testid="triage-progress">
      {text}
    </p>
  );
}
