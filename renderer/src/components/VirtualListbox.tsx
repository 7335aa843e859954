import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type KeyboardEvent, type ReactNode } from 'react';

interface Props<T> {
  items: T[];
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
  activeIndex: number;
  onActiveIndexChange: (index: number) => void;
  listRef: React.RefObject<HTMLDivElement | null>;
  label: string;
  className: string;
  /** Row ids are `${idPrefix}-${index}` (aria-activedescendant points at the active one). */
  idPrefix: string;
  rowHeight: number;
  /** Enter on the active row, or a click on a row. */
  onOpen: (index: number) => void;
  /** Keys of the list's own beyond moving and opening; true when the key was used. */
  onKey?: (key: string, index: number) => boolean;
  renderRow: (item: T, row: { id: string; index: number; active: boolean; onClick: () => void }) => ReactNode;
  loadingLabel: string;
}

/**
 * A keyboard-driven list where only the rows in view are in the DOM (smooth at 100,000 rows), that
 * asks for the next page as its end comes into view. ↑/↓ (or k/j), Home/End move; Enter opens.
 * The session list, the inbox and the caller page share it, so they behave alike.
 */
export function VirtualListbox<T>({ items, hasMore, loadingMore, onLoadMore, activeIndex, onActiveIndexChange, listRef, label, className, idPrefix, rowHeight, onOpen, onKey, renderRow, loadingLabel }: Props<T>) {
  const count = items.length + (hasMore ? 1 : 0);
  const virtualizer = useVirtualizer({ count, getScrollElement: () => listRef.current, estimateSize: () => rowHeight, overscan: 8 });
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
    else if (items[activeIndex] !== undefined) {
      if (event.key === 'Enter') {
        event.preventDefault();
        onOpen(activeIndex);
      } else if (onKey?.(event.key, activeIndex)) {
        event.preventDefault();
      }
    }
  };

  return (
    <div
      ref={listRef}
      className={className}
      role="listbox"
      aria-label={label}
      tabIndex={0}
      aria-activedescendant={items[activeIndex] !== undefined ? `${idPrefix}-${activeIndex}` : undefined}
      onKeyDown={onKeyDown}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualItems.map((row) => {
          const item = items[row.index];
          return (
            <div key={row.key} className="session-row-slot" style={{ transform: `translateY(${row.start}px)`, height: row.size }}>
              {item !== undefined ? (
                renderRow(item, {
                  id: `${idPrefix}-${row.index}`,
                  index: row.index,
                  active: row.index === activeIndex,
                  onClick: () => {
                    onActiveIndexChange(row.index);
                    onOpen(row.index);
                  },
                })
              ) : (
                <div className="session-row loading-row">{loadingLabel}</div>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
