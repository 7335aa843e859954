/**
 * The PostgreSQL store's Overview rollups (postgres/rollups.ts, migration 6) on a real throwaway
 * cluster: after every way a session changes (ingest in either order, the triage identifying
 * callers and again after the caller settings change, erasing one session, a caller's sessions,
 * retention, the migration's backfill of an existing archive, two hubs ingesting at once), every
 * rollup equals the same numbers grouped from scratch from sessions and messages.
 */
import pg from 'pg';
import { expect, it } from 'vitest';
import { PostgresStore } from '../../electron/core/archive/postgres/postgres-store.js';
import { seededRandom, simulateSessions, type SimulatedSession } from '../../electron/core/simulator.js';
import type { SessionEndedPayload, SessionStartedPayload } from '../../shared/payload.js';
import { onCleanup } from '../support/fixtures.js';
import { describePostgres, usePostgresCluster } from '../support/postgres-fixture.js';

const NOW = Date.UTC(2026, 10, 20, 12);
const STALE = 2 * 3_600_000;
const ERASURE = { actor: 'owner', at: NOW };
const MODE = "CASE mode WHEN 'voice' THEN 0 WHEN 'text' THEN 1 ELSE 2 END";
const BUCKET =
  'CASE WHEN duration_seconds < 30 THEN 0 WHEN duration_seconds < 60 THEN 1 WHEN duration_seconds < 120 THEN 2 WHEN duration_seconds < 300 THEN 3 WHEN duration_seconds < 600 THEN 4 WHEN duration_seconds < 1200 THEN 5 ELSE 6 END';
const TOOL_CALL = '(m.tool_name IS NOT NULL OR m.tool_arguments IS NOT NULL OR m.tool_result IS NOT NULL OR m.tool_error IS NOT NULL)';
const TOOLS_PER_SESSION = `SELECT m.session_id, coalesce(m.tool_name, '') AS tool_name, s.sort_at_ms, count(*) AS calls, count(m.tool_error) AS failures
  FROM messages m JOIN sessions s ON s.session_id = m.session_id WHERE ${TOOL_CALL} GROUP BY 1, 2, 3`;

/** Each rollup as kept (its slots summed, rows that net to nothing left out) and as grouped from scratch. */
const ROLLUPS: Array<{ name: string; kept: string; scratch: string }> = [
  {
    name: 'overview_hours',
    kept: `SELECT hour, mode, sum(sessions) AS sessions, sum(timed) AS timed, round(sum(seconds) * 1000)::bigint AS ms, sum(tool_calls) AS tool_calls,
             sum(tool_failures) AS tool_failures, sum(files) AS files, sum(with_files) AS with_files, sum(with_caller) AS with_caller
           FROM overview_hours GROUP BY 1, 2
           HAVING (sum(sessions), sum(timed), sum(seconds), sum(tool_calls), sum(tool_failures), sum(files), sum(with_files), sum(with_caller)) <> (0, 0, 0, 0, 0, 0, 0, 0)`,
    scratch: `SELECT sort_at_ms / 3600000 AS hour, ${MODE} AS mode, count(*) AS sessions, count(duration_seconds) AS timed, round(coalesce(sum(duration_seconds), 0) * 1000)::bigint AS ms,
                sum(tool_call_count) AS tool_calls, sum(tool_error_count) AS tool_failures, sum(file_count) AS files, count(*) FILTER (WHERE file_count > 0) AS with_files,
                count(caller_key) AS with_caller
              FROM sessions GROUP BY 1, 2`,
  },
  {
    name: 'overview_hour_reasons',
    kept: 'SELECT hour, reason, sum(sessions) AS sessions FROM overview_hour_reasons GROUP BY 1, 2 HAVING sum(sessions) <> 0',
    scratch: 'SELECT sort_at_ms / 3600000 AS hour, reason, count(*) AS sessions FROM sessions WHERE reason IS NOT NULL GROUP BY 1, 2',
  },
  {
    name: 'overview_hour_durations',
    kept: 'SELECT hour, bucket, sum(sessions) AS sessions FROM overview_hour_durations GROUP BY 1, 2 HAVING sum(sessions) <> 0',
    scratch: `SELECT sort_at_ms / 3600000 AS hour, ${BUCKET} AS bucket, count(*) AS sessions FROM sessions WHERE duration_seconds IS NOT NULL GROUP BY 1, 2`,
  },
  {
    name: 'overview_hour_tools',
    kept: `SELECT hour, tool_name, sum(calls) AS calls, sum(failures) AS failures, sum(sessions) AS sessions, sum(failed_sessions) AS failed_sessions
           FROM overview_hour_tools GROUP BY 1, 2 HAVING (sum(calls), sum(failures), sum(sessions), sum(failed_sessions)) <> (0, 0, 0, 0)`,
    scratch: `SELECT t.sort_at_ms / 3600000 AS hour, t.tool_name, sum(t.calls) AS calls, sum(t.failures) AS failures, count(*) AS sessions,
                count(*) FILTER (WHERE t.failures > 0) AS failed_sessions
              FROM (${TOOLS_PER_SESSION}) t GROUP BY 1, 2`,
  },
  {
    name: 'session_tools',
    kept: 'SELECT session_id, tool_name, sort_at_ms, calls, failures FROM session_tools',
    scratch: TOOLS_PER_SESSION,
  },
  {
    name: 'caller_firsts',
    kept: 'SELECT caller_key, first_at FROM caller_firsts',
    scratch: 'SELECT caller_key, min(sort_at_ms) AS first_at FROM sessions WHERE caller_key IS NOT NULL GROUP BY 1',
  },
];

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Every rollup as kept and from scratch, in one snapshot; also how many sessions there are. */
async function rollups(url: string): Promise<{ sessions: number; kept: Record<string, string[]>; scratch: Record<string, string[]> }> {
  return withClient(url, async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const rows = async (sql: string) => (await client.query<{ row: string }>(`SELECT r::text AS row FROM (${sql}) r ORDER BY 1`)).rows.map((r) => r.row);
    const kept: Record<string, string[]> = {};
    const scratch: Record<string, string[]> = {};
    for (const rollup of ROLLUPS) {
      kept[rollup.name] = await rows(rollup.kept);
      scratch[rollup.name] = await rows(rollup.scratch);
    }
    const sessions = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM sessions')).rows[0]!.n);
    await client.query('COMMIT');
    return { sessions, kept, scratch };
  });
}

/** The rollups equal their from-scratch grouping (and are not trivially empty when sessions exist). */
async function expectRollupsExact(url: string, what: string): Promise<number> {
  const { sessions, kept, scratch } = await rollups(url);
  for (const rollup of ROLLUPS) expect(kept[rollup.name], `${rollup.name} ${what}`).toEqual(scratch[rollup.name]);
  if (sessions > 0) expect(kept.overview_hours!.length, `overview_hours ${what}`).toBeGreaterThan(0);
  return sessions;
}

function ingest(store: PostgresStore, payload: SessionStartedPayload | SessionEndedPayload) {
  return store.ingest({ payload, body: Buffer.from(JSON.stringify(payload)), source: 'webhook', receivedAt: NOW });
}

/** Sessions over four days before NOW: callers come back, tools fail, some are still going. */
function calls(count: number, seed: number): SimulatedSession[] {
  return [...simulateSessions(count, { seed, now: NOW - 3 * 3_600_000, spreadDays: 4 })];
}

/** Both events of each session in batches, every third session's end before its start (the start moves when it arrives). */
async function ingestAll(store: PostgresStore, sessions: SimulatedSession[], options: { openEvery?: number } = {}): Promise<void> {
  const random = seededRandom(sessions.length);
  const payloads = sessions.flatMap((s, i) => {
    if (options.openEvery && i % options.openEvery === 0) return [s.started];
    return i % 3 === 0 ? [s.ended, s.started] : [s.started, s.ended];
  });
  for (let i = 0; i < payloads.length; i += 40) {
    // A batch in flight together: the group committer puts them in one transaction or a few.
    const batch = payloads.slice(i, i + 40).sort(() => random() - 0.5);
    const seen = new Set<string>();
    const firsts = batch.filter((p) => {
      const first = !seen.has(p.sessionId);
      seen.add(p.sessionId);
      return first;
    });
    await Promise.all(firsts.map((p) => ingest(store, p)));
    await Promise.all(batch.filter((p) => !firsts.includes(p)).map((p) => ingest(store, p)));
  }
  await store.settled();
}

async function retriageAll(store: PostgresStore): Promise<void> {
  for (let after: number | undefined; ; ) {
    const page = await store.retriage({ after, budgetMs: 50, now: NOW, staleBefore: NOW - STALE });
    if (page.nextAfter === null) return;
    after = page.nextAfter;
  }
}

describePostgres('PostgreSQL overview rollups', () => {
  const cluster = usePostgresCluster();

  const open = async (url: string, options: Parameters<typeof PostgresStore.open>[1] = {}) => {
    const store = await PostgresStore.open(url, options);
    onCleanup(() => store.close().catch(() => undefined));
    return store;
  };

  it('equal a from-scratch GROUP BY after ingest, the triage, caller settings, erasing a session and a caller, and retention', async () => {
    const url = await cluster().createDatabase();
    const store = await open(url);
    const sessions = calls(90, 31);
    await ingestAll(store, sessions, { openEvery: 11 });
    expect(await expectRollupsExact(url, 'after ingest')).toBe(90);

    await retriageAll(store);
    await expectRollupsExact(url, 'after the triage');
    const callers = await withClient(url, async (c) => (await c.query<{ caller_key: string; n: string }>('SELECT caller_key, count(*) AS n FROM sessions WHERE caller_key IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1')).rows);
    expect(callers.length).toBeGreaterThan(1);
    expect(Number(callers[0]!.n)).toBeGreaterThan(1);

    // Caller identification from another field: most callers become unknown, then known again.
    const settings = await store.callerSettings();
    await store.saveCallerSettings({ ...settings, fields: ['no-such-field'] });
    await retriageAll(store);
    expect(await withClient(url, async (c) => (await c.query('SELECT 1 FROM sessions WHERE caller_key IS NOT NULL')).rowCount)).toBeLessThan(callers.length);
    await expectRollupsExact(url, 'after caller identification changed');
    await store.saveCallerSettings(settings);
    await retriageAll(store);
    await expectRollupsExact(url, 'after caller identification changed back');

    expect(await store.eraseSession(sessions[5]!.started.sessionId, { kind: 'session', ...ERASURE })).toBe(true);
    expect(await expectRollupsExact(url, 'after erasing a session')).toBe(89);

    const caller = callers[0]!;
    for (let erasureId: number | null | undefined, done = false; !done; ) {
      const page = await store.eraseSessions({ scope: { callerKey: caller.caller_key }, erasure: { kind: 'caller', ...ERASURE }, erasureId, budgetMs: 5_000 });
      ({ erasureId, done } = page);
    }
    const left = await expectRollupsExact(url, "after erasing a caller's sessions");
    expect(left).toBeLessThanOrEqual(89 - Number(caller.n));

    const before = NOW - 2 * 86_400_000;
    for (let erasureId: number | null | undefined, done = false; !done; ) {
      const page = await store.eraseSessions({ scope: { before }, erasure: { kind: 'retention', ...ERASURE }, erasureId, budgetMs: 5_000 });
      ({ erasureId, done } = page);
    }
    const kept = await expectRollupsExact(url, 'after retention');
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(left);
  }, 120_000);

  it('fills the rollups from an archive that existed before them, then keeps them', async () => {
    const url = await cluster().createDatabase();
    const old = await PostgresStore.open(url, { migrateTo: 4 });
    const sessions = calls(40, 32);
    await ingestAll(old, sessions.slice(0, 30));
    await old.close();
    await withClient(url, async (c) => expect((await c.query("SELECT to_regclass('overview_hours') AS t")).rows).toEqual([{ t: null }]));

    const store = await open(url);
    expect(await expectRollupsExact(url, 'after the migration')).toBe(30);
    await ingestAll(store, sessions.slice(30));
    await retriageAll(store);
    expect(await expectRollupsExact(url, 'after more ingest')).toBe(40);
  }, 120_000);

  it('lose no count when two hubs ingest the same hours at once, each delivery also reaching both', async () => {
    const url = await cluster().createDatabase();
    const [a, b] = [await open(url), await open(url)];
    const sessions = calls(120, 33);
    const payloads = sessions.flatMap((s, i) => (i % 4 === 0 ? [s.ended, s.started] : [s.started, s.ended]));
    // Every event goes to one hub; a quarter go to both (a retry reaching the other receiver).
    await Promise.all(
      [a, b].map(async (hub, h) => {
        for (let i = 0; i < payloads.length; i += 30) {
          const mine = payloads.slice(i, i + 30).filter((p, j) => (i + j) % 2 === h || (i + j) % 4 === 3);
          const started = mine.filter((p) => p.event === 'session.started');
          await Promise.all(started.map((p) => ingest(hub, p)));
          await Promise.all(mine.filter((p) => p.event !== 'session.started').map((p) => ingest(hub, p)));
        }
        await hub.settled();
      }),
    );
    await retriageAll(a);
    expect(await expectRollupsExact(url, 'after two hubs ingested')).toBe(120);
    const overview = await b.overview({ from: NOW - 5 * 86_400_000, to: NOW, utcOffsets: [{ from: NOW - 10 * 86_400_000, offsetMinutes: 60 }], now: NOW });
    expect(overview.totals.calls).toBe(120);
    expect(overview.days.reduce((sum, day) => sum + day.voice + day.text + day.other, 0)).toBe(120);
  }, 120_000);
});
