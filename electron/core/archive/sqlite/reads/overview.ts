/**
 * The Overview page's numbers for a period and the one before it. Whole UTC hours come from the
 * hourly rollups (migration 12: a year is a few thousand rows), the parts of the period that are
 * not whole hours from sessions_overview (a range of at most two hours); no session is brought
 * into JavaScript, only groups. All of it reads one snapshot, so the charts add up with each other.
 */
import { DURATION_BUCKETS, HOUR_MS, offsetAt, type Overview, type OverviewArgs, type OverviewDay, type OverviewTool, type OverviewTotals, type UtcOffsets } from '../../../../../shared/overview.js';
import { inSnapshot, statement, type ReadableDB } from '../database.js';
import { localMs } from './local-time.js';
import { partsOf, type Parts } from '../../rows/overview.js';

const MODE = "CASE s.mode WHEN 'voice' THEN 0 WHEN 'text' THEN 1 ELSE 2 END";
/** The DURATION_BUCKETS index of s.duration_seconds (the same CASE as the rollup's trigger). */
const BUCKET = `CASE ${DURATION_BUCKETS.map((bucket, i) => (bucket.below === null ? `ELSE ${i}` : `WHEN s.duration_seconds < ${bucket.below} THEN ${i}`)).join(' ')} END`;


type CallerCounts = Pick<OverviewTotals, 'newCallers' | 'newCallerSessions' | 'returningCallerSessions'>;
/** The sums of sessions themselves, with how many had a known caller (not shown: new + returning). */
type SessionTotals = Omit<OverviewTotals, keyof CallerCounts> & { withCaller: number };

export function overview(db: ReadableDB, options: OverviewArgs & { now: number }): Overview {
  const { from, to, now } = options;
  const previousFrom = from - (to - from);
  return inSnapshot(db, () => {
    const parts = partsOf(from, to);
    const totals = withCallers(db, totalsOf(db, parts), from, to);
    const previous = withCallers(db, totalsOf(db, partsOf(previousFrom, from)), previousFrom, from);
    const reasons = [...reasonsOf(db, parts)].filter(([, calls]) => calls > 0).map(([reason, calls]) => ({ reason, calls }));
    const reasonCount = reasons.reduce((sum, row) => sum + row.calls, 0);
    return {
      from,
      to,
      previousFrom,
      totals,
      previous,
      ...calendarOf(db, parts, options.utcOffsets),
      durations: durationsOf(db, parts),
      reasons: reasons.sort((a, b) => b.calls - a.calls || a.reason.localeCompare(b.reason)),
      noReason: totals.calls - reasonCount,
      tools: toolsOf(db, parts),
      unknownCallerSessions: totals.calls - totals.newCallerSessions - totals.returningCallerSessions,
      followUps: followUpsOf(db, from, to, now),
    };
  });
}

function totalsOf(db: ReadableDB, parts: Parts): SessionTotals {
  const totals: SessionTotals = { calls: 0, voice: 0, text: 0, timed: 0, durationSeconds: 0, toolCalls: 0, toolFailures: 0, files: 0, sessionsWithFiles: 0, withCaller: 0 };
  const add = (row: SessionTotals) => {
    for (const key of Object.keys(totals) as Array<keyof SessionTotals>) totals[key] += row[key] ?? 0;
  };
  if (parts.hours) {
    add(
      statement(
        db,
        `SELECT sum(sessions) AS calls, sum(sessions) FILTER (WHERE mode = 0) AS voice, sum(sessions) FILTER (WHERE mode = 1) AS text,
                sum(timed) AS timed, sum(seconds) AS durationSeconds, sum(tool_calls) AS toolCalls, sum(tool_failures) AS toolFailures,
                sum(files) AS files, sum(with_files) AS sessionsWithFiles, sum(with_caller) AS withCaller
         FROM overview_hours WHERE hour >= ? AND hour < ?`,
      ).get(parts.hours.first, parts.hours.end) as SessionTotals,
    );
  }
  for (const edge of parts.edges) {
    add(
      statement(
        db,
        `SELECT count(*) AS calls, sum(s.mode = 'voice') AS voice, sum(s.mode = 'text') AS text,
                count(s.duration_seconds) AS timed, sum(s.duration_seconds) AS durationSeconds,
                sum(s.tool_call_count) AS toolCalls, sum(s.tool_error_count) AS toolFailures,
                sum(s.file_count) AS files, sum(s.file_count > 0) AS sessionsWithFiles, sum(s.caller_key IS NOT NULL) AS withCaller
         FROM sessions s WHERE s.sort_at_ms >= ? AND s.sort_at_ms < ?`,
      ).get(edge.from, edge.to) as SessionTotals,
    );
  }
  return totals;
}

/**
 * The distinct values of a rollup's first key, one index probe each (a skip scan): a handful of
 * reasons or tools, each then summed over its own range of hours. Grouping the period's rows
 * instead sorted all of them (18 ms for a year of tools, against 5).
 */
function skipScan(name: string, table: string, key: string): string {
  return `${name}(v) AS (SELECT (SELECT min(${key}) FROM ${table}) UNION ALL SELECT (SELECT min(${key}) FROM ${table} WHERE ${key} > ${name}.v) FROM ${name} WHERE ${name}.v IS NOT NULL)`;
}

function reasonsOf(db: ReadableDB, parts: Parts): Map<string, number> {
  const reasons = new Map<string, number>();
  const add = (rows: Array<{ reason: string; n: number }>) => {
    for (const row of rows) reasons.set(row.reason, (reasons.get(row.reason) ?? 0) + row.n);
  };
  if (parts.hours) {
    add(
      statement(
        db,
        `WITH RECURSIVE ${skipScan('reasons', 'overview_hour_reasons', 'reason')}
         SELECT v AS reason, (SELECT coalesce(sum(r.sessions), 0) FROM overview_hour_reasons r WHERE r.reason = reasons.v AND r.hour >= ? AND r.hour < ?) AS n
         FROM reasons WHERE v IS NOT NULL`,
      ).all(parts.hours.first, parts.hours.end) as Array<{ reason: string; n: number }>,
    );
  }
  for (const edge of parts.edges) {
    add(
      statement(db, 'SELECT s.reason AS reason, count(*) AS n FROM sessions s INDEXED BY sessions_overview WHERE s.sort_at_ms >= ? AND s.sort_at_ms < ? AND s.reason IS NOT NULL GROUP BY s.reason').all(
        edge.from,
        edge.to,
      ) as Array<{ reason: string; n: number }>,
    );
  }
  return reasons;
}

function durationsOf(db: ReadableDB, parts: Parts): number[] {
  const durations = DURATION_BUCKETS.map(() => 0);
  const add = (rows: Array<{ bucket: number; n: number }>) => {
    for (const row of rows) durations[row.bucket]! += row.n;
  };
  if (parts.hours) {
    add(
      statement(
        db,
        `WITH buckets(bucket) AS (VALUES ${DURATION_BUCKETS.map((_, i) => `(${i})`).join(', ')})
         SELECT bucket, (SELECT coalesce(sum(d.sessions), 0) FROM overview_hour_durations d WHERE d.bucket = buckets.bucket AND d.hour >= ? AND d.hour < ?) AS n FROM buckets`,
      ).all(parts.hours.first, parts.hours.end) as Array<{ bucket: number; n: number }>,
    );
  }
  for (const edge of parts.edges) {
    add(
      statement(
        db,
        `SELECT ${BUCKET} AS bucket, count(*) AS n FROM sessions s INDEXED BY sessions_overview
         WHERE s.sort_at_ms >= ? AND s.sort_at_ms < ? AND s.duration_seconds IS NOT NULL GROUP BY bucket`,
      ).all(edge.from, edge.to) as Array<{ bucket: number; n: number }>,
    );
  }
  return durations;
}

function toolsOf(db: ReadableDB, parts: Parts): OverviewTool[] {
  const tools = new Map<string, OverviewTool>();
  const add = (rows: OverviewTool[]) => {
    for (const row of rows) {
      const tool = tools.get(row.name) ?? { name: row.name, calls: 0, failures: 0, sessions: 0, failedSessions: 0 };
      tool.calls += row.calls;
      tool.failures += row.failures;
      tool.sessions += row.sessions;
      tool.failedSessions += row.failedSessions;
      tools.set(row.name, tool);
    }
  };
  if (parts.hours) {
    const rows = statement(
      db,
      `WITH RECURSIVE ${skipScan('tools', 'overview_hour_tools', 'tool_name')}
       SELECT v AS name, (SELECT json_array(coalesce(sum(t.calls), 0), coalesce(sum(t.failures), 0), coalesce(sum(t.sessions), 0), coalesce(sum(t.failed_sessions), 0))
                          FROM overview_hour_tools t WHERE t.tool_name = tools.v AND t.hour >= ? AND t.hour < ?) AS sums
       FROM tools WHERE v IS NOT NULL`,
    ).all(parts.hours.first, parts.hours.end) as Array<{ name: string; sums: string }>;
    add(
      rows.map((row) => {
        const [calls, failures, sessions, failedSessions] = JSON.parse(row.sums) as [number, number, number, number];
        return { name: row.name, calls, failures, sessions, failedSessions };
      }),
    );
  }
  for (const edge of parts.edges) {
    add(
      statement(
        db,
        `SELECT tool_name AS name, sum(calls) AS calls, sum(failures) AS failures, count(*) AS sessions, sum(failures > 0) AS failedSessions
         FROM session_tools INDEXED BY session_tools_by_time WHERE sort_at_ms >= ? AND sort_at_ms < ? GROUP BY tool_name`,
      ).all(edge.from, edge.to) as OverviewTool[],
    );
  }
  return [...tools.values()].filter((tool) => tool.sessions > 0).sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name));
}

/** follow_ups keeps its session's start (the triage refreshes it), so this reads only follow-ups. */
function followUpsOf(db: ReadableDB, from: number, to: number, now: number): Overview['followUps'] {
  return statement(
    db,
    `SELECT coalesce(sum(state = 'follow-up' AND (snoozed_until IS NULL OR snoozed_until <= ?)), 0) AS followUp,
            coalesce(sum(state = 'follow-up' AND snoozed_until > ?), 0) AS snoozed,
            coalesce(sum(state = 'done'), 0) AS done
     FROM follow_ups INDEXED BY follow_ups_by_time WHERE sort_at_ms >= ? AND sort_at_ms < ?`,
  ).get(now, now, from, to) as Overview['followUps'];
}

/**
 * New callers of [from, to): their first session in the archive is in it (a range of
 * caller_firsts). Their sessions in the period are counted caller by caller on the caller index,
 * or, when callers known from before are fewer, theirs are and the rest of the period's sessions
 * with a known caller are the new callers': the cost follows the smaller group (a year in which
 * 29,000 callers were new took 75 ms counted the first way).
 */
function withCallers(db: ReadableDB, sums: SessionTotals, from: number, to: number): OverviewTotals {
  const { withCaller, ...totals } = sums;
  const count = (low: number, high: number) =>
    (statement(db, 'SELECT count(*) AS n FROM caller_firsts INDEXED BY caller_firsts_by_time WHERE first_at >= ? AND first_at < ?').get(low, high) as { n: number }).n;
  const sessionsOf = (low: number, high: number) =>
    (
      statement(
        db,
        `SELECT coalesce(sum((SELECT count(*) FROM sessions s INDEXED BY sessions_by_caller WHERE s.caller_key = c.caller_key AND s.sort_at_ms >= ? AND s.sort_at_ms < ?)), 0) AS n
         FROM caller_firsts c INDEXED BY caller_firsts_by_time WHERE c.first_at >= ? AND c.first_at < ?`,
      ).get(from, to, low, high) as { n: number }
    ).n;
  const newCallers = count(from, to);
  const knownBefore = count(Number.MIN_SAFE_INTEGER, from);
  const newCallerSessions = newCallers <= knownBefore ? sessionsOf(from, to) : withCaller - sessionsOf(Number.MIN_SAFE_INTEGER, from);
  return { ...totals, newCallers, newCallerSessions, returningCallerSessions: withCaller - newCallerSessions };
}

/**
 * Sessions per local hour and mode, folded into days and the week grid. A whole UTC hour is a whole
 * local hour when every offset is whole hours and changes on the hour (nearly every zone): then the
 * rollup answers. Otherwise (India's +5:30, Nepal's +5:45) the calendar is grouped from the index.
 */
function calendarOf(db: ReadableDB, parts: Parts, offsets: UtcOffsets): { days: OverviewDay[]; weekHours: number[] } {
  const rows: Array<{ hour: number; mode: number; n: number }> = [];
  // The first segment's start does not matter: its offset also applies before it.
  const wholeHours = offsets.every((segment, i) => segment.offsetMinutes % 60 === 0 && (i === 0 || segment.from % HOUR_MS === 0));
  const raw = wholeHours ? parts.edges : [...parts.edges, ...(parts.hours ? [{ from: parts.hours.first * HOUR_MS, to: parts.hours.end * HOUR_MS }] : [])];
  if (wholeHours && parts.hours) {
    const utc = statement(db, 'SELECT hour, mode, sessions AS n FROM overview_hours WHERE hour >= ? AND hour < ? AND sessions > 0').all(parts.hours.first, parts.hours.end) as Array<{
      hour: number;
      mode: number;
      n: number;
    }>;
    for (const row of utc) rows.push({ ...row, hour: row.hour + offsetAt(offsets, row.hour * HOUR_MS) / HOUR_MS });
  }
  const local = localMs('s.sort_at_ms', offsets);
  for (const span of raw) {
    rows.push(
      ...(statement(
        db,
        `SELECT ${local.sql} / ${HOUR_MS} AS hour, ${MODE} AS mode, count(*) AS n
         FROM sessions s INDEXED BY sessions_overview WHERE s.sort_at_ms >= ? AND s.sort_at_ms < ? GROUP BY hour, mode`,
      ).all(...local.params, span.from, span.to) as Array<{ hour: number; mode: number; n: number }>),
    );
  }
  const weekHours = new Array<number>(7 * 24).fill(0);
  const days = new Map<number, OverviewDay>();
  for (const row of rows) {
    const dayNumber = Math.floor(row.hour / 24);
    weekHours[((dayNumber + 4) % 7) * 24 + (row.hour % 24)]! += row.n;
    let day = days.get(dayNumber);
    if (!day) {
      day = { day: dayNumber, voice: 0, text: 0, other: 0 };
      days.set(dayNumber, day);
    }
    if (row.mode === 0) day.voice += row.n;
    else if (row.mode === 1) day.text += row.n;
    else day.other += row.n;
  }
  return { days: [...days.values()].filter((day) => day.voice + day.text + day.other > 0).sort((a, b) => a.day - b.day), weekHours };
}
