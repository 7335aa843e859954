/**
 * The Sessions filters the Overview's charts open (shared/api.ts sessionFiltersSchema), as SQL
 * conditions on `s` (sessions): each bar lists exactly the sessions reads/overview.ts counted in it.
 */
import type { SessionFilters } from '../../../../../shared/api.js';
import { hourOf, localMs, weekdayOf } from './local-time.js';

export function overviewFilterConditions(filters: SessionFilters): Array<{ sql: string; params: unknown[] }> {
  const conditions: Array<{ sql: string; params: unknown[] }> = [];
  if (filters.durationBelowSeconds !== undefined) conditions.push({ sql: 's.duration_seconds < ?', params: [filters.durationBelowSeconds] });
  if (filters.localTime) {
    const local = localMs('s.sort_at_ms', filters.localTime.utcOffsets);
    if (filters.localTime.weekday !== undefined) conditions.push({ sql: `${weekdayOf(local.sql)} = ?`, params: [...local.params, filters.localTime.weekday] });
    if (filters.localTime.hour !== undefined) conditions.push({ sql: `${hourOf(local.sql)} = ?`, params: [...local.params, filters.localTime.hour] });
  }
  if (filters.toolName !== undefined) {
    // The calls the Overview's tool table counts, kept per session and tool by migration 6's
    // triggers (session_tools: calls and failures by name, '' for none): one key probe per
    // session instead of reading its messages.
    const tool = 'SELECT 1 FROM session_tools t WHERE t.session_id = s.session_id AND t.tool_name = ?';
    const failed = filters.toolFailed === undefined ? '' : filters.toolFailed ? ' AND t.failures > 0' : ' AND t.failures = 0';
    conditions.push({ sql: `EXISTS (${tool}${failed})`, params: [filters.toolName] });
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
