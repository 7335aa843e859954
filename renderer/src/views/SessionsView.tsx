import { useCallback, useEffect, useRef, useState } from 'react';
import type { ArchiveStatus, Facets, SessionFilters, SessionSummary } from '../../../shared/api';
import type { TagWithCount } from '../../../shared/follow-up';
import { getApi } from '../api/client';
import { EmptyState, ErrorState, Loading } from '../components/common';
import { formatCount } from '../format';
import { useArchiveChanges, useDebounced } from '../hooks';
import { usePagedList } from '../paged-list';
import { FilterBar } from './FilterBar';
import { FilterChips } from './FilterChips';
import { SessionDetailPane } from './SessionDetail';
import { SessionList } from './SessionList';
import { useContactPrivacy } from '../contact-privacy';

interface Props {
  status: ArchiveStatus;
  openId: string | null;
  onOpen: (sessionId: string | null) => void;
  onGoToSetup: () => void;
  /** Kept by the app, so the caller page can set a caller and switching tabs keeps them. */
  filters: SessionFilters;
  onFiltersChange: (filters: SessionFilters) => void;
  /** The label of the caller in filters.callerKey, when known. */
  callerLabel?: string | null;
}

const PAGE = 100;

export function SessionsView({ status, openId, onOpen, onGoToSetup, filters, onFiltersChange: setFilters, callerLabel }: Props) {
  const api = getApi();
  const privacy = useContactPrivacy();
  const [query, setQuery] = useState('');
  const [tags, setTags] = useState<TagWithCount[]>([]);
  const [showFilters, setShowFilters] = useState(false);
  const [facets, setFacets] = useState<Facets | null>(null);
  const [activeIndex, setActiveIndex] = useState(0);
  const [demoLoading, setDemoLoading] = useState(false);
  const debouncedQuery = useDebounced(query.trim(), 180);
  const searchRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);

  const fetchPage = useCallback(
    (cursor: string | undefined, limit: number) => api.listSessions({ query: debouncedQuery || undefined, filters, limit, cursor }),
    [api, debouncedQuery, filters],
  );
  // Live: new and ended sessions appear without a reload (refresh keeps the scroll).
  const { list, reload, loadMore, refresh } = usePagedList<SessionSummary>(fetchPage, { pageSize: PAGE, onReset: () => setActiveIndex(0) });

  useEffect(() => {
    api.facets({}).then(setFacets, () => setFacets(null));
  }, [api, status.counts.sessions]);

  const loadTags = useCallback(() => {
    api.listTags({}).then(
      (result) => setTags(result.tags),
      () => setTags([]),
    );
  }, [api]);
  useEffect(() => {
    if (showFilters) loadTags();
  }, [showFilters, loadTags]);
  useArchiveChanges((change) => {
    if (change.type === 'session' || change.type === 'sessions-changed' || change.type === 'follow-up' || change.type === 'triage') refresh();
    if (change.type === 'triage' && showFilters) loadTags();
  });

  // Keyboard: "/" focuses search (unless typing somewhere), Esc clears it.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const typing = target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT' || target.isContentEditable);
      if (event.key === '/' && !typing) {
        event.preventDefault();
        searchRef.current?.focus();
        searchRef.current?.select();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const empty = !list.loading && list.items.length === 0;
  const filtering = debouncedQuery !== '' || Object.keys(filters).length > 0;
  return (
    <div className="sessions-view">
      <section className="list-pane" aria-label="Session list">
        <div className="search-row">
          <input
            ref={searchRef}
            type="search"
            role="searchbox"
            className="search"
            placeholder="Search transcripts, tool calls and metadata  ( / )"
            aria-label="Search sessions"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                e.preventDefault();
                setQuery('');
              } else if (e.key === 'ArrowDown') {
                e.preventDefault();
                listRef.current?.focus();
              }
            }}
          />
          <button type="button" className={`button${showFilters || Object.keys(filters).length ? ' pressed' : ''}`} aria-expanded={showFilters} aria-controls="filters" onClick={() => setShowFilters((v) => !v)}>
            Filters{Object.keys(filters).length ? ` (${Object.keys(filters).length})` : ''}
          </button>
        </div>
        {showFilters && (
          <div id="filters">
            <FilterBar filters={filters} facets={facets} onChange={setFilters} tags={tags} />
          </div>
        )}
        {filters.callerKey && (
          <div className="chip-row">
            <span className="filter-chip">
              Caller: {privacy.text(callerLabel ?? filters.callerKey.replace(/^(tel|mailto|id):/, ''))}
              <button
                type="button"
                className="tag-remove"
                aria-label="Remove the caller filter"
                title="Remove the caller filter"
                onClick={() => {
                  const next = { ...filters };
                  delete next.callerKey;
                  setFilters(next);
                }}
              >
                ×
              </button>
            </span>
          </div>
        )}
        <FilterChips filters={filters} onChange={setFilters} />
        <div className="list-summary" aria-live="polite">
          {list.loading ? 'Loading…' : list.total !== null ? `${formatCount(list.total)} session${list.total === 1 ? '' : 's'}${filtering ? ' match' : ''}` : `${formatCount(list.items.length)}${list.nextCursor ? '+' : ''} sessions match`}
          {!list.loading && list.hint ? <span className="list-hint"> · {list.hint}</span> : null}
        </div>
        {list.error ? (
          <ErrorState title="Could not load sessions" message={list.error} onRetry={reload} />
        ) : list.loading && list.items.length === 0 ? (
          <Loading label="Loading sessions…" />
        ) : empty && filtering ? (
          <EmptyState title="Nothing matches">
            <p>No session matches {debouncedQuery ? <>“{debouncedQuery}”</> : 'these filters'}. Try fewer words, or clear the filters.</p>
          </EmptyState>
        ) : empty ? (
          <EmptyState title="No calls archived yet">
            <p>When CallAIder sends its first webhook, the call shows up here by itself.</p>
            <div className="actions">
              <button type="button" className="button primary" onClick={onGoToSetup}>
                Connect CallAIder
              </button>
              <button
                type="button"
                className="button"
                disabled={demoLoading}
                onClick={() => {
                  setDemoLoading(true);
                  api.loadDemoData({ sessions: 300 }).finally(() => setDemoLoading(false));
                }}
              >
                {demoLoading ? 'Loading demo data…' : 'Load demo data'}
              </button>
            </div>
          </EmptyState>
        ) : (
          <SessionList
            items={list.items}
            hasMore={list.nextCursor !== null}
            loadingMore={list.loadingMore}
            onLoadMore={loadMore}
            activeIndex={activeIndex}
            onActiveIndexChange={setActiveIndex}
            openId={openId}
            onOpen={onOpen}
            listRef={listRef}
          />
        )}
      </section>
      <section className="detail-pane" aria-label="Session">
        {openId ? (
          <SessionDetailPane key={openId} sessionId={openId} query={debouncedQuery} onClose={() => onOpen(null)} onDeleted={() => { onOpen(null); refresh(); }} />
        ) : (
          <EmptyState title="Pick a session">
            <p>Choose a call on the left to read its transcript. Use ↑ ↓ and Enter, or / to search.</p>
          </EmptyState>
        )}
      </section>
    </div>
  );
}
