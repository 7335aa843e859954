/**
 * The Overview page's numbers for a period and the one before it (sqlite/reads/overview.ts in
 * PostgreSQL). Whole UTC hours come from the hourly rollups (migration 6, rollups.ts: a year is a
 * few thousand rows per mode, reason, bucket or tool, summed over their connection slots), the parts
 * of the period that are not whole hours from the sessions' time index (at most two hours); only
 * groups come back, never sessions. Every query goes in one round trip (QueryBatch) and reads one
 * snapshot (a REPEATABLE READ, READ ONLY transaction on a connection of its own), so the charts add
 * up with each other while hubs keep committing.
 */
import type pg from 'pg';
import { DURATION_BUCKETS, HOUR_MS, type Overview, type OverviewArgs, type OverviewDay, type OverviewTool, type OverviewTotals, type UtcOffsets } from '../../../../../shared/overview.js';
import { localMs } from './local-time.js';
import { partsOf, type Parts } from '../../rows/overview.js';

/** A message that is a tool call (the projection stores a call's fields on its message). */
export const TOOL_CALL = '(m.tool_name IS NOT NULL OR m.tool_arguments IS NOT NULL OR m.tool_result IS NOT NULL OR m.tool_error IS NOT NULL)';
const MODE = "CASE s.mode WHEN 'voice' THEN 0 WHEN 'text' THEN 1 ELSE 2 END";
/** The DURATION_BUCKETS index of s.duration_seconds (the rollup's bucket). */
const BUCKET = `CASE ${DURATION_BUCKETS.map((bucket, i) => (bucket.below === null ? `ELSE ${i}` : `WHEN s.duration_seconds < ${bucket.below} THEN ${i}`)).join(' ')} END`;
const IN_SPAN = 's.sort_at_ms >= ? AND s.sort_at_ms < ?';
const IN_HOURS = 'hour >= ? AND hour < ?';


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
type Row = Record<string, unknown>;

/**
 * The read's queries, sent together: one round trip instead of about twenty-five (each cost 1–3 ms
 * on a busy machine, more than most queries themselves). Several statements in one string go by
 * the simple query protocol, which takes no bound parameters, so the values are written in as
 * literals: they are all numbers (times in ms, hours, offsets), checked to be integers here.
 */
class QueryBatch {
  private readonly statements: string[] = [];

  /** Adds a statement; the function it returns picks that statement's rows out of the results. */
  add(sql: string, params: readonly number[]): (results: pg.QueryResult[]) => Row[] {
    let next = 0;
    this.statements.push(
      sql.replace(/\?/g, () => {
        const value = params[next++];
        if (value === undefined || !Number.isSafeInteger(value)) throw new TypeError(`an overview query parameter is not an integer: ${String(value)}`);
        return `(${value})`;
      }),
    );
    if (next !== params.length) throw new TypeError(`an overview query takes ${next} parameters, not ${params.length}`);
    const index = this.statements.length; // results[0] is BEGIN's
    return (results) => results[index]!.rows as Row[];
  }

  async run(client: pg.PoolClient): Promise<pg.QueryResult[]> {
    const text = ['BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', ...this.statements, 'COMMIT'].join(';\n');
    return (await client.query(text)) as unknown as pg.QueryResult[];
  }
}

export async function overview(pool: pg.Pool, options: OverviewArgs & { now: number }): Promise<Overview> {
  const { from, to, now } = options;
  const previousFrom = from - (to - from);
  const parts = partsOf(from, to);
  const batch = new QueryBatch();
  const totals = totalsOf(batch, parts, from, to);
  const previous = totalsOf(batch, partsOf(previousFrom, from), previousFrom, from);
  const reasons = reasonsOf(batch, parts);
  const calendar = calendarOf(batch, parts, options.utcOffsets);
  const durations = durationsOf(batch, parts);
  const tools = toolsOf(batch, parts);
  const followUps = followUpsOf(batch, from, to, now);
  const client = await pool.connect();
  let results: pg.QueryResult[];
  try {
    results = await batch.run(client);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  const current = totals(results);
  const reasonRows = reasons(results);
  return {
    from,
    to,
    previousFrom,
    totals: current,
    previous: previous(results),
    ...calendar(results),
    durations: durations(results),
    reasons: reasonRows,
    noReason: current.calls - reasonRows.reduce((sum, row) => sum + row.calls, 0),
    tools: tools(results),
    unknownCallerSessions: current.calls - current.newCallerSessions - current.returningCallerSessions,
    followUps: followUps(results),
  };
}

const num = (value: unknown) => (value === null || value === undefined ? 0 : Number(value));

function totalsOf(batch: QueryBatch, parts: Parts, from: number, to: number): (results: pg.QueryResult[]) => OverviewTotals {
  const pickers = spans(parts).map((span) =>
    batch.add(
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
    ),
  );
  const callers = callersOf(batch, from, to);
  return (results) => {
    const totals: SessionTotals = { calls: 0, voice: 0, text: 0, timed: 0, durationSeconds: 0, toolCalls: 0, toolFailures: 0, files: 0, sessionsWithFiles: 0, withCaller: 0 };
    for (const pick of pickers) {
      const row = pick(results)[0]!;
      for (const key of Object.keys(totals) as Array<keyof SessionTotals>) totals[key] += num(row[key]);
    }
    const { withCaller, ...sums } = totals;
    const row = callers(results)[0]!;
    // Whichever side was counted (see callersOf): the new callers' sessions, or the others'.
    const newCallerSessions = row.newDirect === null ? withCaller - num(row.knownBeforeSessions) : num(row.newDirect);
    return { ...sums, newCallers: num(row.newCallers), newCallerSessions, returningCallerSessions: withCaller - newCallerSessions };
  };
}

/**
 * New callers of [from, to): their first session in the archive is in it (a range of
 * caller_firsts). Their sessions in the period are counted caller by caller on the caller index,
 * or, when callers known from before are fewer, theirs are and the rest of the period's sessions
 * with a known caller are the new callers': the cost follows the smaller group (CASE runs only the
 * branch it takes).
 */
function callersOf(batch: QueryBatch, from: number, to: number): (results: pg.QueryResult[]) => Row[] {
  const sessionsOf = (range: string) =>
    `(SELECT coalesce(sum((SELECT count(*) FROM sessions s WHERE s.caller_key = f.caller_key AND ${IN_SPAN})), 0) FROM caller_firsts f WHERE ${range})`;
  return batch.add(
    `WITH c AS (SELECT count(*) FILTER (WHERE first_at >= ?) AS new, count(*) FILTER (WHERE first_at < ?) AS before FROM caller_firsts WHERE first_at < ?)
     SELECT c.new AS "newCallers",
            CASE WHEN c.new <= c.before THEN ${sessionsOf('f.first_at >= ? AND f.first_at < ?')} END AS "newDirect",
            CASE WHEN c.new > c.before THEN ${sessionsOf('f.first_at < ?')} END AS "knownBeforeSessions"
     FROM c`,
    [from, from, to, from, to, from, to, from, to, from],
  );
}

function reasonsOf(batch: QueryBatch, parts: Parts): (results: pg.QueryResult[]) => Overview['reasons'] {
  const pickers = spans(parts).map((span) =>
    batch.add(
      span.rollup
        ? `SELECT reason, sum(sessions) AS n FROM overview_hour_reasons WHERE ${IN_HOURS} GROUP BY reason`
        : `SELECT s.reason, count(*) AS n FROM sessions s WHERE ${IN_SPAN} AND s.reason IS NOT NULL GROUP BY s.reason`,
      span.params,
    ),
  );
  return (results) => {
    const reasons = new Map<string, number>();
    for (const pick of pickers) for (const row of pick(results)) reasons.set(String(row.reason), (reasons.get(String(row.reason)) ?? 0) + num(row.n));
    return [...reasons]
      .filter(([, calls]) => calls > 0)
      .map(([reason, calls]) => ({ reason, calls }))
      .sort((a, b) => b.calls - a.calls || a.reason.localeCompare(b.reason));
  };
}

function durationsOf(batch: QueryBatch, parts: Parts): (results: pg.QueryResult[]) => number[] {
  const pickers = spans(parts).map((span) =>
    batch.add(
      span.rollup
        ? `SELECT bucket, sum(sessions) AS n FROM overview_hour_durations WHERE ${IN_HOURS} GROUP BY bucket`
        : `SELECT ${BUCKET} AS bucket, count(*) AS n FROM sessions s WHERE ${IN_SPAN} AND s.duration_seconds IS NOT NULL GROUP BY 1`,
      span.params,
    ),
  );
  return (results) => {
    const durations = DURATION_BUCKETS.map(() => 0);
    for (const pick of pickers) for (const row of pick(results)) durations[num(row.bucket)]! += num(row.n);
    return durations;
  };
}

/** Tool calls per name: the tool rollup for whole hours, session_tools (by start) for the edges. */
function toolsOf(batch: QueryBatch, parts: Parts): (results: pg.QueryResult[]) => OverviewTool[] {
  const pickers = spans(parts).map((span) =>
    batch.add(
      span.rollup
        ? `SELECT tool_name AS name, sum(calls) AS calls, sum(failures) AS failures, sum(sessions) AS sessions, sum(failed_sessions) AS "failedSessions"
           FROM overview_hour_tools WHERE ${IN_HOURS} GROUP BY tool_name`
        : `SELECT tool_name AS name, sum(calls) AS calls, sum(failures) AS failures, count(*) AS sessions, count(*) FILTER (WHERE failures > 0) AS "failedSessions"
           FROM session_tools WHERE sort_at_ms >= ? AND sort_at_ms < ? GROUP BY tool_name`,
      span.params,
    ),
  );
  return (results) => {
    const tools = new Map<string, OverviewTool>();
    for (const pick of pickers) {
      for (const row of pick(results)) {
        const name = String(row.name);
        const tool = tools.get(name) ?? { name, calls: 0, failures: 0, sessions: 0, failedSessions: 0 };
        tool.calls += num(row.calls);
        tool.failures += num(row.failures);
        tool.sessions += num(row.sessions);
        tool.failedSessions += num(row.failedSessions);
        tools.set(name, tool);
      }
    }
    return [...tools.values()].filter((tool) => tool.sessions > 0).sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name));
  };
}

/** follow_ups keeps its session's start (the triage refreshes it), so this reads only follow-ups (follow_ups_by_time). */
function followUpsOf(batch: QueryBatch, from: number, to: number, now: number): (results: pg.QueryResult[]) => Overview['followUps'] {
  const pick = batch.add(
    `SELECT count(*) FILTER (WHERE f.state = 'follow-up' AND (f.snoozed_until IS NULL OR f.snoozed_until <= ?)) AS "followUp",
            count(*) FILTER (WHERE f.state = 'follow-up' AND f.snoozed_until > ?) AS snoozed,
            count(*) FILTER (WHERE f.state = 'done') AS done
     FROM follow_ups f WHERE f.sort_at_ms >= ? AND f.sort_at_ms < ?`,
    [now, now, from, to],
  );
  return (results) => {
    const row = pick(results)[0]!;
    return { followUp: num(row.followUp), snoozed: num(row.snoozed), done: num(row.done) };
  };
}

/**
 * Sessions per local hour and mode, folded into days and the week grid. A whole UTC hour is a whole
 * local hour when every offset is whole hours and changes on the hour (nearly every zone): then the
 * rollup answers. Otherwise (India's +5:30, Nepal's +5:45) the calendar is grouped from the index.
 */
function calendarOf(batch: QueryBatch, parts: Parts, offsets: UtcOffsets): (results: pg.QueryResult[]) => { days: OverviewDay[]; weekHours: number[] } {
  // The first segment's start does not matter: its offset also applies before it.
  const wholeHours = offsets.every((segment, i) => segment.offsetMinutes % 60 === 0 && (i === 0 || segment.from % HOUR_MS === 0));
  const raw = wholeHours ? parts.edges : [...parts.edges, ...(parts.hours ? [{ from: parts.hours.first * HOUR_MS, to: parts.hours.end * HOUR_MS }] : [])];
  // The rollup's hours are moved to local hours and folded on the server: a year is about a
  // thousand day × mode rows and the 168 week cells, not every hour × mode (20,000 rows to parse).
  const localHour = localMs(`hour * ${HOUR_MS}`, offsets);
  const folded =
    wholeHours && parts.hours
      ? batch.add(
          `WITH hours AS (
             SELECT ${localHour.sql} / ${HOUR_MS} AS local, mode, sum(sessions) AS n FROM overview_hours WHERE ${IN_HOURS} GROUP BY hour, mode
           ), cells AS (
             SELECT local / 24 AS day, mode, ((local / 24 + 4) % 7) * 24 + local % 24 AS cell, n FROM hours
           )
           SELECT day, mode, cell, sum(n) AS n FROM cells GROUP BY GROUPING SETS ((day, mode), (cell)) HAVING sum(n) <> 0`,
          [...localHour.params, parts.hours.first, parts.hours.end],
        )
      : null;
  const local = localMs('s.sort_at_ms', offsets);
  const spansOfSessions = raw.map((span) =>
    batch.add(`SELECT ${local.sql} / ${HOUR_MS} AS hour, ${MODE} AS mode, count(*) AS n FROM sessions s WHERE ${IN_SPAN} GROUP BY 1, 2`, [...local.params, span.from, span.to]),
  );
  return (results) => {
    const weekHours = new Array<number>(7 * 24).fill(0);
    const days = new Map<number, OverviewDay>();
    const addToDay = (dayNumber: number, mode: number, n: number) => {
      let day = days.get(dayNumber);
      if (!day) {
        day = { day: dayNumber, voice: 0, text: 0, other: 0 };
        days.set(dayNumber, day);
      }
      if (mode === 0) day.voice += n;
      else if (mode === 1) day.text += n;
      else day.other += n;
    };
    for (const row of folded?.(results) ?? []) {
      if (row.cell === null) addToDay(num(row.day), num(row.mode), num(row.n));
      else weekHours[num(row.cell)]! += num(row.n);
    }
    for (const pick of spansOfSessions) {
      for (const row of pick(results)) {
        const [hour, n] = [num(row.hour), num(row.n)];
        const dayNumber = Math.floor(hour / 24);
        weekHours[((dayNumber + 4) % 7) * 24 + (hour % 24)]! += n;
        addToDay(dayNumber, num(row.mode), n);
      }
    }
    return { days: [...days.values()].filter((day) => day.voice + day.text + day.other > 0).sort((a, b) => a.day - b.day), weekHours };
  };
}
