import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { ArchiveChange } from '../../shared/api';
import { getApi } from './api/client';

export type View = 'sessions' | 'deliveries' | 'setup';
export interface Route {
  view: View;
  id: string | null;
}

function readRoute(): Route {
  const [view, ...rest] = window.location.hash.replace(/^#\/?/, '').split('/');
  const id = rest.length > 0 ? decodeURIComponent(rest.join('/')) : null;
  if (view === 'deliveries' || view === 'setup') return { view, id };
  return { view: 'sessions', id };
}

const subscribeHash = (notify: () => void) => {
  window.addEventListener('hashchange', notify);
  return () => window.removeEventListener('hashchange', notify);
};

/** The route lives in the URL hash, so back/forward and reloads keep the user's place. */
export function useRoute(): [Route, (view: View, id?: string | null) => void] {
  const hash = useSyncExternalStore(subscribeHash, () => window.location.hash);
  const route = useMemo(readRoute, [hash]);
  const navigate = useCallback((view: View, id: string | null = null) => {
    window.location.hash = `#/${view}${id ? `/${encodeURIComponent(id)}` : ''}`;
  }, []);
  return [route, navigate];
}

/** Live updates from the engine (IPC or Server-Sent Events). */
export function useArchiveChanges(listener: (change: ArchiveChange) => void): void {
  const latest = useRef(listener);
  useLayoutEffect(() => {
    latest.current = listener;
  });
  useEffect(() => getApi().subscribe((change) => latest.current(change)), []);
}

/** Runs `task` at most once per `ms`, trailing: many live events become one refresh. */
export function useThrottled(task: () => void, ms: number): () => void {
  const timer = useRef<number | null>(null);
  const latest = useRef(task);
  useLayoutEffect(() => {
    latest.current = task;
  });
  useEffect(() => () => {
    if (timer.current !== null) window.clearTimeout(timer.current);
  }, []);
  return useCallback(() => {
    if (timer.current !== null) return;
    timer.current = window.setTimeout(() => {
      timer.current = null;
      latest.current();
    }, ms);
  }, [ms]);
}

export function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}
