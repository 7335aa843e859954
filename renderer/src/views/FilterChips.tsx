/**
 * The filters narrowing the Sessions list, as removable chips, always in sight (the filter bar
 * folds away): after a click in the Overview the list says why it holds exactly those sessions.
 */
import type { SessionFilters } from '../../../shared/api';

type Key = keyof SessionFilters;
interface Chip {
  label: string;
  keys: Key[];
}

const WEEKDAYS = ['Sundays', 'Mondays', 'Tuesdays', 'Wednesdays', 'Thursdays', 'Fridays', 'Saturdays'];
const day = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', year: 'numeric' });
const seconds = (s: number) => (s < 60 ? `${s} s` : s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`);
const hours = (hour: number) => `${String(hour).padStart(2, '0')}:00–${String((hour + 1) % 24).padStart(2, '0')}:00`;
const FOLLOW_UP_LABELS: Record<NonNullable<SessionFilters['followUp']>, string> = { 'follow-up': 'To follow up', snoozed: 'Snoozed', done: 'Done', open: 'Open' };
const STATUS_LABELS: Record<NonNullable<SessionFilters['status']>, string> = { active: 'Live', ended: 'Ended', stale: 'Never ended' };

export function chipsFor(filters: SessionFilters): Chip[] {
  const chips: Chip[] = [];
  if (filters.from !== undefined && filters.to !== undefined) {
    const [first, last] = [day.format(filters.from), day.format(filters.to)];
    chips.push({ label: first === last ? first : `${first} – ${last}`, keys: ['from', 'to'] });
  }
  else if (filters.from !== undefined) chips.push({ label: `From ${day.format(filters.from)}`, keys: ['from'] });
  else if (filters.to !== undefined) chips.push({ label: `Until ${day.format(filters.to)}`, keys: ['to'] });
  if (filters.mode) chips.push({ label: filters.mode === 'voice' ? 'Voice' : 'Text', keys: ['mode'] });
  if (filters.reasons?.length) chips.push({ label: `Ended: ${filters.reasons.map((r) => r.replace(/_/g, ' ')).join(', ')}`, keys: ['reasons'] });
  if (filters.status) chips.push({ label: STATUS_LABELS[filters.status], keys: ['status'] });
  const { minDurationSeconds: min, maxDurationSeconds: max, durationBelowSeconds: below } = filters;
  if (min !== undefined || max !== undefined || below !== undefined) {
    const parts = [min !== undefined ? `${seconds(min)} or more` : null, below !== undefined ? `under ${seconds(below)}` : null, max !== undefined ? `up to ${seconds(max)}` : null].filter(Boolean);
    chips.push({ label: `Lasting ${parts.join(', ')}`, keys: ['minDurationSeconds', 'maxDurationSeconds', 'durationBelowSeconds'] });
  }
  if (filters.localTime) {
    const { weekday, hour } = filters.localTime;
    const when = [weekday !== undefined ? WEEKDAYS[weekday] : null, hour !== undefined ? hours(hour) : null].filter(Boolean).join(', ');
    chips.push({ label: `Started ${when} (local time)`, keys: ['localTime'] });
  }
  if (filters.toolName !== undefined) {
    const name = filters.toolName || '(no name)';
    const label = filters.toolFailed === true ? `${name} failed` : filters.toolFailed === false ? `${name} worked` : `Called ${name}`;
    chips.push({ label: `Tool: ${label}`, keys: ['toolName', 'toolFailed'] });
  }
  if (filters.callerHistory) {
    const since = day.format(filters.callerHistory.since);
    chips.push({ label: filters.callerHistory.kind === 'new' ? `New callers (first call ${since} or later)` : `Returning callers (called before ${since})`, keys: ['callerHistory'] });
  }
  if (filters.hasToolErrors !== undefined) chips.push({ label: filters.hasToolErrors ? 'Tool errors' : 'No tool errors', keys: ['hasToolErrors'] });
  if (filters.hasFiles !== undefined) chips.push({ label: filters.hasFiles ? 'With files' : 'Without files', keys: ['hasFiles'] });
  if (filters.assistantId !== undefined) chips.push({ label: `Assistant ${filters.assistantId}`, keys: ['assistantId'] });
  if (filters.followUp) chips.push({ label: `Follow-up: ${FOLLOW_UP_LABELS[filters.followUp]}`, keys: ['followUp'] });
  if (filters.tagId !== undefined) chips.push({ label: 'Tagged', keys: ['tagId'] });
  return chips;
}

export function FilterChips({ filters, onChange }: { filters: SessionFilters; onChange: (filters: SessionFilters) => void }) {
  const chips = chipsFor(filters);
  if (chips.length === 0) return null;
  return (
    <div className="chip-row" aria-label="Active filters">
      {chips.map((chip) => (
        <span key={chip.keys.join()} className="filter-chip">
          {chip.label}
          <button
            type="button"
            className="tag-remove"
            aria-label={`Remove the filter: ${chip.label}`}
            title="Remove this filter"
            onClick={() => {
              const next = { ...filters };
              for (const key of chip.keys) delete next[key];
              onChange(next);
            }}
          >
            ×
          </button>
        </span>
      ))}
    </div>
  );
}
