import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type KeyboardEvent } from 'react';
import type { InboxItem } from '../../../shared/follow-up';
import { Badge } from '../components/common';
import { PriorityMarker, ReturningBadge, TagChips } from '../components/follow-up';
import { formatAge, localDateTime, reasonSummary } from '../format';

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
const KEYS: Record<string, InboxAction> = { Enter: 'open', o: 'open', d: 'done', s: 'snooze', n: 'note' };

/** The inbox's items, virtualised like the session list: only the rows in view are in the DOM. */
export function InboxList({ items, hasMore, loadingMore, onLoadMore, activeIndex, onActiveIndexChange, openId, onAction, listRef, label, now }: Props) {
  const count = items.length + (hasMore ? 1 : 0);
  const virtualizer = useVirtualizer({ count, getScrollElement: () => listRef.current, estimateSize: () => ROW_HEIGHT, overscan: 8 });
  const virtualItems = virtualizer.getVirtualItems();
  const lastVisible = virtualItems.length > 0 ? virtualItems[virtualItems.length - 1]!.index : -1;

  useEffect(() => {
    if (hasMore && !loadingMore && lastVisible >= items.length - 10) onLoadMore();
  }, [hasMore, loadingMore, lastVisible, items.length, onLoadMore]);

  const activeRef = useRef(activeIndex);
  useEffect(() => {
    if (activeIndex >= 0 && activeIndex !== activeRef.current) virtualizer.scrollToIndex(activeIndex, { align: 'auto' });
    activeRef.current = activeIndex;
  }, [activeIndex, virtualizer]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const move = (to: number) => {
      event.preventDefault();
      onActiveIndexChange(Math.max(0, Math.min(items.length - 1, to)));
    };
    if (event.key === 'ArrowDown' || event.key === 'j') move(activeIndex + 1);
    else if (event.key === 'ArrowUp' || event.key === 'k') move(activeIndex - 1);
    else if (event.key === 'Home') move(0);
    else if (event.key === 'End') move(items.length - 1);
    else if (KEYS[event.key] && items[activeIndex]) {
      event.preventDefault();
      onAction(KEYS[event.key]!, activeIndex);
    }
  };

  const active = items[activeIndex];
  return (
    <div
      ref={listRef}
      className="session-list inbox-list"
      role="listbox"
      aria-label={label}
      tabIndex={0}
      aria-activedescendant={active ? `inbox-row-${activeIndex}` : undefined}
      onKeyDown={onKeyDown}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualItems.map((row) => {
          const item = items[row.index];
          return (
            <div key={row.key} className="session-row-slot" style={{ transform: `translateY(${row.start}px)`, height: row.size }}>
              {item ? (
                <InboxRow
                  id={`inbox-row-${row.index}`}
                  item={item}
                  now={now}
                  active={row.index === activeIndex}
                  open={item.sessionId === openId}
                  onClick={() => {
                    onActiveIndexChange(row.index);
                    onAction('open', row.index);
                  }}
                />
              ) : (
                <div className="session-row loading-row">Loading more…</div>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}

function InboxRow({ id, item, now, active, open, onClick }: { id: string; item: InboxItem; now: number; active: boolean; open: boolean; onClick: () => void }) {
  const snoozed = item.snoozedUntil !== null && item.snoozedUntil > now;
  return (
    <div id={id} role="option" aria-selected={open} className={`session-row inbox-row${active ? ' active' : ''}${open ? ' open' : ''}`} onClick={onClick}>
      <div className="row-top">
        {item.state === 'done' ? <Badge tone="ok">Done</Badge> : <PriorityMarker priority={item.priority} />}
        <span className="row-reason inbox-reason" title={item.reasons.map((r) => r.text).join('\n')}>
          {reasonSummary(item.reasons)}
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
            <span className="caller-label">{item.caller.label}</span>
            <ReturningBadge caller={item.caller} />
          </span>
        ) : (
          <span className="muted">Unknown caller</span>
        )}
        <span className={`mode mode-${item.mode ?? 'unknown'}`}>{item.mode ?? 'unknown'}</span>
        <TagChips tags={item.tags} max={3} />
      </div>
      <div className="row-line row-words">{item.firstUserLine ?? <span className="muted">No words from the caller</span>}</div>
    </div>
  );
}

