/** Small pieces the inbox, the sessions list, the follow-up panel and the caller page share. */
import { useEffect, useRef } from 'react';
import type { FollowUpState, Priority, Tag } from '../../../shared/follow-up';
import { callerHref, localDateTime, priorityLabel, returningText, snoozeChoices } from '../format';
import { routeHref } from '../hooks';
import { Badge, CopyButton } from './common';
import { useContactPrivacy } from '../contact-privacy';

/** A tag in its colour, always with its name (colour is never the only signal). */
export function TagChip({ tag, onRemove }: { tag: Tag; onRemove?: () => void }) {
  return (
    <span className={`tag-chip tag-${tag.color}`}>
      {tag.name}
      {onRemove && (
        <button type="button" className="tag-remove" aria-label={`Remove tag ${tag.name}`} title={`Remove tag ${tag.name}`} onClick={onRemove}>
          ×
        </button>
      )}
    </span>
  );
}

/** At most `max` chips, then "+n". */
export function TagChips({ tags, max = 3 }: { tags: Tag[]; max?: number }) {
  if (tags.length === 0) return null;
  const shown = tags.slice(0, max);
  return (
    <span className="tag-chips">
      {shown.map((tag) => (
        <TagChip key={tag.id} tag={tag} />
      ))}
      {tags.length > max && <span className="muted" title={tags.slice(max).map((t) => t.name).join(', ')}>+{tags.length - max}</span>}
    </span>
  );
}

/** Priority in words, with a colour that only repeats what the words say. */
export function PriorityMarker({ priority }: { priority: Priority }) {
  return <span className={`priority priority-${priority}`}>{priorityLabel(priority)}</span>;
}

/** The follow-up state as the sessions list shows it; nothing for open (the usual case). */
export function FollowUpBadge({ state, snoozedUntil, now = Date.now() }: { state: FollowUpState; snoozedUntil: number | null; now?: number }) {
  if (state === 'done') return <Badge tone="ok">Done</Badge>;
  if (state !== 'follow-up') return null;
  if (snoozedUntil !== null && snoozedUntil > now) {
    return (
      <Badge tone="muted" title={`Snoozed until ${localDateTime(snoozedUntil)}`}>
        Snoozed
      </Badge>
    );
  }
  return <Badge tone="warn">To follow up</Badge>;
}

export function ReturningBadge({ caller }: { caller: { calls7d: number; calls30d: number } }) {
  const text = returningText(caller);
  if (!text) return null;
  return (
    <Badge tone="info" title={`Returning caller: ${caller.calls7d} call${caller.calls7d === 1 ? '' : 's'} in the last 7 days, ${caller.calls30d} in the last 30`}>
      {text}
    </Badge>
  );
}

/** Who called: a tel:/mailto: link, copy, the returning badge and (optionally) the caller page. */
export function CallerLine({ caller, showPageLink = true }: { caller: { key: string; label: string; kind: 'phone' | 'email' | 'other'; calls7d: number; calls30d: number }; showPageLink?: boolean }) {
  const privacy = useContactPrivacy();
  // Hidden contact details: a masked label, and no tel:/mailto: link that would show the number on hover.
  const href = privacy.hidden ? null : callerHref(caller);
  const label = privacy.text(caller.label);
  return (
    <div className="caller-line">
      <span className="caller-label">{href ? <a href={href}>{label}</a> : label}</span>
      <CopyButton value={label} label={`Copy ${label}`} />
      {(caller.calls7d > 1 || caller.calls30d > 1) && (
        <Badge tone="info" title={`${caller.calls7d} in the last 7 days, ${caller.calls30d} in the last 30 days (this one included)`}>
          returning caller · {caller.calls7d} in 7 days · {caller.calls30d} in 30 days
        </Badge>
      )}
      {showPageLink && (
        <a className="button small link" href={routeHref('callers', caller.key)}>
          All calls from this caller
        </a>
      )}
    </div>
  );
}

/** The snooze choices in a small menu: click, or press 1/2/3; Esc closes it. */
export function SnoozeMenu({ onPick, onClose, now }: { onPick: (until: number) => void; onClose: () => void; now?: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const choices = snoozeChoices(now);
  useEffect(() => {
    ref.current?.querySelector('button')?.focus();
  }, []);
  return (
    <div
      ref={ref}
      className="snooze-menu"
      role="menu"
      aria-label="Snooze until"
      onKeyDown={(event) => {
        event.stopPropagation();
        const index = Number(event.key) - 1;
        if (event.key === 'Escape') {
          event.preventDefault();
          onClose();
        } else if (choices[index]) {
          event.preventDefault();
          onPick(choices[index].until);
        } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
          event.preventDefault();
          const buttons = Array.from(ref.current?.querySelectorAll('button') ?? []);
          const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
          buttons[(at + (event.key === 'ArrowDown' ? 1 : buttons.length - 1)) % buttons.length]?.focus();
        }
      }}
    >
      {choices.map((choice, i) => (
        <button key={choice.label} type="button" role="menuitem" className="snooze-choice" title={localDateTime(choice.until)} onClick={() => onPick(choice.until)}>
          <kbd>{i + 1}</kbd> {choice.label}
        </button>
      ))}
      <button type="button" role="menuitem" className="snooze-choice muted" onClick={onClose}>
        Cancel
      </button>
    </div>
  );
}
