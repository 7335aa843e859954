import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ArchiveVersionError } from '../../electron/core/archive/errors.js';
import { migrate, openDatabase, userVersion } from '../../electron/core/archive/sqlite/database.js';
import { LATEST_VERSION, MIGRATIONS } from '../../electron/core/archive/sqlite/migrations.js';
import { SqliteStore } from '../../electron/core/archive/sqlite/sqlite-store.js';
import { sessionPair, tempDir } from '../support/fixtures.js';

const tables = (db: Database.Database) =>
  (db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'messages_fts%' ORDER BY name").all() as Array<{ name: string; sql: string }>);

describe('migrations', () => {
  it('are numbered 1..N without gaps', () => {
    const numbers = MIGRATIONS.map((m) => m.version);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    expect(LATEST_VERSION).toBe(numbers.length);
  });

  it('migration 1 creates the archive schema with STRICT tables and the full-text index', () => {
    const db = openDatabase(join(tempDir(), 'a.sqlite'), { migrateTo: 1 });
    expect(userVersion(db)).toBe(1);
    const created = tables(db);
    expect(created.map((t) => t.name)).toEqual(['deliveries', 'events', 'files', 'messages', 'quarantine', 'sessions']);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE name = 'sessions_fts'").get()).toBeUndefined();
    for (const table of created) expect(table.sql).toMatch(/\) STRICT$/);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE name = 'messages_fts'").get()).toBeTruthy();
    // The dedupe key is enforced by the schema, not by application code.
    db.prepare("INSERT INTO events (session_id, event, received_at, source, body, body_sha256) VALUES ('s', 'session.started', 0, 'webhook', x'00', '')").run();
    expect(() => db.prepare("INSERT INTO events (session_id, event, received_at, source, body, body_sha256) VALUES ('s', 'session.started', 0, 'webhook', x'00', '')").run()).toThrow(/UNIQUE/);
    // STRICT: a wrong type is an error, not a silent conversion.
    expect(() => db.prepare("INSERT INTO deliveries (received_at, method, path, outcome, status_code) VALUES ('yesterday', 'POST', '/', 'stored', 200)").run()).toThrow(/cannot store TEXT value in INTEGER column/);
    db.close();
  });

  it('migration 2 adds message id ranges, the metadata index and integer assistant ids to an existing archive', () => {
    const file = join(tempDir(), 'a.sqlite');
    const v1 = openDatabase(file, { migrateTo: 1 });
    v1.prepare(
      `INSERT INTO sessions (session_id, assistant_id, status, sort_at_ms, metadata, first_seen_at, updated_at)
       VALUES ('s1', 205.0, 'ended', 0, '{"callId":"CA-77","business":"Trattoria Nonna"}', 0, 0)`,
    ).run();
    for (const seq of [0, 1, 2]) v1.prepare("INSERT INTO messages (session_id, seq, role, content) VALUES ('s1', ?, 'user', 'hello')").run(seq);
    v1.close();
    const v2 = openDatabase(file, { migrateTo: 2 });
    expect(userVersion(v2)).toBe(2);
    expect(v2.prepare("SELECT first_message_id AS f, last_message_id AS l, typeof(assistant_id) AS t FROM sessions WHERE session_id = 's1'").get()).toEqual({ f: 1, l: 3, t: 'integer' });
    expect(v2.prepare("SELECT rowid FROM sessions_fts WHERE sessions_fts MATCH 'Trattoria'").all()).toHaveLength(1);
    // The index follows later changes by trigger.
    v2.prepare(`UPDATE sessions SET metadata = '{"business":"Bright Smile"}' WHERE session_id = 's1'`).run();
    expect(v2.prepare("SELECT rowid FROM sessions_fts WHERE sessions_fts MATCH 'Trattoria'").all()).toHaveLength(0);
    expect(v2.prepare("SELECT rowid FROM sessions_fts WHERE sessions_fts MATCH 'Bright'").all()).toHaveLength(1);
    v2.close();
  });

  it('migration 3 adds the tunnel outage log; migration 4 replaces the per-message index trigger', () => {
    const file = join(tempDir(), 'a.sqlite');
    const v3 = openDatabase(file, { migrateTo: 3 });
    expect(v3.prepare("SELECT name FROM sqlite_schema WHERE name IN ('tunnel_outages', 'messages_fts_insert') ORDER BY name").all()).toEqual([
      { name: 'messages_fts_insert' },
      { name: 'tunnel_outages' },
    ]);
    v3.close();
    const v4 = openDatabase(file, { migrateTo: 4 });
    expect(v4.prepare("SELECT name FROM sqlite_schema WHERE name = 'messages_fts_insert'").get()).toBeUndefined();
    // Deleting still cleans the index (that trigger stays).
    expect(v4.prepare("SELECT name FROM sqlite_schema WHERE name = 'messages_fts_delete'").get()).toBeTruthy();
    v4.close();
  });

  it('migration 5 queues events for projection; migration 6 indexes each session as one document', () => {
    const file = join(tempDir(), 'a.sqlite');
    const v5 = openDatabase(file, { migrateTo: 5 });
    v5.prepare(`INSERT INTO sessions (session_id, status, sort_at_ms, metadata, reason, first_seen_at, updated_at) VALUES ('s1', 'ended', 0, '{"business":"Trattoria Nonna"}', 'user_ended', 0, 0)`).run();
    v5.prepare("INSERT INTO messages (session_id, seq, role, content, tool_name, tool_error) VALUES ('s1', 0, 'tool', 'booking', 'create_reservation', 'fully booked')").run();
    v5.prepare("INSERT INTO events (session_id, event, received_at, source, body, body_sha256) VALUES ('s1', 'session.ended', 0, 'webhook', x'7b7d', '')").run();
    expect(v5.prepare('SELECT projected FROM events').get()).toEqual({ projected: 1 });
    v5.close();
    const v6 = openDatabase(file, { migrateTo: 6 });
    const find = (q: string) => v6.prepare('SELECT rowid FROM session_search WHERE session_search MATCH ?').all(q).length;
    expect([find('Trattoria'), find('create_reservation'), find('booked'), find('user_ended'), find('nothing')]).toEqual([1, 1, 1, 1, 0]);
    expect(v6.prepare("SELECT name FROM sqlite_schema WHERE name IN ('messages_fts', 'sessions_fts')").all()).toEqual([]);
    v6.close();
  });

  it('migration 7 drops the two unread indexes, and lookups by session still use an index', () => {
    const file = join(tempDir(), 'a.sqlite');
    const v6 = openDatabase(file, { migrateTo: 6 });
    const indexes = (db: typeof v6) =>
      db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name IN ('events_by_session', 'deliveries_by_time')").pluck().all();
    expect(indexes(v6)).toEqual(['deliveries_by_time', 'events_by_session']);
    v6.close();
    const v7 = openDatabase(file, { migrateTo: 7 });
    expect(indexes(v7)).toEqual([]);
    const plan = v7.prepare("EXPLAIN QUERY PLAN SELECT event FROM events WHERE session_id = 's1'").all() as Array<{ detail: string }>;
    expect(plan.map((step) => step.detail).join(' ')).toMatch(/USING (COVERING )?INDEX sqlite_autoindex_events_1/);
    v7.close();
  });

  it('migration 8 counts what a v7 archive holds, then keeps the counters exact through every change', () => {
    const file = join(tempDir(), 'a.sqlite');
    const v7 = openDatabase(file, { migrateTo: 7 });
    const event = v7.prepare("INSERT INTO events (session_id, event, received_at, source, body, body_sha256, projected) VALUES (?, ?, 0, 'webhook', x'7b7d', '', ?)");
    event.run('s1', 'session.started', 1);
    event.run('s1', 'session.ended', 1);
    event.run('s2', 'session.started', 0);
    event.run('s3', 'session.ended', -1);
    const session = v7.prepare("INSERT INTO sessions (session_id, status, sort_at_ms, message_count, first_seen_at, updated_at) VALUES (?, ?, 0, ?, 0, 0)");
    session.run('s1', 'ended', 3);
    session.run('s4', 'active', 0);
    for (const seq of [0, 1, 2]) v7.prepare("INSERT INTO messages (session_id, seq, role, content) VALUES ('s1', ?, 'user', 'hi')").run(seq);
    v7.prepare("INSERT INTO deliveries (received_at, method, path, outcome, status_code) VALUES (0, 'POST', '/webhook', 'stored', 200)").run();
    v7.prepare("INSERT INTO quarantine (received_at, failure, reason, body, size) VALUES (0, 'signature', 'x', x'00', 7)").run();
    v7.close();

    const db = openDatabase(file);
    const counters = () => Object.fromEntries((db.prepare('SELECT name, value FROM counters').all() as Array<{ name: string; value: number }>).map((r) => [r.name, r.value]));
    const expected = {
      events: 4, events_waiting: 1, events_failed: 1, sessions: 2, sessions_active: 1, messages: 3, deliveries: 1, quarantined: 1, quarantined_bytes: 7,
      follow_ups: 0, // migration 9's, kept from then on (sqlite-specifics checks it through a workload)
    };
    expect(counters()).toEqual(expected);
    db.prepare("UPDATE events SET projected = 1 WHERE session_id = 's2'").run();
    db.prepare("UPDATE sessions SET status = 'ended', message_count = 5 WHERE session_id = 's4'").run();
    db.prepare("DELETE FROM sessions WHERE session_id = 's1'").run();
    db.prepare("DELETE FROM events WHERE session_id = 's3'").run();
    db.prepare('DELETE FROM quarantine').run();
    db.prepare('DELETE FROM deliveries').run();
    expect(counters()).toEqual({
      ...expected, events: 3, events_waiting: 0, events_failed: 0, sessions: 1, sessions_active: 0, messages: 5, deliveries: 0, quarantined: 0, quarantined_bytes: 0,
    });
    // The stale-session count reads the partial index of active sessions only.
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT count(*) FROM sessions WHERE status = 'active' AND sort_at_ms < 5").all() as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/sessions_active/);
    db.close();
  });

  it('migration 9 adds the owner tables, enforces their foreign keys, and marks an archive with sessions for triage', async () => {
    const file = join(tempDir(), 'a.sqlite');
    const v8 = openDatabase(file, { migrateTo: 8 });
    const started = sessionPair({ messages: 0 }).started;
    const ended = sessionPair({ messages: 3 }).ended;
    ended.data.transcript = [
      { role: 'user', content: 'Book a table please', timestamp: 1 },
      { role: 'tool', content: 'booking', timestamp: 2, toolCall: { name: 'create_reservation', error: 'upstream timeout' } },
    ];
    const event = v8.prepare("INSERT INTO events (session_id, event, received_at, source, body, body_sha256) VALUES (?, ?, 0, 'webhook', ?, '')");
    event.run(started.sessionId, started.event, Buffer.from(JSON.stringify(started)));
    event.run(ended.sessionId, ended.event, Buffer.from(JSON.stringify(ended)));
    v8.prepare("INSERT INTO sessions (session_id, status, sort_at_ms, first_seen_at, updated_at) VALUES (?, 'active', 0, 0, 0)").run(started.sessionId);
    v8.prepare("INSERT INTO sessions (session_id, status, sort_at_ms, mode, tool_error_count, first_seen_at, updated_at) VALUES (?, 'ended', 5, 'voice', 1, 0, 0)").run(ended.sessionId);
    const message = v8.prepare("INSERT INTO messages (session_id, seq, role, content, tool_name, tool_error) VALUES (?, ?, ?, ?, ?, ?)");
    message.run(ended.sessionId, 0, 'user', 'Book a table please', null, null);
    message.run(ended.sessionId, 1, 'tool', 'booking', 'create_reservation', 'upstream timeout');
    v8.close();

    const v9 = openDatabase(file, { migrateTo: 9 });
    expect(userVersion(v9)).toBe(9);
    const names = tables(v9).map((t) => t.name);
    for (const table of ['follow_ups', 'notes', 'tags', 'session_tags', 'rules', 'archive_settings']) expect(names).toContain(table);
    for (const table of tables(v9).filter((t) => ['follow_ups', 'notes', 'tags', 'session_tags', 'rules', 'archive_settings'].includes(t.name))) {
      expect(table.sql).toMatch(/\) STRICT(, WITHOUT ROWID)?$/);
    }
    // Existing sessions keep their rows; callers are left for the rules to identify.
    expect(v9.prepare('SELECT caller_key, caller_label, caller_kind FROM sessions').all()).toEqual([
      { caller_key: null, caller_label: null, caller_kind: null },
      { caller_key: null, caller_label: null, caller_kind: null },
    ]);
    expect(v9.prepare("SELECT value FROM archive_settings WHERE name = 'triage_pending'").get()).toEqual({ value: 'true' });
    // Foreign keys are enforced on the writer's connection: no note for a session that is not there.
    expect(() => v9.prepare("INSERT INTO notes (session_id, author, text, created_at, updated_at) VALUES ('nobody', 'Ana', 'x', 0, 0)").run()).toThrow(/FOREIGN KEY/);
    // The inbox reads its partial index.
    const plan = v9.prepare("EXPLAIN QUERY PLAN SELECT session_id FROM follow_ups WHERE state = 'follow-up' ORDER BY priority DESC, sort_at_ms, session_id").all() as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/follow_ups_inbox/);
    v9.close();

    // The store says the upgraded archive waits for its first pass (the engine's runner runs it, with
    // progress); a pass from the start through to the end clears the mark.
    const store = await SqliteStore.open(file);
    try {
      expect(await store.triagePending()).toBe(true);
      expect((await store.followUpCounts(Date.now())).open).toBe(0);
      let after: number | undefined;
      do {
        const now = Date.now();
        after = (await store.retriage({ after, budgetMs: 5, now, staleBefore: now - 120 * 60_000 })).nextAfter ?? undefined;
      } while (after !== undefined);
      expect(await store.triagePending()).toBe(false);
      const counts = await store.followUpCounts(Date.now());
      // The failed booking (high priority) first, then the call that started in 1970 and never ended.
      expect(counts.open).toBe(2);
      const items = (await store.inbox({ view: 'open', limit: 10, now: Date.now() })).items;
      expect(items.map((item) => [item.sessionId, item.reasons.map((r) => r.ruleId)])).toEqual([
        [ended.sessionId, ['tool-failed']],
        [started.sessionId, ['dropped']],
      ]);
      expect(items[0]!.reasons[0]!.text).toContain('create_reservation');
    } finally {
      await store.close();
    }
    const after = openDatabase(file);
    expect(after.prepare("SELECT value FROM archive_settings WHERE name = 'triage_pending'").get()).toBeUndefined();
    after.close();
  });

  it('migration 9 leaves a new archive unmarked: nothing to triage', () => {
    const db = openDatabase(join(tempDir(), 'a.sqlite'));
    expect(db.prepare('SELECT count(*) AS n FROM archive_settings').get()).toEqual({ n: 0 });
    db.close();
  });

  it('migration 10 gives every event a redaction count: 0 for events already stored, never negative', () => {
    const file = join(tempDir(), 'a.sqlite');
    const v9 = openDatabase(file, { migrateTo: 9 });
    v9.prepare("INSERT INTO events (session_id, event, received_at, source, body, body_sha256) VALUES ('s1', 'session.started', 1, 'webhook', x'7b7d', 'h')").run();
    expect((v9.prepare('SELECT * FROM events').get() as Record<string, unknown>).redactions).toBeUndefined();
    v9.close();
    const v10 = openDatabase(file, { migrateTo: 10 });
    expect(v10.prepare('SELECT redactions FROM events').get()).toEqual({ redactions: 0 });
    expect(() => v10.prepare("UPDATE events SET redactions = -1").run()).toThrow(/CHECK/);
    v10.close();
  });

  it('11: adds the erasures record (kind, count, actor, times; no column for which sessions)', () => {
    const file = join(tempDir(), 'a.sqlite');
    const v10 = openDatabase(file, { migrateTo: 10 });
    expect(v10.prepare("SELECT name FROM sqlite_schema WHERE name = 'erasures'").get()).toBeUndefined();
    v10.close();
    const v11 = openDatabase(file, { migrateTo: 11 });
    expect((v11.prepare('PRAGMA table_info(erasures)').all() as Array<{ name: string }>).map((c) => c.name)).toEqual(['id', 'started_at', 'kind', 'sessions', 'actor', 'finished_at']);
    v11.prepare("INSERT INTO erasures (started_at, kind, sessions, actor) VALUES (1, 'retention', 3, 'retention')").run();
    expect(() => v11.prepare("INSERT INTO erasures (started_at, kind, actor) VALUES (1, 'everything', 'x')").run()).toThrow(/CHECK/);
    expect(() => v11.prepare("INSERT INTO erasures (started_at, kind, sessions, actor) VALUES (1, 'session', -1, 'x')").run()).toThrow(/CHECK/);
    v11.close();
  });

  it('migration 14 adds accounts: users unique by folded name, links and sessions by token hash, the audit log', () => {
    const file = join(tempDir(), 'a.sqlite');
    openDatabase(file, { migrateTo: 11 }).close();
    const db = openDatabase(file, { migrateTo: 14 });
    expect(userVersion(db)).toBe(14);
    const columns = (table: string) => (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name);
    expect(columns('users')).toEqual(['id', 'name', 'name_key', 'role', 'password_hash', 'created_at', 'disabled_at']);
    expect(columns('sign_in_links')).toEqual(['token_hash', 'user_id', 'created_at', 'expires_at']);
    expect(columns('sign_in_sessions')).toEqual(['token_hash', 'user_id', 'created_at', 'last_seen_at', 'expires_at']);
    expect(columns('audit_log')).toEqual(['id', 'at', 'actor', 'action', 'target', 'address', 'detail']);
    db.prepare("INSERT INTO users (name, name_key, role, created_at) VALUES ('Ana', 'ana', 'owner', 1)").run();
    expect(() => db.prepare("INSERT INTO users (name, name_key, role, created_at) VALUES ('ANA', 'ana', 'staff', 1)").run()).toThrow(/UNIQUE/);
    expect(() => db.prepare("INSERT INTO users (name, name_key, role, created_at) VALUES ('Bo', 'bo', 'admin', 1)").run()).toThrow(/CHECK/);
    db.prepare("INSERT INTO sign_in_sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES ('h', 1, 1, 1, 2)").run();
    // Removing a person ends their sessions with them.
    db.prepare('DELETE FROM users WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) AS n FROM sign_in_sessions').get()).toEqual({ n: 0 });
    db.close();
  });

  it('the overview migration fills tool calls per session and the hourly rollups from an existing archive, and its triggers keep them exact', () => {
    // The overview's migration (12 here; renumbered if another lands first): found by what it creates.
    const overview = MIGRATIONS.find((m) => m.sql.includes('CREATE TABLE overview_hours'))!;
    const file = join(tempDir(), 'a.sqlite');
    const before = openDatabase(file, { migrateTo: overview.version - 1 });
    const hour = 3_600_000;
    const insertSession = before.prepare(
      `INSERT INTO sessions (session_id, status, sort_at_ms, mode, reason, duration_seconds, tool_call_count, tool_error_count, file_count, first_seen_at, updated_at)
       VALUES (?, 'ended', ?, ?, ?, ?, ?, ?, ?, 0, 0)`,
    );
    insertSession.run('a', 10 * hour + 5, 'voice', 'user_ended', 45, 3, 1, 2);
    insertSession.run('b', 10 * hour + 900, 'text', 'timeout', 700, 1, 0, 0);
    insertSession.run('c', 11 * hour, 'voice', null, null, 0, 0, 0);
    before.prepare("UPDATE sessions SET caller_key = 'tel:+1' WHERE session_id IN ('a', 'c')").run();
    const insertMessage = before.prepare('INSERT INTO messages (session_id, seq, role, content, tool_name, tool_result, tool_error) VALUES (?, ?, ?, ?, ?, ?, ?)');
    insertMessage.run('a', 0, 'tool', '', 'book', '{}', null);
    insertMessage.run('a', 1, 'tool', '', 'book', null, 'timeout');
    insertMessage.run('a', 2, 'tool', '', null, '{}', null);
    insertMessage.run('a', 3, 'user', 'hello', null, null, null);
    insertMessage.run('b', 0, 'tool', '', 'lookup', '{}', null);
    before.close();

    const db = openDatabase(file, { migrateTo: overview.version });
    const rows = (sql: string) => db.prepare(sql).all();
    expect(rows('SELECT session_id, tool_name, sort_at_ms, calls, failures FROM session_tools ORDER BY session_id, tool_name')).toEqual([
      { session_id: 'a', tool_name: '', sort_at_ms: 10 * hour + 5, calls: 1, failures: 0 },
      { session_id: 'a', tool_name: 'book', sort_at_ms: 10 * hour + 5, calls: 2, failures: 1 },
      { session_id: 'b', tool_name: 'lookup', sort_at_ms: 10 * hour + 900, calls: 1, failures: 0 },
    ]);
    expect(rows('SELECT hour, mode, sessions, timed, seconds, tool_calls, tool_failures, files, with_files, with_caller FROM overview_hours ORDER BY hour, mode')).toEqual([
      { hour: 10, mode: 0, sessions: 1, timed: 1, seconds: 45, tool_calls: 3, tool_failures: 1, files: 2, with_files: 1, with_caller: 1 },
      { hour: 10, mode: 1, sessions: 1, timed: 1, seconds: 700, tool_calls: 1, tool_failures: 0, files: 0, with_files: 0, with_caller: 0 },
      { hour: 11, mode: 0, sessions: 1, timed: 0, seconds: 0, tool_calls: 0, tool_failures: 0, files: 0, with_files: 0, with_caller: 1 },
    ]);
    expect(rows('SELECT caller_key, first_at FROM caller_firsts')).toEqual([{ caller_key: 'tel:+1', first_at: 10 * hour + 5 }]);
    expect(rows('SELECT hour, reason, sessions FROM overview_hour_reasons ORDER BY reason')).toEqual([
      { hour: 10, reason: 'timeout', sessions: 1 },
      { hour: 10, reason: 'user_ended', sessions: 1 },
    ]);
    expect(rows('SELECT hour, bucket, sessions FROM overview_hour_durations ORDER BY bucket')).toEqual([
      { hour: 10, bucket: 1, sessions: 1 },
      { hour: 10, bucket: 5, sessions: 1 },
    ]);
    expect(rows("SELECT hour, tool_name, calls, failures, sessions, failed_sessions FROM overview_hour_tools WHERE tool_name = 'book'")).toEqual([
      { hour: 10, tool_name: 'book', calls: 2, failures: 1, sessions: 1, failed_sessions: 1 },
    ]);

    // Later changes move the counts with them: a start that moves, an end that arrives, a deletion.
    db.prepare('UPDATE sessions SET sort_at_ms = ? WHERE session_id = ?').run(12 * hour, 'a');
    db.prepare("UPDATE sessions SET reason = 'user_ended', duration_seconds = 20 WHERE session_id = 'c'").run();
    db.prepare("DELETE FROM sessions WHERE session_id = 'b'").run();
    // a (the caller's first call) moved to 12:00: c, at 11:00, is their first now; then c's caller is forgotten.
    expect(rows('SELECT caller_key, first_at FROM caller_firsts')).toEqual([{ caller_key: 'tel:+1', first_at: 11 * hour }]);
    db.prepare("UPDATE sessions SET caller_key = NULL WHERE session_id = 'c'").run();
    expect(rows('SELECT caller_key, first_at FROM caller_firsts')).toEqual([{ caller_key: 'tel:+1', first_at: 12 * hour }]);
    expect(rows('SELECT hour, with_caller FROM overview_hours WHERE with_caller <> 0')).toEqual([{ hour: 12, with_caller: 1 }]);
    expect(rows('SELECT hour, mode, sessions, timed, seconds, tool_calls FROM overview_hours WHERE sessions <> 0 ORDER BY hour, mode')).toEqual([
      { hour: 11, mode: 0, sessions: 1, timed: 1, seconds: 20, tool_calls: 0 },
      { hour: 12, mode: 0, sessions: 1, timed: 1, seconds: 45, tool_calls: 3 },
    ]);
    expect(rows('SELECT hour, reason, sessions FROM overview_hour_reasons WHERE sessions <> 0 ORDER BY hour')).toEqual([
      { hour: 11, reason: 'user_ended', sessions: 1 },
      { hour: 12, reason: 'user_ended', sessions: 1 },
    ]);
    expect(rows('SELECT hour, tool_name, calls, sessions FROM overview_hour_tools WHERE sessions <> 0 ORDER BY tool_name')).toEqual([
      { hour: 12, tool_name: '', calls: 1, sessions: 1 },
      { hour: 12, tool_name: 'book', calls: 2, sessions: 1 },
    ]);
    expect(rows('SELECT DISTINCT sort_at_ms FROM session_tools')).toEqual([{ sort_at_ms: 12 * hour }]);
    db.close();
  });

  it('is idempotent: reopening applies nothing twice', () => {
    const file = join(tempDir(), 'a.sqlite');
    openDatabase(file).close();
    const db = openDatabase(file);
    expect(userVersion(db)).toBe(LATEST_VERSION);
    db.close();
  });

  it('refuses an archive written by a newer version instead of damaging it', () => {
    const file = join(tempDir(), 'a.sqlite');
    const raw = new Database(file);
    raw.pragma(`user_version = ${LATEST_VERSION + 1}`);
    raw.close();
    expect(() => openDatabase(file)).toThrow(ArchiveVersionError);
    expect(() => openDatabase(file, { readonly: true })).toThrow(/newer CallAIder Archive/);
  });

  it('applies a later migration on top of an existing archive, in one transaction per step', () => {
    const file = join(tempDir(), 'a.sqlite');
    const db = openDatabase(file);
    const next = { version: LATEST_VERSION + 1, name: 'test step', sql: 'CREATE TABLE extra (x INTEGER) STRICT;' };
    migrate(db, next.version, [...MIGRATIONS, next]);
    expect(userVersion(db)).toBe(next.version);
    const broken = { version: next.version + 1, name: 'broken step', sql: 'CREATE TABLE extra2 (x INTEGER) STRICT; THIS IS NOT SQL;' };
    expect(() => migrate(db, broken.version, [...MIGRATIONS, next, broken])).toThrow();
    expect(userVersion(db)).toBe(next.version);
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE name = 'extra2'").get()).toBeUndefined();
    db.close();
  });
});
