/**
 * The Sessions filters the Overview's charts open (shared/api.ts sessionFiltersSchema), as SQL
 * conditions on `s` (sessions): each bar lists exactly the sessions reads/overview.ts counted in it.
 */
import type { SessionFilters } from '../../../../../shared/api.js';
import { hourOf, localMs, weekdayOf } from './local-time.js';
import { TOOL_CALL } from './overview.js';

export function overviewFilterConditions(filters: SessionFilters): Array<{ sql: string; params: unknown[] }> {
  const conditions: Array<{ sql: string; params: unknown[] }> = [];
  if (filters.durationBelowSeconds !== undefined) conditions.push({ sql: 's.duration_seconds < ?', params: [filters.durationBelowSeconds] });
  if (filters.localTime) {
    const local = localMs('s.sort_at_ms', filters.localTime.utcOffsets);
    if (filters.localTime.weekday !== undefined) conditions.push({ sql: `${weekdayOf(local.sql)} = ?`, params: [...local.params, filters.localTime.weekday] });
    if (filters.localTime.hour !== undefined) conditions.push({ sql: `${hourOf(local.sql)} = ?`, params: [...local.params, filters.localTime.hour] });
  }
  if (filters.toolName !== undefined) {
    // The same calls the Overview's tool table counts: a message with any tool field, by name ('' for none).
    const callsTo = `SELECT 1 FROM messages m WHERE m.session_id = s.session_id AND ${TOOL_CALL} AND coalesce(m.tool_name, '') = ?`;
    if (filters.toolFailed === undefined) conditions.push({ sql: `EXISTS (${callsTo})`, params: [filters.toolName] });
    else if (filters.toolFailed) conditions.push({ sql: `EXISTS (${callsTo} AND m.tool_error IS NOT NULL)`, params: [filters.toolName] });
    else conditions.push({ sql: `EXISTS (${callsTo}) AND NOT EXISTS (${callsTo} AND m.tool_error IS NOT NULL)`, params: [filters.toolName, filters.toolName] });
  }
  if (filters.callerHistory) {
    // A caller's first session: the smallest start in their part of the caller index.
    conditions.push({
      sql: `s.caller_key IS NOT NULL AND (SELECT min(c.sort_at_ms) FROM sessions c WHERE c.caller_key = s.caller_key) ${filters.callerHistory.kind === 'new' ? '>=' : '<'} ?`,
      params: [filters.callerHistory.since],
    });
  }
  return conditions;
}
