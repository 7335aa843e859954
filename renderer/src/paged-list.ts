import { useCallback, useEffect, useRef, useState } from 'react';
import { useThrottled } from './hooks';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  total: number | null;
  hint?: string | null;
}

export interface PagedListState<T> {
  items: T[];
  nextCursor: string | null;
  total: number | null;
  hint: string | null;
  loading: boolean;
  loadingMore: boolean;
  error: string | null;
}

interface Options<T> {
  pageSize: number;
  /** Empty the list while another query loads (a different view), instead of keeping the old rows shown. */
  clearOnReload?: boolean;
  /** After a first page of a new query arrived (the view resets its active row). */
  onReset?: () => void;
  /** After a live refresh replaced the loaded rows. */
  onRefreshed?: (items: T[]) => void;
}

const EMPTY = { items: [], nextCursor: null, total: null, hint: null, loading: true, loadingMore: false, error: null };

/**
 * A list read a page at a time with a keyset cursor: the first page whenever `fetchPage` changes
 * (the query did), the next one as the end scrolls into view, and a throttled refresh of what is
 * loaded when the archive changes (the scroll stays). An answer for a list that has since been
 * reloaded is dropped. The session list and the inbox share it.
 */
export function usePagedList<T>(fetchPage: (cursor: string | undefined, limit: number) => Promise<Page<T>>, options: Options<T>) {
  const { pageSize, clearOnReload = false } = options;
  const [list, setList] = useState<PagedListState<T>>(EMPTY);
  const generation = useRef(0);
  const latestOptions = useRef(options);
  useEffect(() => {
    latestOptions.current = options;
  });
  // The latest list, for callbacks that must not re-subscribe on every page.
  const listNow = useRef(list);
  useEffect(() => {
    listNow.current = list;
  }, [list]);

  const reload = useCallback(() => {
    const run = ++generation.current;
    setList((s) => (clearOnReload ? { ...EMPTY } : { ...s, loading: s.items.length === 0 || s.loading, error: null }));
    fetchPage(undefined, pageSize).then(
      (page) => {
        if (run !== generation.current) return;
        setList({ items: page.items, nextCursor: page.nextCursor, total: page.total, hint: page.hint ?? null, loading: false, loadingMore: false, error: null });
        latestOptions.current.onReset?.();
      },
      (error: Error) => run === generation.current && setList((s) => ({ ...s, loading: false, error: error.message })),
    );
  }, [fetchPage, pageSize, clearOnReload]);
  useEffect(reload, [reload]);

  const loadingMore = useRef(false);
  const loadMore = useCallback(() => {
    const cursor = listNow.current.nextCursor;
    if (!cursor || loadingMore.current) return;
    loadingMore.current = true;
    setList((s) => ({ ...s, loadingMore: true }));
    const run = generation.current;
    fetchPage(cursor, pageSize)
      .then(
        // A page for a list that has since been reloaded is dropped; the next scroll asks again.
        (page) => run === generation.current && setList((c) => ({ ...c, items: [...c.items, ...page.items], nextCursor: page.nextCursor, total: page.total ?? c.total })),
        (error: Error) => run === generation.current && setList((c) => ({ ...c, error: error.message })),
      )
      .finally(() => {
        loadingMore.current = false;
        setList((c) => ({ ...c, loadingMore: false }));
      });
  }, [fetchPage, pageSize]);

  const refresh = useThrottled(() => {
    const run = ++generation.current;
    fetchPage(undefined, Math.max(pageSize, Math.min(listNow.current.items.length, 500))).then(
      (page) => {
        if (run !== generation.current) return;
        setList((s) => ({ ...s, items: page.items, nextCursor: page.nextCursor, total: page.total, hint: page.hint ?? null, loading: false, error: null }));
        latestOptions.current.onRefreshed?.(page.items);
      },
      () => undefined,
    );
  }, 400);

  return { list, setList, listNow, reload, loadMore, refresh };
}
