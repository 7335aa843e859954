/**
 * The inbox: what needs a follow-up, by priority then age (the engine's order, kept as given),
 * with one-key actions. List on the left, the session with its follow-up panel on the right.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ArchiveStatus } from '../../../shared/api';
import type { InboxItem } from '../../../shared/follow-up';
import { getApi } from '../api/client';
import { EmptyState, ErrorState, Loading } from '../components/common';
import { SnoozeMenu } from '../components/follow-up';
import { formatCount } from '../format';
import { isTyping, routeHref, useArchiveChanges } from '../hooks';
import { usePagedList } from '../paged-list';
import { AlertsStrip } from './AlertsStrip';
import { InboxList, type InboxAction } from './InboxList';
import { SessionDetailPane } from './SessionDetail';
import { useContactPrivacy } from '../contact-privacy';

type InboxViewName = 'open' | 'snoozed' | 'done';

interface Props {
  status: ArchiveStatus;
  openId: string | null;
  onOpen: (sessionId: string | null) => void;
}

const PAGE = 200;

export function InboxView({ status, openId, onOpen }: Props) {
  const api = getApi();
  const privacy = useContactPrivacy();
  const [view, setView] = useState<InboxViewName>('open');
  const [activeIndex, setActiveIndex] = useState(0);
  const [snoozeIndex, setSnoozeIndex] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [noteRequest, setNoteRequest] = useState<{ sessionId: string; n: number } | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const listRef = useRef<HTMLDivElement>(null);

  // Ages ("2 h") move on while the window is open.
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 60_000);
    return () => window.clearInterval(timer);
  }, []);

  const fetchPage = useCallback((cursor: string | undefined, limit: number) => api.inbox({ view, limit, cursor }), [api, view]);
  const { list, setList, listNow, reload: load, loadMore, refresh } = usePagedList<InboxItem>(fetchPage, {
    pageSize: PAGE,
    // Another view: its rows, not the last view's, from the start.
    clearOnReload: true,
    onReset: () => setActiveIndex(0),
    // Live: calls arrive, rules re-run, another window acts. The scroll stays; the active row stays in range.
    onRefreshed: (items) => setActiveIndex((i) => Math.max(0, Math.min(i, items.length - 1))),
  });
  const total = list.total ?? 0;

  useArchiveChanges((change) => {
    if (change.type === 'session' || change.type === 'follow-up' || change.type === 'triage' || change.type === 'sessions-changed') refresh();
  });

  /** Takes an item out of this view (done, snoozed): the next one becomes active (and open, if it was). */
  const removeAt = (index: number) => {
    const removed = list.items[index];
    const items = list.items.filter((_, i) => i !== index);
    setList((s) => ({ ...s, items, total: Math.max(0, (s.total ?? 0) - 1) }));
    setActiveIndex(Math.max(0, Math.min(index, items.length - 1)));
    if (removed && removed.sessionId === openId) onOpen(items[index]?.sessionId ?? items[index - 1]?.sessionId ?? null);
    listRef.current?.focus();
  };

  const act = (action: InboxAction, index: number) => {
    const item = list.items[index];
    if (!item) return;
    setNotice(null);
    if (action === 'open') onOpen(item.sessionId);
    else if (action === 'note') {
      onOpen(item.sessionId);
      setNoteRequest((r) => ({ sessionId: item.sessionId, n: (r?.n ?? 0) + 1 }));
    } else if (action === 'snooze' && view !== 'done') setSnoozeIndex(index);
    else if (action === 'done' && view !== 'done') {
      api.setFollowUp({ sessionId: item.sessionId, state: 'done', snoozedUntil: null }).then(
        () => {
          const at = listNow.current.items.findIndex((i) => i.sessionId === item.sessionId);
          if (at >= 0) removeAt(at);
        },
        (e: Error) => setNotice(`Could not mark it done: ${e.message}`),
      );
    }
  };

  const snooze = (until: number) => {
    const index = snoozeIndex;
    setSnoozeIndex(null);
    const item = index === null ? undefined : list.items[index];
    if (!item || index === null) return;
    api.setFollowUp({ sessionId: item.sessionId, state: 'follow-up', snoozedUntil: until, priority: item.priority }).then(
      () => (view === 'snoozed' ? refresh() : removeAt(index)),
      (e: Error) => setNotice(`Could not snooze it: ${e.message}`),
    );
  };

  // Esc, anywhere in the inbox: back to the list (from the note box, the panel, the transcript).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || event.defaultPrevented) return;
      if (document.querySelector('dialog[open]')) return;
      if (isTyping(event.target)) (event.target as HTMLElement).blur();
      listRef.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const counts = status.followUps ?? { open: 0, snoozed: 0 };
  const tabs: Array<{ name: InboxViewName; label: string }> = [
    { name: 'open', label: `Open (${formatCount(counts.open)})` },
    { name: 'snoozed', label: `Snoozed (${formatCount(counts.snoozed)})` },
    { name: 'done', label: 'Done' },
  ];
  const snoozing = snoozeIndex === null ? null : list.items[snoozeIndex];
  return (
    <div className="sessions-view inbox-view">
      <section className="list-pane" aria-label="Inbox">
        <AlertsStrip />
        <div className="search-row inbox-tabs" role="tablist" aria-label="Inbox views">
          {tabs.map((tab) => (
            <button key={tab.name} type="button" role="tab" aria-selected={view === tab.name} className={`button small${view === tab.name ? ' pressed' : ''}`} onClick={() => setView(tab.name)}>
              {tab.label}
            </button>
          ))}
          <span className="keys-hint muted" title="↑ ↓ or j k move · Enter or o open · d done · s snooze · n note · Esc back to the list">
            j k · o · d · s · n
          </span>
        </div>
        <div className="list-summary" aria-live="polite">
          {list.loading ? 'Loading…' : `${formatCount(total)} item${total === 1 ? '' : 's'}${view === 'open' ? ' to follow up, most urgent first' : view === 'snoozed' ? ' snoozed' : ' done'}`}
          {status.triage?.running ? <span className="list-hint"> · {applyingRules(status.triage)}</span> : null}
        </div>
        {notice && (
          <p className="notice error list-notice" role="alert">
            {notice}
          </p>
        )}
        {snoozing && (
          <div className="snooze-bar">
            <span className="muted">Snooze {privacy.text(snoozing.caller?.label ?? snoozing.firstUserLine ?? 'this item')} until</span>
            <SnoozeMenu
              onPick={snooze}
              onClose={() => {
                setSnoozeIndex(null);
                listRef.current?.focus();
              }}
            />
          </div>
        )}
        {list.error ? (
          <ErrorState title="Could not load the inbox" message={list.error} onRetry={load} />
        ) : list.loading && list.items.length === 0 ? (
          <Loading label="Loading the inbox…" />
        ) : list.items.length === 0 ? (
          <EmptyState title={view === 'open' ? 'Nothing to follow up' : view === 'snoozed' ? 'Nothing snoozed' : 'Nothing done yet'}>
            {view === 'open' ? (
              <p>
                Calls land here when the follow-up rules find something to do: a tool call that failed, a dropped call, files sent, a caller asking for a person, a very short call. You can change what counts in{' '}
                <a href={routeHref('setup', 'rules-title')}>Setup → Follow-up rules</a>.
              </p>
            ) : view === 'snoozed' ? (
              <p>Snoozed items come back to Open by themselves when their time comes.</p>
            ) : (
              <p>Items you mark done are listed here.</p>
            )}
          </EmptyState>
        ) : (
          <InboxList
            items={list.items}
            hasMore={list.nextCursor !== null}
            loadingMore={list.loadingMore}
            onLoadMore={loadMore}
            activeIndex={activeIndex}
            onActiveIndexChange={setActiveIndex}
            openId={openId}
            onAction={act}
            listRef={listRef}
            label={view === 'open' ? 'To follow up, most urgent first' : view === 'snoozed' ? 'Snoozed' : 'Done'}
            now={now}
          />
        )}
      </section>
      <section className="detail-pane" aria-label="Session">
        {openId ? (
          <SessionDetailPane key={openId} sessionId={openId} query="" focusNoteSignal={noteRequest?.sessionId === openId ? noteRequest.n : 0} onClose={() => onOpen(null)} onDeleted={() => { onOpen(null); refresh(); }} />
        ) : (
          <EmptyState title="Pick an item">
            <p>Choose an item on the left to read the call and act on it. Use ↑ ↓ (or j k), Enter to open, d for done, s to snooze, n to add a note.</p>
          </EmptyState>
        )}
      </section>
    </div>
  );
}

/** While the rules run over past calls (a rule changed, or the archive was upgraded), items keep arriving: say why. */
function applyingRules(progress: NonNullable<ArchiveStatus['triage']>): string {
  const share = progress.total > 0 ? Math.min(99, Math.floor((progress.checked / progress.total) * 100)) : 0;
  return `Applying the rules to past calls… ${share}%`;
}
