import type { Facets, SessionFilters } from '../../../shared/api';
import type { Tag } from '../../../shared/follow-up';

interface Props {
  filters: SessionFilters;
  facets: Facets | null;
  onChange: (filters: SessionFilters) => void;
  /** The owner's tags (listTags), offered as a filter when there are any. */
  tags?: Tag[];
}

const toDateInput = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 10));
const fromDateInput = (value: string, endOfDay: boolean): number | undefined => {
  if (!value) return undefined;
  const [y, m, d] = value.split('-').map(Number);
  return endOfDay ? new Date(y!, m! - 1, d!, 23, 59, 59, 999).getTime() : new Date(y!, m! - 1, d!).getTime();
};
const without = <K extends keyof SessionFilters>(filters: SessionFilters, key: K, value: SessionFilters[K] | undefined): SessionFilters => {
  const next = { ...filters };
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) delete next[key];
  else next[key] = value;
  return next;
};

export function FilterBar({ filters, facets, onChange, tags = [] }: Props) {
  const set = <K extends keyof SessionFilters>(key: K, value: SessionFilters[K] | undefined) => onChange(without(filters, key, value));
  const active = Object.keys(filters).length;
  return (
    <fieldset className="filters" aria-label="Filters">
      <label>
        <span>From</span>
        <input type="date" aria-label="From date" value={toDateInput(filters.from)} onChange={(e) => set('from', fromDateInput(e.target.value, false))} />
      </label>
      <label>
        <span>To</span>
        <input type="date" aria-label="To date" value={toDateInput(filters.to)} onChange={(e) => set('to', fromDateInput(e.target.value, true))} />
      </label>
      <label>
        <span>End reason</span>
        <select aria-label="End reason" value={filters.reasons?.[0] ?? ''} onChange={(e) => set('reasons', e.target.value ? [e.target.value] : undefined)}>
          <option value="">Any</option>
          {facets?.reasons.map((reason) => (
            <option key={reason} value={reason}>
              {reason.replace(/_/g, ' ')}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Mode</span>
        <select aria-label="Mode" value={filters.mode ?? ''} onChange={(e) => set('mode', (e.target.value || undefined) as SessionFilters['mode'])}>
          <option value="">Any</option>
          <option value="voice">Voice</option>
          <option value="text">Text</option>
        </select>
      </label>
      <label>
        <span>Status</span>
        <select aria-label="Status" value={filters.status ?? ''} onChange={(e) => set('status', (e.target.value || undefined) as SessionFilters['status'])}>
          <option value="">Any</option>
          <option value="ended">Ended</option>
          <option value="active">Live</option>
          <option value="stale">Never ended</option>
        </select>
      </label>
      <label>
        <span>Duration</span>
        <select
          aria-label="Duration"
          value={filters.minDurationSeconds === 300 ? 'long' : filters.maxDurationSeconds === 60 ? 'short' : ''}
          onChange={(e) => {
            const next = without(without(filters, 'minDurationSeconds', undefined), 'maxDurationSeconds', undefined);
            if (e.target.value === 'short') next.maxDurationSeconds = 60;
            if (e.target.value === 'long') next.minDurationSeconds = 300;
            onChange(next);
          }}
        >
          <option value="">Any</option>
          <option value="short">Under 1 min</option>
          <option value="long">Over 5 min</option>
        </select>
      </label>
      {facets && facets.assistants.length > 1 && (
        <label>
          <span>Assistant</span>
          <select aria-label="Assistant" value={filters.assistantId ?? ''} onChange={(e) => set('assistantId', e.target.value || undefined)}>
            <option value="">Any</option>
            {facets.assistants.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        <span>Follow-up</span>
        <select aria-label="Follow-up" value={filters.followUp ?? ''} onChange={(e) => set('followUp', (e.target.value || undefined) as SessionFilters['followUp'])}>
          <option value="">Any</option>
          <option value="follow-up">To follow up</option>
          <option value="snoozed">Snoozed</option>
          <option value="done">Done</option>
          <option value="open">Open</option>
        </select>
      </label>
      {(tags.length > 0 || filters.tagId !== undefined) && (
        <label>
          <span>Tag</span>
          <select aria-label="Tag" value={filters.tagId ?? ''} onChange={(e) => set('tagId', e.target.value ? Number(e.target.value) : undefined)}>
            <option value="">Any</option>
            {tags.map((tag) => (
              <option key={tag.id} value={tag.id}>
                {tag.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <label className="check">
        <input type="checkbox" checked={filters.hasToolErrors === true} onChange={(e) => set('hasToolErrors', e.target.checked ? true : undefined)} />
        <span>Tool errors</span>
      </label>
      <label className="check">
        <input type="checkbox" checked={filters.hasFiles === true} onChange={(e) => set('hasFiles', e.target.checked ? true : undefined)} />
        <span>Has files</span>
      </label>
      {active > 0 && (
        <button type="button" className="button small link" onClick={() => onChange({})}>
          Clear {active} filter{active === 1 ? '' : 's'}
        </button>
      )}
    </fieldset>
  );
}
