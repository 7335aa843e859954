/**
 * `verify --database`: the hub's database checked as thoroughly as `verify` checks a SQLite file
 * (sqlite/backup.ts checkArchiveFile), in one read-only snapshot on a connection of its own, so
 * receivers keep committing meanwhile and nothing is changed (no migration either).
 *
 * - the schema is one this build knows;
 * - every stored event (read in pages by id: a 100k-session hub is never in memory at once): its
 *   body is the bytes its checksum says, parses as JSON, and names the session and event of its row;
 * - the projection: every session row has its events and every event its session row, a session's
 *   status agrees with its events, its message and file counts with its rows, and its search
 *   document is there; no messages, files, follow-ups, notes or tags of a session that is gone;
 * - the kept counters equal the rows they count.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { all, value, type Db } from './db.js';
import { clientConfig, connectError } from './connect.js';
import { LATEST_VERSION } from './migrations.js';

export interface DatabaseCheck {
  ok: boolean;
  /** What is wrong, one line each, naming the rows (at most a few of each kind). */
  problems: string[];
  schemaVersion: number | null;
  counts: { sessions: number; events: number; messages: number } | null;
  /** What was checked, in words, for the summary line. */
  checked: string;
}

/** Events read per page: bodies are up to a few MB each. */
const PAGE = 500;
/** Rows named per kind of problem; the count says how many more. */
const NAMED = 5;

interface EventRow {
  id: number;
  session_id: string;
  event: string;
  body: Buffer;
  body_sha256: string;
}

export async function verifyDatabase(url: string): Promise<DatabaseCheck> {
  const client = new pg.Client(clientConfig(url, {}));
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw connectError(error, url);
  }
  const problems: string[] = [];
  try {
    const hasSchema = await value<string | null>(client, "SELECT to_regclass('archive_schema')::text");
    if (!hasSchema) return { ok: false, problems: ['not a CallAIder archive database (no archive_schema table): nothing was ever stored here, or this is another database'], schemaVersion: null, counts: null, checked: 'schema' };
    const schemaVersion = Number(await value<number | null>(client, 'SELECT max(version) FROM archive_schema')) || 0;
    if (schemaVersion > LATEST_VERSION) {
      return { ok: false, problems: [`schema ${schemaVersion} is newer than this version knows (${LATEST_VERSION}): update the app on this machine`], schemaVersion, counts: null, checked: 'schema' };
    }
    if (schemaVersion < LATEST_VERSION) problems.push(`schema ${schemaVersion}: this version's is ${LATEST_VERSION} (the next \`serve --database\` upgrades it; verify checks a database at this version's schema)`);
    if (problems.length > 0) return { ok: false, problems, schemaVersion, counts: null, checked: 'schema' };

    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const events = await checkEvents(client, problems);
    await checkProjection(client, problems);
    const counts = await checkCounters(client, problems);
    await client.query('COMMIT');
    return {
      ok: problems.length === 0,
      problems,
      schemaVersion,
      counts,
      checked: `${events} event bodies read and matched to their rows; sessions, messages, files, follow-ups, notes, tags, search documents and counters checked`,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Every event, a page at a time by id; returns how many were read. */
async function checkEvents(db: Db, problems: string[]): Promise<number> {
  const bad = { checksum: [] as string[], json: [] as string[], mismatch: [] as string[], kind: [] as string[] };
  const counts = { checksum: 0, json: 0, mismatch: 0, kind: 0 };
  const note = (kind: keyof typeof bad, text: string) => {
    counts[kind] += 1;
    if (bad[kind].length < NAMED) bad[kind].push(text);
  };
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let read = 0;
  let afterId = 0;
  for (;;) {
    const rows = await all<EventRow>(db, 'SELECT id, session_id, event, body, body_sha256 FROM events WHERE id > ? ORDER BY id LIMIT ?', [afterId, PAGE]);
    if (rows.length === 0) break;
    for (const row of rows) {
      read += 1;
      const name = `event ${row.id} (${row.session_id} ${row.event})`;
      if (row.event !== 'session.started' && row.event !== 'session.ended') note('kind', `${name}: "${row.event}" is not an event this archive stores`);
      if (createHash('sha256').update(row.body).digest('hex') !== row.body_sha256) note('checksum', `${name}: its body is not the bytes received (the checksum differs)`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(decoder.decode(row.body));
      } catch (error) {
        note('json', `${name}: its body is not JSON (${error instanceof Error ? error.message : String(error)})`);
        continue;
      }
      const body = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { sessionId?: unknown; event?: unknown };
      if (body.sessionId !== row.session_id || body.event !== row.event) {
        note('mismatch', `${name}: its body says ${JSON.stringify(body.sessionId ?? null)} ${JSON.stringify(body.event ?? null)}`);
      }
    }
    afterId = rows[rows.length - 1]!.id;
  }
  const heading = {
    kind: 'events of a kind this archive does not store',
    checksum: 'event bodies changed since they were stored',
    json: 'event bodies that do not parse',
    mismatch: 'event bodies whose sessionId or event differ from their row',
  };
  for (const kind of ['checksum', 'json', 'mismatch', 'kind'] as const) {
    if (counts[kind] === 0) continue;
    problems.push(`${counts[kind]} ${heading[kind]}: ${bad[kind].join('; ')}${counts[kind] > bad[kind].length ? '; …' : ''}`);
  }
  return read;
}

/** A query that lists offending session ids (and how many there are in all) becomes one problem line. */
async function listed(db: Db, problems: string[], description: string, sql: string): Promise<void> {
  const rows = await all<{ id: string; total: number }>(db, `SELECT id, count(*) OVER () AS total FROM (${sql}) AS offending LIMIT ${NAMED}`);
  if (rows.length === 0) return;
  const total = Number(rows[0]!.total);
  problems.push(`${total} ${description}: ${rows.map((row) => row.id).join(', ')}${total > rows.length ? ', …' : ''}`);
}

async function checkProjection(db: Db, problems: string[]): Promise<void> {
  await listed(db, problems, 'sessions without any stored event (a projection row with nothing under it)', 'SELECT s.session_id AS id FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.session_id = s.session_id) ORDER BY 1');
  await listed(db, problems, 'sessions whose stored events have no session row (not projected)', 'SELECT DISTINCT e.session_id AS id FROM events e WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.session_id = e.session_id) ORDER BY 1');
  await listed(
    db,
    problems,
    "sessions whose status disagrees with their events (ended without a session.ended event, or active with one)",
    `SELECT s.session_id AS id FROM sessions s
     WHERE (s.status = 'ended') <> EXISTS (SELECT 1 FROM events e WHERE e.session_id = s.session_id AND e.event = 'session.ended') ORDER BY 1`,
  );
  await listed(
    db,
    problems,
    'sessions whose message count differs from their messages',
    'SELECT s.session_id AS id FROM sessions s WHERE s.message_count <> (SELECT count(*) FROM messages m WHERE m.session_id = s.session_id) ORDER BY 1',
  );
  await listed(db, problems, 'sessions whose file count differs from their files', 'SELECT s.session_id AS id FROM sessions s WHERE s.file_count <> (SELECT count(*) FROM files f WHERE f.session_id = s.session_id) ORDER BY 1');
  await listed(db, problems, 'sessions without a search document (search cannot find them)', 'SELECT s.session_id AS id FROM sessions s WHERE s.search IS NULL ORDER BY 1');
  for (const table of ['messages', 'files', 'follow_ups', 'notes', 'session_tags'] as const) {
    await listed(db, problems, `${table.replace('_', ' ')} rows of sessions that are gone (orphans)`, `SELECT DISTINCT t.session_id AS id FROM ${table} t WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.session_id = t.session_id) ORDER BY 1`);
  }
}

/** The kept counters against the rows; returns the real counts. */
async function checkCounters(db: Db, problems: string[]): Promise<DatabaseCheck['counts']> {
  const kept = new Map((await all<{ name: string; value: number }>(db, 'SELECT name, value FROM counters')).map((row) => [row.name, Number(row.value)]));
  const real = (await all<Record<string, number>>(
    db,
    `SELECT (SELECT count(*) FROM sessions) AS sessions,
            (SELECT count(*) FROM sessions WHERE status = 'active') AS sessions_active,
            (SELECT count(*) FROM events) AS events,
            (SELECT count(*) FROM messages) AS messages,
            (SELECT count(*) FROM deliveries) AS deliveries,
            (SELECT count(*) FROM quarantine) AS quarantined,
            (SELECT coalesce(sum(size), 0) FROM quarantine) AS quarantined_bytes,
            (SELECT count(*) FROM follow_ups WHERE state = 'follow-up') AS follow_ups`,
  ))[0]!;
  for (const [name, count] of Object.entries(real)) {
    if ((kept.get(name) ?? 0) !== Number(count)) problems.push(`counts: the kept counter says ${kept.get(name) ?? 0} ${name.replace('_', ' ')}, the database holds ${Number(count)}`);
  }
  return { sessions: Number(real.sessions), events: Number(real.events), messages: Number(real.messages) };
}
