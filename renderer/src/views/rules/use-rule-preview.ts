import { useCallback, useEffect, useRef, useState } from 'react';
import type { RuleInput } from '../../../../shared/follow-up';
import { getApi } from '../../api/client';
import { useDebounced } from '../../hooks';

export type PreviewState =
  | { phase: 'idle' }
  | { phase: 'checking' | 'done' | 'cancelled'; checked: number; total: number; matched: number; examples: string[] }
  | { phase: 'failed'; message: string };

/** Typing settles for this long before the archive is asked again. */
export const PREVIEW_DEBOUNCE_MS = 400;

/**
 * "Matches N past sessions" for a rule not yet saved: asks previewRule page after page (each page
 * counts its own sessions) until nextAfter is null. A new draft or Cancel stops the pages in flight.
 */
export function useRulePreview(rule: RuleInput | null): { state: PreviewState; settling: boolean; cancel: () => void; restart: () => void } {
  const key = rule === null ? null : JSON.stringify(rule);
  const settledKey = useDebounced(key, PREVIEW_DEBOUNCE_MS);
  const [state, setState] = useState<PreviewState>({ phase: 'idle' });
  const [attempt, setAttempt] = useState(0);
  const run = useRef(0);

  useEffect(() => {
    const id = ++run.current;
    if (settledKey === null) {
      setState({ phase: 'idle' });
      return;
    }
    // Previewing counts what the rule would match, whether or not it is switched on yet.
    const previewed = { ...(JSON.parse(settledKey) as RuleInput), enabled: true };
    const api = getApi();
    const live = () => run.current === id;
    void (async () => {
      let after: number | undefined;
      let checked = 0;
      let matched = 0;
      let total = 0;
      const examples: string[] = [];
      setState({ phase: 'checking', checked, total, matched, examples });
      try {
        for (;;) {
          const page = await api.previewRule(after === undefined ? { rule: previewed } : { rule: previewed, after });
          if (!live()) return;
          checked += page.checked;
          matched += page.matched;
          total = Math.max(page.total, checked);
          if (examples.length < 5) examples.push(...page.examples.slice(0, 5 - examples.length));
          if (page.nextAfter === null) {
            setState({ phase: 'done', checked, total, matched, examples: [...examples] });
            return;
          }
          setState({ phase: 'checking', checked, total, matched, examples: [...examples] });
          after = page.nextAfter;
        }
      } catch (error) {
        if (live()) setState({ phase: 'failed', message: (error as Error).message });
      }
    })();
    return () => {
      // Unmounting or a newer draft: results of this run are dropped.
      if (run.current === id) run.current += 1;
    };
  }, [settledKey, attempt]);

  const cancel = useCallback(() => {
    run.current += 1;
    setState((current) => (current.phase === 'checking' ? { ...current, phase: 'cancelled' } : current));
  }, []);
  const restart = useCallback(() => setAttempt((n) => n + 1), []);
  return { state, settling: key !== settledKey, cancel, restart };
}
