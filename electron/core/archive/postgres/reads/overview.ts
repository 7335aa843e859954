/**
 * The Overview page's numbers for a period and the one before it (sqlite/reads/overview.ts in
 * PostgreSQL). The server groups the sessions of the period on the time index (sessions_by_time);
 * only groups come back, never sessions. Everything reads one snapshot (a REPEATABLE READ, READ
 * ONLY transaction on a connection of its own), so the charts add up with each other while hubs
 * keep committing.
 */
import type pg from 'pg';
import { DURATION_BUCKETS, HOUR_MS, type Overview, type OverviewArgs, type OverviewDay, type OverviewTool, type OverviewTotals, type UtcOffsets } from '../../../../../shared/overview.js';
import { all, one, type Db } from '../db.js';
import { localMs } from './local-time.js';

/** A message that is a tool call (the projection stores a call's fields on its message). */
export const TOOL_CALL = '(m.tool_name IS NOT NULL OR m.tool_arguments IS NOT NULL OR m.tool_result IS NOT NULL OR m.tool_error IS NOT NULL)';
const MODE = "CASE s.mode WHEN 'voice' THEN 0 WHEN 'text' THEN 1 ELSE 2 END";
/** The DURATION_BUCKETS index of s.duration_seconds. */
const BUCKET = `CASE ${DURATION_BUCKETS.map((bucket, i) => (bucket.below === null ? `ELSE ${i}` : `WHEN s.duration_seconds < ${bucket.below} THEN ${i}`)).join(' ')} END`;
const IN_PERIOD = 's.sort_at_ms >= ? AND s.sort_at_ms < ?';

export async function overview(pool: pg.Pool, options: OverviewArgs & { now: number }): Promise<Overview> {
  const { from, to, now } = options;
  const previousFrom = from - (to - from);
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const totals = await totalsOf(client, from, to);
    const previous = await totalsOf(client, previousFrom, from);
    const reasons = await reasonsOf(client, from, to);
    const result: Overview = {
      from,
      to,
      previousFrom,
      totals,
      previous,
      ...(await calendarOf(client, from, to, options.utcOffsets)),
      durations: await durationsOf(client, from, to),
      reasons,
      noReason: totals.calls - reasons.reduce((sum, row) => sum + row.calls, 0),
      tools: await toolsOf(client, from, to),
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

async function totalsOf(db: Db, from: number, to: number): Promise<OverviewTotals> {
  const sums = (await one<Omit<OverviewTotals, 'newCallers' | 'newCallerSessions' | 'returningCallerSessions'>>(
    db,
    `SELECT count(*) AS calls, count(*) FILTER (WHERE s.mode = 'voice') AS voice, count(*) FILTER (WHERE s.mode = 'text') AS text,
            count(s.duration_seconds) AS timed, coalesce(sum(s.duration_seconds), 0) AS "durationSeconds",
            coalesce(sum(s.tool_call_count), 0) AS "toolCalls", coalesce(sum(s.tool_error_count), 0) AS "toolFailures",
            coalesce(sum(s.file_count), 0) AS files, count(*) FILTER (WHERE s.file_count > 0) AS "sessionsWithFiles"
     FROM sessions s WHERE ${IN_PERIOD}`,
    [from, to],
  ))!;
  // A caller is new when none of their sessions (sessions_by_caller) started before the period.
  const callers = (await one<{ newCallers: number; newCallerSessions: number; withCaller: number }>(
    db,
    `WITH period AS (
       SELECT s.caller_key, count(*) AS n FROM sessions s WHERE ${IN_PERIOD} AND s.caller_key IS NOT NULL GROUP BY s.caller_key
     ), marked AS (
       SELECT p.n, NOT EXISTS (SELECT 1 FROM sessions e WHERE e.caller_key = p.caller_key AND e.sort_at_ms < ?) AS new FROM period p
     )
     SELECT count(*) FILTER (WHERE new) AS "newCallers", coalesce(sum(n) FILTER (WHERE new), 0) AS "newCallerSessions", coalesce(sum(n), 0) AS "withCaller"
     FROM marked`,
    [from, to, from],
  ))!;
  return {
    ...sums,
    newCallers: callers.newCallers,
    newCallerSessions: callers.newCallerSessions,
    returningCallerSessions: callers.withCaller - callers.newCallerSessions,
  };
}

async function reasonsOf(db: Db, from: number, to: number): Promise<Overview['reasons']> {
  const rows = await all<{ reason: string; calls: number }>(
    db,
    `SELECT s.reason, count(*) AS calls FROM sessions s WHERE ${IN_PERIOD} AND s.reason IS NOT NULL GROUP BY s.reason`,
    [from, to],
  );
  return rows.sort((a, b) => b.calls - a.calls || a.reason.localeCompare(b.reason));
}

async function durationsOf(db: Db, from: number, to: number): Promise<number[]> {
  const durations = DURATION_BUCKETS.map(() => 0);
  const rows = await all<{ bucket: number; n: number }>(
    db,
    `SELECT ${BUCKET} AS bucket, count(*) AS n FROM sessions s WHERE ${IN_PERIOD} AND s.duration_seconds IS NOT NULL GROUP BY bucket`,
    [from, to],
  );
  for (const row of rows) durations[row.bucket]! += row.n;
  return durations;
}

/** Tool calls per name, from the period's sessions' messages (their unique (session_id, seq) index). */
async function toolsOf(db: Db, from: number, to: number): Promise<OverviewTool[]> {
  const rows = await all<OverviewTool>(
    db,
    `WITH per_session AS (
       SELECT coalesce(m.tool_name, '') AS name, count(*) AS calls, count(m.tool_error) AS failures
       FROM sessions s JOIN messages m ON m.session_id = s.session_id
       WHERE ${IN_PERIOD} AND ${TOOL_CALL}
       GROUP BY s.session_id, coalesce(m.tool_name, '')
     )
     SELECT name, sum(calls) AS calls, sum(failures) AS failures, count(*) AS sessions, count(*) FILTER (WHERE failures > 0) AS "failedSessions"
     FROM per_session GROUP BY name`,
    [from, to],
  );
  return rows.sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name));
}

async function followUpsOf(db: Db, from: number, to: number, now: number): Promise<Overview['followUps']> {
  return (await one<Overview['followUps']>(
    db,
    `SELECT count(*) FILTER (WHERE f.state = 'follow-up' AND (f.snoozed_until IS NULL OR f.snoozed_until <= ?)) AS "followUp",
            count(*) FILTER (WHERE f.state = 'follow-up' AND f.snoozed_until > ?) AS snoozed,
            count(*) FILTER (WHERE f.state = 'done') AS done
     FROM sessions s JOIN follow_ups f ON f.session_id = s.session_id WHERE ${IN_PERIOD}`,
    [now, now, from, to],
  ))!;
}

/** Sessions per local hour and mode, folded into days and the week grid. */
async function calendarOf(db: Db, from: number, to: number, offsets: UtcOffsets): Promise<{ days: OverviewDay[]; weekHours: number[] }> {
  const local = localMs('s.sort_at_ms', offsets);
  const rows = await all<{ hour: number; mode: number; n: number }>(
    db,
    `SELECT ${local.sql} / ${HOUR_MS} AS hour, ${MODE} AS mode, count(*) AS n FROM sessions s WHERE ${IN_PERIOD} GROUP BY 1, 2`,
    [...local.params, from, to],
  );
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
  return { days: [...days.values()].sort((a, b) => a.day - b.day), weekHours };
}
