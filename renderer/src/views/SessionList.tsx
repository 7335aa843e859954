import type { SessionSummary } from '../../../shared/api';
import { Badge, Highlighted, PaperclipIcon } from '../components/common';
import { FollowUpBadge, ReturningBadge, TagChips } from '../components/follow-up';
import { VirtualListbox } from '../components/VirtualListbox';
import { formatDuration, humanReason, listTime, utcTitle } from '../format';
import { useContactPrivacy } from '../contact-privacy';

interface Props {
  items: SessionSummary[];
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
  activeIndex: number;
  onActiveIndexChange: (index: number) => void;
  openId: string | null;
  onOpen: (sessionId: string) => void;
  listRef: React.RefObject<HTMLDivElement | null>;
  /** The listbox's name (the caller page lists one caller's sessions). */
  label?: string;
  /** Off on the caller page, where every row is the same caller. */
  showCaller?: boolean;
}

const ROW_HEIGHT = 76;

/** Only the rows in view are in the DOM: smooth at 100,000 sessions. */
export function SessionList({ items, hasMore, loadingMore, onLoadMore, activeIndex, onActiveIndexChange, openId, onOpen, listRef, label = 'Sessions, newest first', showCaller = true }: Props) {
  return (
    <VirtualListbox
      items={items}
      hasMore={hasMore}
      loadingMore={loadingMore}
      onLoadMore={onLoadMore}
      activeIndex={activeIndex}
      onActiveIndexChange={onActiveIndexChange}
      listRef={listRef}
      label={label}
      className="session-list"
      idPrefix="session-row"
      rowHeight={ROW_HEIGHT}
      onOpen={(index) => onOpen(items[index]!.sessionId)}
      loadingLabel="Loading more sessions…"
      renderRow={(session, row) => <SessionRow id={row.id} session={session} showCaller={showCaller} active={row.active} open={session.sessionId === openId} onClick={row.onClick} />}
    />
  );
}

function SessionRow({ id, session, showCaller, active, open, onClick }: { id: string; session: SessionSummary; showCaller: boolean; active: boolean; open: boolean; onClick: () => void }) {
  const privacy = useContactPrivacy();
  const line = session.snippet ? <Highlighted text={privacy.text(session.snippet)} /> : session.firstUserLine !== null ? privacy.text(session.firstUserLine) : <span className="muted">No words from the caller</span>;
  return (
    <div id={id} role="option" aria-selected={open} className={`session-row${active ? ' active' : ''}${open ? ' open' : ''}`} onClick={onClick}>
      <div className="row-top">
        <time className="row-time" title={utcTitle(session.sortAt)}>{listTime(session.sortAt)}</time>
        <span className="row-duration">{session.status === 'ended' ? formatDuration(session.durationSeconds) : ''}</span>
        <span className={`mode mode-${session.mode ?? 'unknown'}`}>{session.mode ?? 'unknown'}</span>
        <span className="row-reason">{session.status === 'ended' ? humanReason(session.reason) : ''}</span>
        <span className="row-badges">
          <FollowUpBadge state={session.followUpState} snoozedUntil={session.snoozedUntil} />
          {session.stale ? (
            <Badge tone="warn" title="Started but never ended: its session.ended may have been missed">no end</Badge>
          ) : session.status === 'active' ? (
            <Badge tone="info" title="The call is still going on">live</Badge>
          ) : null}
          {session.toolErrorCount > 0 && <Badge tone="error" title={`${session.toolErrorCount} failed tool call(s)`}>{session.toolErrorCount} tool error{session.toolErrorCount === 1 ? '' : 's'}</Badge>}
          {session.fileCount > 0 && <Badge tone="muted" title={`${session.fileCount} file(s)`}><PaperclipIcon /> {session.fileCount}</Badge>}
        </span>
      </div>
      <div className="row-line">
        {showCaller && session.caller && (
          <span className="row-caller">
            <span className="caller-label">{privacy.text(session.caller.label)}</span>
            <ReturningBadge caller={session.caller} />
          </span>
        )}
        <TagChips tags={session.tags ?? []} max={2} />
        <span className="row-words">{line}</span>
      </div>
    </div>
  );
}
