import type { InboxItem } from '../../../shared/follow-up';
import { Badge } from '../components/common';
import { PriorityMarker, ReturningBadge, TagChips } from '../components/follow-up';
import { VirtualListbox } from '../components/VirtualListbox';
import { formatAge, localDateTime, reasonSummary } from '../format';
import { useContactPrivacy } from '../contact-privacy';

/** What a key does to the active item; the view decides how (it owns the API calls). */
export type InboxAction = 'open' | 'done' | 'snooze' | 'note';

interface Props {
  items: InboxItem[];
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
  activeIndex: number;
  onActiveIndexChange: (index: number) => void;
  openId: string | null;
  onAction: (action: InboxAction, index: number) => void;
  listRef: React.RefObject<HTMLDivElement | null>;
  label: string;
  now: number;
}

const ROW_HEIGHT = 84;
/** Enter opens too (the list's own key). */
const KEYS: Record<string, InboxAction> = { o: 'open', d: 'done', s: 'snooze', n: 'note' };

/** The inbox's items, virtualised like the session list: only the rows in view are in the DOM. */
export function InboxList({ items, hasMore, loadingMore, onLoadMore, activeIndex, onActiveIndexChange, openId, onAction, listRef, label, now }: Props) {
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
      className="session-list inbox-list"
      idPrefix="inbox-row"
      rowHeight={ROW_HEIGHT}
      onOpen={(index) => onAction('open', index)}
      onKey={(key, index) => {
        const action = KEYS[key];
        if (action) onAction(action, index);
        return action !== undefined;
      }}
      loadingLabel="Loading more…"
      renderRow={(item, row) => <InboxRow id={row.id} item={item} now={now} active={row.active} open={item.sessionId === openId} onClick={row.onClick} />}
    />
  );
}

function InboxRow({ id, item, now, active, open, onClick }: { id: string; item: InboxItem; now: number; active: boolean; open: boolean; onClick: () => void }) {
  const snoozed = item.snoozedUntil !== null && item.snoozedUntil > now;
  const privacy = useContactPrivacy();
  return (
    <div id={id} role="option" aria-selected={open} className={`session-row inbox-row${active ? ' active' : ''}${open ? ' open' : ''}`} onClick={onClick}>
      <div className="row-top">
        {item.state === 'done' ? <Badge tone="ok">Done</Badge> : <PriorityMarker priority={item.priority} />}
        <span className="row-reason inbox-reason" title={privacy.text(item.reasons.map((r) => r.text).join('\n'))}>
          {privacy.text(reasonSummary(item.reasons))}
        </span>
        <span className="row-badges">
          {snoozed && <span className="muted" title={localDateTime(item.snoozedUntil)}>until {localDateTime(item.snoozedUntil)}</span>}
          {item.noteCount > 0 && <span className="muted">{item.noteCount} note{item.noteCount === 1 ? '' : 's'}</span>}
          <time className="row-age" dateTime={new Date(item.sortAt).toISOString()} title={localDateTime(item.sortAt, true)}>
            {formatAge(item.sortAt, now)}
          </time>
        </span>
      </div>
      <div className="row-line">
        {item.caller ? (
          <span className="row-caller">
            <span className="caller-label">{privacy.text(item.caller.label)}</span>
            <ReturningBadge caller={item.caller} />
          </span>
        ) : (
          <span className="muted">Unknown caller</span>
        )}
        <span className={`mode mode-${item.mode ?? 'unknown'}`}>{item.mode ?? 'unknown'}</span>
        <TagChips tags={item.tags} max={3} />
      </div>
      <div className="row-line row-words">{item.firstUserLine !== null ? privacy.text(item.firstUserLine) : <span className="muted">No words from the caller</span>}</div>
    </div>
  );
}

