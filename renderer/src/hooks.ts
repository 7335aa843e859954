import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { ArchiveChange } from '../../shared/api';
import { getApi } from './api/client';

export type View = 'inbox' | 'overview' | 'sessions' | 'deliveries' | 'forwarding' | 'setup' | 'callers';
export interface Route {
  view: View;
  id: string | null;
  /** False while the URL names no view yet (the app picks its first screen). */
  explicit: boolean;
}

const VIEWS: readonly View[] = ['inbox', 'overview', 'sessions', 'deliveries', 'forwarding', 'setup', 'callers'];

function readRoute(): Route {
  const [view, ...rest] = window.location.hash.replace(/^#\/?/, '').split('/');
  const id = rest.length > 0 && rest.join('/') !== '' ? decodeURIComponent(rest.join('/')) : null;
  if (VIEWS.includes(view as View)) return { view: view as View, id, explicit: true };
  return { view: 'sessions', id, explicit: false };
}

/** The hash for a view (and an item in it): `#/inbox/<sessionId>`, `#/callers/<key>`. */
export function routeHref(view: View, id: string | null = null): string {
  return `#/${view}${id ? `/${encodeURIComponent(id)}` : ''}`;
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
    window.location.hash = routeHref(view, id);
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

/** A value kept in localStorage as JSON (falls back to `initial` when absent, unreadable or blocked). */
export function useStoredState<T>(key: string, initial: T): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(() => {
    try {
      const raw = window.localStorage.getItem(key);
      return raw === null ? initial : (JSON.parse(raw) as T);
    } catch {
      return initial;
    }
  });
  const store = useCallback(
    (next: T) => {
      setValue(next);
      try {
        window.localStorage.setItem(key, JSON.stringify(next));
      } catch {
        // storage full or blocked: remembered for this window only
      }
    },
    [key],
  );
  return [value, store];
}

/** Whether the keyboard event comes from a place where the user is typing (keys are theirs then). */
export function isTyping(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  return Boolean(element && (element.tagName === 'INPUT' || element.tagName === 'TEXTAREA' || element.tagName === 'SELECT' || element.isContentEditable));
}
