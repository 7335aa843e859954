/**
 * One caller: who they are, how often they call, what is still open with them, the notes on
 * their calls, and every session newest first (opened in the detail pane beside it).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CallerPage, SessionSummary } from '../../../shared/api';
import { getApi } from '../api/client';
import { ConfirmDialog, CopyButton, EmptyState, ErrorState, Loading } from '../components/common';
import { PriorityMarker, ReturningBadge } from '../components/follow-up';
import { callerHref, formatAge, formatCount, localDateTime, reasonSummary, utcTitle } from '../format';
import { useArchiveChanges, useThrottled } from '../hooks';
import { SessionDetailPane } from './SessionDetail';
import { SessionList } from './SessionList';
import { useContactPrivacy } from '../contact-privacy';
import { useMayCall } from '../signed-in';

interface Props {
  callerKey: string;
  onShowInSessions: (callerKey: string, label: string) => void;
  /** The caller's sessions were erased: there is no page to show any more. */
  onErased: () => void;
}

const PAGE = 100;

export function CallerView({ callerKey, onShowInSessions, onErased }: Props) {
  const api = getApi();
  const mayErase = useMayCall('eraseCaller');
  const privacy = useContactPrivacy();
  const [page, setPage] = useState<CallerPage | null>(null);
  const [sessions, setSessions] = useState<SessionSummary[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);
  const [activeIndex, setActiveIndex] = useState(0);
  const [confirmErase, setConfirmErase] = useState(false);
  const [erasing, setErasing] = useState(false);
  const listRef = useRef<HTMLDivElement>(null);
  const generation = useRef(0);

  const load = useCallback(
    (limit = PAGE) => {
      const run = ++generation.current;
      api.getCaller({ key: callerKey, limit }).then(
        (result) => {
          if (run !== generation.current) return;
          setPage(result);
          setSessions(result.sessions.items);
          setNextCursor(result.sessions.nextCursor);
          setError(null);
        },
        (e: Error) => run === generation.current && setError(e.message),
      );
    },
    [api, callerKey],
  );
  useEffect(() => load(), [load]);

  const sessionsNow = useRef(sessions);
  useEffect(() => {
    sessionsNow.current = sessions;
  }, [sessions]);
  const refresh = useThrottled(() => load(Math.max(PAGE, Math.min(sessionsNow.current.length, 500))), 400);
  useArchiveChanges((change) => {
    if (change.type === 'session' || change.type === 'follow-up' || change.type === 'triage' || change.type === 'sessions-changed') refresh();
  });

  const loadMore = useCallback(() => {
    if (!nextCursor || loadingMore) return;
    setLoadingMore(true);
    const run = generation.current;
    api
      .getCaller({ key: callerKey, limit: PAGE, cursor: nextCursor })
      .then(
        (result) => {
          if (run !== generation.current) return;
          setSessions((current) => [...current, ...result.sessions.items]);
          setNextCursor(result.sessions.nextCursor);
        },
        (e: Error) => run === generation.current && setError(e.message),
      )
      .finally(() => setLoadingMore(false));
  }, [api, callerKey, nextCursor, loadingMore]);

  if (erasing) return <Loading label="Erasing this caller's sessions…" />;
  if (error && !page) return <ErrorState title="Could not open this caller" message={error} onRetry={() => load()} />;
  if (!page) return <Loading label="Opening the caller…" />;

  // While contact details are hidden the caller is named by a masked label, and no tel:/mailto: link gives the number away.
  const caller = { ...page.caller, label: privacy.text(page.caller.label) };
  const href = privacy.hidden ? null : callerHref(caller);
  const notes = [...page.notes].sort((a, b) => b.createdAt - a.createdAt);
  return (
    <div className="sessions-view caller-view">
      <section className="list-pane" aria-label={`Caller ${caller.label}`}>
        <div className="caller-summary">
          <header className="caller-header">
            <h2>{href ? <a href={href}>{caller.label}</a> : caller.label}</h2>
            <CopyButton value={caller.label} label={`Copy ${caller.label}`} />
            <ReturningBadge caller={caller} />
            <button type="button" className="button small" onClick={() => onShowInSessions(caller.key, page.caller.label)}>
              Show in Sessions
            </button>
            {mayErase && (
              <button type="button" className="button small danger" onClick={() => setConfirmErase(true)}>
                Erase this caller…
              </button>
            )}
          </header>
          {error && <p className="notice error" role="alert">{error}</p>}
          <dl className="caller-counts">
            <div>
              <dt>Sessions</dt>
              <dd>{formatCount(caller.sessions)}</dd>
            </div>
            <div>
              <dt>Last 7 days</dt>
              <dd>{formatCount(caller.calls7d)}</dd>
            </div>
            <div>
              <dt>Last 30 days</dt>
              <dd>{formatCount(caller.calls30d)}</dd>
            </div>
            <div>
              <dt>First call</dt>
              <dd title={utcTitle(caller.firstAt)}>{localDateTime(caller.firstAt)}</dd>
            </div>
            <div>
              <dt>Last call</dt>
              <dd title={utcTitle(caller.lastAt)}>{localDateTime(caller.lastAt)}</dd>
            </div>
          </dl>
          <h3>Open follow-ups</h3>
          {page.openFollowUps.length === 0 ? (
            <p className="muted">Nothing open with this caller.</p>
          ) : (
            <ul className="caller-items" aria-label="Open follow-ups">
              {page.openFollowUps.map((item) => (
                <li key={item.sessionId}>
                  <button type="button" className={`caller-item${openId === item.sessionId ? ' open' : ''}`} onClick={() => setOpenId(item.sessionId)}>
                    <PriorityMarker priority={item.priority} />
                    <span className="caller-item-text">{reasonSummary(item.reasons)}</span>
                    <time className="muted" title={localDateTime(item.sortAt, true)}>
                      {formatAge(item.sortAt)}
                    </time>
                  </button>
                </li>
              ))}
            </ul>
          )}
          <h3>Notes</h3>
          {notes.length === 0 ? (
            <p className="muted">No notes on this caller's calls yet.</p>
          ) : (
            <ol className="note-list" aria-label="Notes on this caller's calls">
              {notes.map((note) => (
                <li key={note.id} className="note">
                  <div className="note-meta">
                    <strong>{note.author}</strong>
                    <time title={utcTitle(note.createdAt)}>{localDateTime(note.createdAt)}</time>
                    <button type="button" className="button small link" onClick={() => setOpenId(note.sessionId)}>
                      Open the call
                    </button>
                  </div>
                  <p className="note-text">{privacy.text(note.text)}</p>
                </li>
              ))}
            </ol>
          )}
          <h3>Every call, newest first</h3>
        </div>
        <SessionList
          items={sessions}
          hasMore={nextCursor !== null}
          loadingMore={loadingMore}
          onLoadMore={loadMore}
          activeIndex={activeIndex}
          onActiveIndexChange={setActiveIndex}
          openId={openId}
          onOpen={setOpenId}
          listRef={listRef}
          label={`Calls from ${caller.label}, newest first`}
          showCaller={false}
        />
      </section>
      <section className="detail-pane" aria-label="Session">
        {openId ? (
          <SessionDetailPane key={openId} sessionId={openId} query="" onClose={() => setOpenId(null)} onDeleted={() => { setOpenId(null); refresh(); }} />
        ) : (
          <EmptyState title="Pick a call">
            <p>Choose one of {caller.label}'s calls to read it and its notes.</p>
          </EmptyState>
        )}
      </section>
      <ConfirmDialog
        open={confirmErase}
        title={`Erase all ${formatCount(caller.sessions)} session${caller.sessions === 1 ? '' : 's'} of ${caller.label}?`}
        body={
          <>
            <p>
              Every call from {caller.label} is erased from the archive: transcripts, tool calls, file references, notes, tags and
              follow-ups, with the raw events, their search entries and what the delivery log and quarantine held of them. This
              cannot be undone.
            </p>
            <p className="muted">
              Backups taken before now still hold them until they rotate out (or retention deletes them). The archive records that
              {` ${caller.sessions === 1 ? 'a session was' : `${formatCount(caller.sessions)} sessions were`}`} erased and by whom, not whose.
            </p>
          </>
        }
        confirmLabel={`Erase ${formatCount(caller.sessions)} session${caller.sessions === 1 ? '' : 's'}`}
        danger
        onCancel={() => setConfirmErase(false)}
        onConfirm={() => {
          setConfirmErase(false);
          setErasing(true);
          api.eraseCaller({ key: caller.key }).then(onErased, (e: Error) => {
            setErasing(false);
            setError(`Erasing failed: ${e.message}`);
          });
        }}
      />
    </div>
  );
}
