/**
 * The Overview page's numbers for a period and the one before it (sqlite/reads/overview.ts in
 * PostgreSQL). Whole UTC hours come from the hourly rollups (migration 6, rollups.ts: a year is a
 * few thousand rows per mode, reason, bucket or tool, summed over their connection slots), the parts
 * of the period that are not whole hours from the sessions' time index (at most two hours); only
 * groups come back, never sessions. Everything reads one snapshot (a REPEATABLE READ, READ ONLY
 * transaction on a connection of its own), so the charts add up with each other while hubs keep
 * committing.
 */
import type pg from 'pg';
import { DURATION_BUCKETS, HOUR_MS, offsetAt, type Overview, type OverviewArgs, type OverviewDay, type OverviewTool, type OverviewTotals, type UtcOffsets } from '../../../../../shared/overview.js';
import { all, one, type Db } from '../db.js';
import { localMs } from './local-time.js';

/** A message that is a tool call (the projection stores a call's fields on its message). */
export const TOOL_CALL = '(m.tool_name IS NOT NULL OR m.tool_arguments IS NOT NULL OR m.tool_result IS NOT NULL OR m.tool_error IS NOT NULL)';
const MODE = "CASE s.mode WHEN 'voice' THEN 0 WHEN 'text' THEN 1 ELSE 2 END";
/** The DURATION_BUCKETS index of s.duration_seconds (the rollup's bucket). */
const BUCKET = `CASE ${DURATION_BUCKETS.map((bucket, i) => (bucket.below === null ? `ELSE ${i}` : `WHEN s.duration_seconds < ${bucket.below} THEN ${i}`)).join(' ')} END`;
const IN_SPAN = 's.sort_at_ms >= ? AND s.sort_at_ms < ?';
const IN_HOURS = 'hour >= ? AND hour < ?';

/** A period cut into the whole UTC hours the rollups answer and the edges sessions answer. */
interface Parts {
  /** Whole hours [first, end) (hour = ms / 3,600,000), or null when the period holds none. */
  hours: { first: number; end: number } | null;
  edges: Array<{ from: number; to: number }>;
}

function partsOf(from: number, to: number): Parts {
  const first = Math.ceil(from / HOUR_MS);
  const end = Math.floor(to / HOUR_MS);
  if (first >= end) return { hours: null, edges: from < to ? [{ from, to }] : [] };
  return {
    hours: { first, end },
    edges: [
      { from, to: first * HOUR_MS },
      { from: end * HOUR_MS, to },
    ].filter((edge) => edge.from < edge.to),
  };
}

/** The rollups' hour range and each edge, as query parameters for a rollup query and a sessions query. */
function spans(parts: Parts): Array<{ rollup: boolean; params: [number, number] }> {
  return [
    ...(parts.hours ? [{ rollup: true, params: [parts.hours.first, parts.hours.end] as [number, number] }] : []),
    ...parts.edges.map((edge) => ({ rollup: false, params: [edge.from, edge.to] as [number, number] })),
  ];
}

type CallerCounts = Pick<OverviewTotals, 'newCallers' | 'newCallerSessions' | 'returningCallerSessions'>;
/** The sums of sessions themselves, with how many had a known caller (not shown: new + returning). */
type SessionTotals = Omit<OverviewTotals, keyof CallerCounts> & { withCaller: number };

export async function overview(pool: pg.Pool, options: OverviewArgs & { now: number }): Promise<Overview> {
  const { from, to, now } = options;
  const previousFrom = from - (to - from);
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const parts = partsOf(from, to);
    const totals = await withCallers(client, await totalsOf(client, parts), from, to);
    const previous = await withCallers(client, await totalsOf(client, partsOf(previousFrom, from)), previousFrom, from);
    const reasons = await reasonsOf(client, parts);
    const result: Overview = {
      from,
      to,
      previousFrom,
      totals,
      previous,
      ...(await calendarOf(client, parts, options.utcOffsets)),
      durations: await durationsOf(client, parts),
      reasons,
      noReason: totals.calls - reasons.reduce((sum, row) => sum + row.calls, 0),
      tools: await toolsOf(client, parts),
      unknownCallerSessions: totals.calls - totals.newCallerSessions - totals.returningCallerSessions,
      followUps: await followUpsOf(client, from, to, now),
    };
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function totalsOf(db: Db, parts: Parts): Promise<SessionTotals> {
  const totals: SessionTotals = { calls: 0, voice: 0, text: 0, timed: 0, durationSeconds: 0, toolCalls: 0, toolFailures: 0, files: 0, sessionsWithFiles: 0, withCaller: 0 };
  for (const span of spans(parts)) {
    const row = (await one<SessionTotals>(
      db,
      span.rollup
        ? `SELECT sum(sessions) AS calls, sum(sessions) FILTER (WHERE mode = 0) AS voice, sum(sessions) FILTER (WHERE mode = 1) AS text,
                  sum(timed) AS timed, sum(seconds) AS "durationSeconds", sum(tool_calls) AS "toolCalls", sum(tool_failures) AS "toolFailures",
                  sum(files) AS files, sum(with_files) AS "sessionsWithFiles", sum(with_caller) AS "withCaller"
           FROM overview_hours WHERE ${IN_HOURS}`
        : `SELECT count(*) AS calls, count(*) FILTER (WHERE s.mode = 'voice') AS voice, count(*) FILTER (WHERE s.mode = 'text') AS text,
                  count(s.duration_seconds) AS timed, sum(s.duration_seconds) AS "durationSeconds",
                  sum(s.tool_call_count) AS "toolCalls", sum(s.tool_error_count) AS "toolFailures",
                  sum(s.file_count) AS files, count(*) FILTER (WHERE s.file_count > 0) AS "sessionsWithFiles", count(s.caller_key) AS "withCaller"
           FROM sessions s WHERE ${IN_SPAN}`,
      span.params,
    ))!;
    for (const key of Object.keys(totals) as Array<keyof SessionTotals>) totals[key] += row[key] ?? 0;
  }
  return totals;
}

/**
 * New callers of [from, to): their first session in the archive is in it (a range of
 * caller_firsts). Their sessions in the period are counted caller by caller on the caller index,
 * or, when callers known from before are fewer, theirs are and the rest of the period's sessions
 * with a known caller are the new callers': the cost follows the smaller group.
 */
async function withCallers(db: Db, sums: SessionTotals, from: number, to: number): Promise<OverviewTotals> {
  const { withCaller, ...totals } = sums;
  const counts = (await one<{ newCallers: number; knownBefore: number }>(
    db,
    `SELECT count(*) FILTER (WHERE first_at >= ?) AS "newCallers", count(*) FILTER (WHERE first_at < ?) AS "knownBefore"
     FROM caller_firsts WHERE first_at < ?`,
    [from, from, to],
  ))!;
  const sessionsOf = async (low: number | null, high: number) =>
    (await one<{ n: number }>(
      db,
      `SELECT coalesce(sum((SELECT count(*) FROM sessions s WHERE s.caller_key = c.caller_key AND ${IN_SPAN})), 0) AS n
       FROM caller_firsts c WHERE ${low === null ? '' : 'c.first_at >= ? AND '}c.first_at < ?`,
      [from, to, ...(low === null ? [] : [low]), high],
    ))!.n;
  const newCallerSessions = counts.newCallers <= counts.knownBefore ? await sessionsOf(from, to) : withCaller - (await sessionsOf(null, from));
  return { ...totals, newCallers: counts.newCallers, newCallerSessions, returningCallerSessions: withCaller - newCallerSessions };
}

async function reasonsOf(db: Db, parts: Parts): Promise<Overview['reasons']> {
  const reasons = new Map<string, number>();
  for (const span of spans(parts)) {
    const rows = await all<{ reason: string; n: number }>(
      db,
      span.rollup
        ? `SELECT reason, sum(sessions) AS n FROM overview_hour_reasons WHERE ${IN_HOURS} GROUP BY reason`
        : `SELECT s.reason, count(*) AS n FROM sessions s WHERE ${IN_SPAN} AND s.reason IS NOT NULL GROUP BY s.reason`,
      span.params,
    );
    for (const row of rows) reasons.set(row.reason, (reasons.get(row.reason) ?? 0) + row.n);
  }
  return [...reasons]
    .filter(([, calls]) => calls > 0)
    .map(([reason, calls]) => ({ reason, calls }))
    .sort((a, b) => b.calls - a.calls || a.reason.localeCompare(b.reason));
}

async function durationsOf(db: Db, parts: Parts): Promise<number[]> {
  const durations = DURATION_BUCKETS.map(() => 0);
  for (const span of spans(parts)) {
    const rows = await all<{ bucket: number; n: number }>(
      db,
      span.rollup
        ? `SELECT bucket, sum(sessions) AS n FROM overview_hour_durations WHERE ${IN_HOURS} GROUP BY bucket`
        : `SELECT ${BUCKET} AS bucket, count(*) AS n FROM sessions s WHERE ${IN_SPAN} AND s.duration_seconds IS NOT NULL GROUP BY 1`,
      span.params,
    );
    for (const row of rows) durations[row.bucket]! += row.n;
  }
  return durations;
}

/** Tool calls per name: the tool rollup for whole hours, session_tools (by start) for the edges. */
async function toolsOf(db: Db, parts: Parts): Promise<OverviewTool[]> {
  const tools = new Map<string, OverviewTool>();
  for (const span of spans(parts)) {
    const rows = await all<OverviewTool>(
      db,
      span.rollup
        ? `SELECT tool_name AS name, sum(calls) AS calls, sum(failures) AS failures, sum(sessions) AS sessions, sum(failed_sessions) AS "failedSessions"
           FROM overview_hour_tools WHERE ${IN_HOURS} GROUP BY tool_name`
        : `SELECT tool_name AS name, sum(calls) AS calls, sum(failures) AS failures, count(*) AS sessions, count(*) FILTER (WHERE failures > 0) AS "failedSessions"
           FROM session_tools WHERE sort_at_ms >= ? AND sort_at_ms < ? GROUP BY tool_name`,
      span.params,
    );
    for (const row of rows) {
      const tool = tools.get(row.name) ?? { name: row.name, calls: 0, failures: 0, sessions: 0, failedSessions: 0 };
      tool.calls += row.calls;
      tool.failures += row.failures;
      tool.sessions += row.sessions;
      tool.failedSessions += row.failedSessions;
      tools.set(row.name, tool);
    }
  }
  return [...tools.values()].filter((tool) => tool.sessions > 0).sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name));
}

/** follow_ups keeps its session's start (the triage refreshes it), so this reads only follow-ups (follow_ups_by_time). */
async function followUpsOf(db: Db, from: number, to: number, now: number): Promise<Overview['followUps']> {
  return (await one<Overview['followUps']>(
    db,
    `SELECT count(*) FILTER (WHERE f.state = 'follow-up' AND (f.snoozed_until IS NULL OR f.snoozed_until <= ?)) AS "followUp",
            count(*) FILTER (WHERE f.state = 'follow-up' AND f.snoozed_until > ?) AS snoozed,
            count(*) FILTER (WHERE f.state = 'done') AS done
     FROM follow_ups f WHERE f.sort_at_ms >= ? AND f.sort_at_ms < ?`,
    [now, now, from, to],
  ))!;
}

/**
 * Sessions per local hour and mode, folded into days and the week grid. A whole UTC hour is a whole
 * local hour when every offset is whole hours and changes on the hour (nearly every zone): then the
 * rollup answers. Otherwise (India's +5:30, Nepal's +5:45) the calendar is grouped from the index.
 */
async function calendarOf(db: Db, parts: Parts, offsets: UtcOffsets): Promise<{ days: OverviewDay[]; weekHours: number[] }> {
  const rows: Array<{ hour: number; mode: number; n: number }> = [];
  // The first segment's start does not matter: its offset also applies before it.
  const wholeHours = offsets.every((segment, i) => segment.offsetMinutes % 60 === 0 && (i === 0 || segment.from % HOUR_MS === 0));
  const raw = wholeHours ? parts.edges : [...parts.edges, ...(parts.hours ? [{ from: parts.hours.first * HOUR_MS, to: parts.hours.end * HOUR_MS }] : [])];
  if (wholeHours && parts.hours) {
    const utc = await all<{ hour: number; mode: number; n: number }>(
      db,
      `SELECT hour, mode, sum(sessions) AS n FROM overview_hours WHERE ${IN_HOURS} GROUP BY hour, mode HAVING sum(sessions) > 0`,
      [parts.hours.first, parts.hours.end],
    );
    for (const row of utc) rows.push({ ...row, hour: row.hour + offsetAt(offsets, row.hour * HOUR_MS) / HOUR_MS });
  }
  const local = localMs('s.sort_at_ms', offsets);
  for (const span of raw) {
    rows.push(
      ...(await all<{ hour: number; mode: number; n: number }>(
        db,
        `SELECT ${local.sql} / ${HOUR_MS} AS hour, ${MODE} AS mode, count(*) AS n FROM sessions s WHERE ${IN_SPAN} GROUP BY 1, 2`,
        [...local.params, span.from, span.to],
      )),
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
