/**
 * The commands that change or check a hub, through the real CLI on a throwaway PostgreSQL cluster:
 * `erase` and `retention` with --database, hub backups (.ndjson.gz) and `restore --database`, and
 * `verify --database` naming what is wrong after a test damages real rows.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { basename, dirname, join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { PostgresStore } from '../../electron/core/archive/postgres/postgres-store.js';
import { assertBuilt, runCli } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';
import { describePostgres, usePostgresCluster } from '../support/postgres-fixture.js';
import { sqlAt as sql } from '../support/postgres-store.js';

beforeAll(assertBuilt);

const DAY = 86_400_000;

type Exported = { sessionId: string; followUp: { caller: { key: string } | null } | null };
const exported = (url: string): Exported[] =>
  runCli(['export', '--database', url, '--format', 'ndjson'])
    .stdout.trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Exported);

describePostgres('erase, retention, restore and verify on a hub database', () => {
  const cluster = usePostgresCluster();

  /** A hub with demo sessions over four months, ending now. */
  async function demoHub(sessions = 60): Promise<string> {
    const url = await cluster().createDatabase();
    const demo = runCli(['demo', '--database', url, '--sessions', String(sessions), '--seed', '3'], { timeoutMs: 90_000 });
    expect(demo.code, demo.stderr).toBe(0);
    return url;
  }

  it('erase --database erases a session and a caller on the hub, recorded in its audit log; wrong combinations are refused', async () => {
    const url = await demoHub();
    const sessions = exported(url);
    const one = sessions[0]!.sessionId;
    expect(runCli(['erase', '--database', url, '--session', one]).stderr).toMatch(/Refusing without --yes/);
    const erased = runCli(['erase', '--session', one, '--yes'], { env: { CALLAIDER_ARCHIVE_DATABASE_URL: url } });
    expect(erased.code, erased.stderr).toBe(0);
    expect(erased.stderr).toContain('erased 1 session; their rows are deleted and vacuumed from the hub database');
    expect(exported(url).map((s) => s.sessionId)).not.toContain(one);

    const key = sessions.find((s) => s.sessionId !== one && s.followUp?.caller)!.followUp!.caller!.key;
    const theirs = sessions.filter((s) => s.sessionId !== one && s.followUp?.caller?.key === key).length;
    const caller = runCli(['erase', '--database', url, '--caller', key, '--yes']);
    expect(caller.stderr).toContain(`erased ${theirs} session`);
    expect(exported(url).filter((s) => s.followUp?.caller?.key === key)).toEqual([]);

    const hub = await PostgresStore.open(url);
    try {
      const audit = (await hub.auditLog({ limit: 10 })).items.map((entry) => `${entry.action} ${entry.detail}`);
      expect(audit).toEqual(expect.arrayContaining(['erase 1 session', `erase ${theirs} session${theirs === 1 ? '' : 's'} of one caller`]));
    } finally {
      await hub.close();
    }

    const withKey = runCli(['erase', '--database', url, '--session', sessions[1]!.sessionId, '--yes'], { env: { CALLAIDER_ARCHIVE_KEY: 'a passphrase of some length' } });
    expect(withKey.code).toBe(1);
    expect(withKey.stderr).toContain('encrypts SQLite archives only');
    const both = runCli(['erase', '--database', url, '--data-dir', tempDir(), '--session', sessions[1]!.sessionId, '--yes']);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('got both --data-dir and --database');
    expect(exported(url).map((s) => s.sessionId)).toContain(sessions[1]!.sessionId);
  }, 180_000);

  it('retention --database keeps the period in the hub database and erases what is past it', async () => {
    const url = await demoHub();
    const all = exported(url).map((s) => s.sessionId);
    const cutoffDay = new Date(Date.now() - 90 * DAY).toISOString().slice(0, 10);
    const past = runCli(['export', '--database', url, '--format', 'ndjson', '--before', cutoffDay]).stdout.trim().split('\n').filter(Boolean).map((line) => (JSON.parse(line) as Exported).sessionId);
    expect(past.length).toBeGreaterThan(0);
    expect(runCli(['retention', '--database', url]).stdout).toContain('retention: off');

    const set = runCli(['retention', 'set', '90d', '--yes', '--database', url, '--data-dir', tempDir()]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stderr).toMatch(/retention set to 90 days: erased \d+ sessions that started before/);
    const left = exported(url).map((s) => s.sessionId);
    for (const id of past) expect(left).not.toContain(id);
    expect(left.length + Number(/erased (\d+) sessions/.exec(set.stderr)![1])).toBe(all.length);
    // Another receiver's machine reads the same period from the database.
    const shown = runCli(['retention'], { env: { CALLAIDER_ARCHIVE_DATABASE_URL: url } }).stdout;
    expect(shown).toMatch(/retention: 90 days/);
    expect(shown).toMatch(/erasures: 1 \(newest first\)/);
  }, 180_000);

  it('a hub backup is .ndjson.gz: verify reads it, restore puts it into an empty hub database (refusing a non-empty one without --into-non-empty)', async () => {
    const url = await demoHub(40);
    const folder = tempDir();
    const backup = runCli(['backup', '--database', url, '--to', folder], { timeoutMs: 60_000 });
    expect(backup.code, backup.stderr).toBe(0);
    const file = backup.stdout.trim();
    expect(basename(file)).toMatch(/^callaider-archive-\d{8}-\d{6}\.ndjson\.gz$/);
    expect(readdirSync(folder).sort()).toEqual(['backups.json', basename(file)]);

    const verified = runCli(['verify', file]);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toMatch(/^OK .*\.ndjson\.gz: a hub backup \(NDJSON\), 40 sessions, \d+ events/);

    const empty = await cluster().createDatabase();
    const restored = runCli(['restore', file, '--database', empty], { timeoutMs: 90_000 });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/restored .* into PostgreSQL postgres:\/\/archive_test:••••@.*: \d+ events stored, 0 already there/);
    expect(runCli(['export', '--database', empty, '--format', 'ndjson']).stdout).toBe(runCli(['export', '--database', url, '--format', 'ndjson']).stdout);

    const again = runCli(['restore', file, '--database', empty]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds 40 sessions .*add --into-non-empty .*nothing was changed/);
    const merged = runCli(['restore', file, '--database', empty, '--into-non-empty'], { timeoutMs: 90_000 });
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toMatch(/: 0 events stored, \d+ already there/);
    expect(merged.stdout).toMatch(/the database now 40 sessions/);

    // Each kind of backup only where it belongs, with the right command named.
    const intoSqlite = runCli(['restore', file, '--data-dir', tempDir()]);
    expect(intoSqlite.code).toBe(1);
    expect(intoSqlite.stderr).toContain('is a hub backup (NDJSON, from a PostgreSQL archive): restore it into a hub with `callaider-archive restore FILE --database postgres://…`, or add its sessions to this SQLite archive with `callaider-archive import FILE`');
    const keyed = runCli(['restore', file, '--database', await cluster().createDatabase()], { env: { CALLAIDER_ARCHIVE_KEY: 'a passphrase of some length' } });
    expect(keyed.code).toBe(1);
    expect(keyed.stderr).toContain('a hub backup (NDJSON) is not encrypted and a hub database takes no key');
    const both = runCli(['restore', file, '--database', empty, '--data-dir', tempDir()]);
    expect(both.stderr).toContain('got both --data-dir and --database');

    // A damaged backup changes nothing: a line cut short, and one session fewer than backups.json recorded.
    const lines = gunzipSync(readFileSync(file)).toString('utf8').trim().split('\n');
    const damaged = join(dirname(file), 'damaged.ndjson');
    writeFileSync(damaged, `${lines.slice(0, 5).join('\n')}\n${lines[5]!.slice(0, 40)}\n`);
    const fresh = await cluster().createDatabase();
    const refused = runCli(['restore', damaged, '--database', fresh]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refusing to restore .*damaged\.ndjson: it failed verification \(line 6 is not an exported session: .*\); the database was not touched/);
    expect(runCli(['verify', damaged]).stdout).toMatch(/^FAILED .*damaged\.ndjson:\n {2}line 6 is not an exported session/);
    writeFileSync(file, gzipSync(`${lines.slice(1).join('\n')}\n`));
    const short = runCli(['verify', file]);
    expect(short.code).toBe(1);
    expect(short.stdout).toContain('sessions: the file holds 39, the hub counted 40 when it wrote it (backups.json)');
    // A gzipped backup cut short.
    const whole = readFileSync(file);
    const cut = join(dirname(file), 'cut.ndjson.gz');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const cutShort = runCli(['restore', cut, '--database', fresh]);
    expect(cutShort.code).toBe(1);
    expect(cutShort.stderr).toMatch(/refusing to restore .*cut\.ndjson\.gz: it failed verification \(.*the file cannot be read to its end: unexpected end of file.*\); the database was not touched/);
    // Checked before the database is even opened: not a table was created in it.
    expect((await sql<{ tables: number }>(fresh, "SELECT count(*)::int AS tables FROM pg_tables WHERE schemaname = 'public'"))[0]!.tables).toBe(0);
  }, 240_000);

  it('restore --database with a SQLite backup copies it into the hub (as `copy` does), the encrypted one with its key', async () => {
    const dataDir = tempDir();
    expect(runCli(['demo', '--data-dir', dataDir, '--sessions', '12', '--seed', '5']).code).toBe(0);
    const key = { CALLAIDER_ARCHIVE_KEY: 'the office passphrase, long enough' };
    expect(runCli(['encrypt', '--data-dir', dataDir], { env: key }).code).toBe(0);
    const backup = runCli(['backup', '--data-dir', dataDir], { env: key });
    expect(backup.code, backup.stderr).toBe(0);
    const file = backup.stdout.trim();
    expect(basename(file)).toMatch(/\.sqlite$/);

    const url = await cluster().createDatabase();
    const withoutKey = runCli(['restore', file, '--database', url]);
    expect(withoutKey.code).toBe(1);
    expect(withoutKey.stderr).toMatch(/key/i);
    const restored = runCli(['restore', file, '--database', url], { env: key, timeoutMs: 90_000 });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain('is a SQLite backup: copying it into the hub (what `callaider-archive copy --from FILE --to URL` does)');
    expect(restored.stdout).toContain('check every count matches');
    expect(runCli(['export', '--database', url, '--format', 'ndjson']).stdout).toBe(runCli(['export', '--data-dir', dataDir, '--format', 'ndjson'], { env: key }).stdout);
    const again = runCli(['restore', file, '--database', url], { env: key });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--into-non-empty');
  }, 180_000);

  it('verify --database reads every event and names what is wrong: a changed body, a body naming another session, a lost event, a missing search document, an orphan, a drifted counter', async () => {
    const url = await demoHub(30);
    const good = runCli(['verify', '--database', url]);
    expect(good.code, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toMatch(/^OK PostgreSQL .*: schema \d+, 30 sessions, 60 events, \d+ messages; 60 event bodies read and matched to their rows/);

    const ids = (await sql<{ session_id: string }>(url, "SELECT session_id FROM sessions WHERE status = 'ended' ORDER BY session_id LIMIT 5")).map((row) => row.session_id);
    const [notJson, otherSession, lostEnd, noSearch, drift] = ids as [string, string, string, string, string];
    await sql(url, "UPDATE events SET body = convert_to('{\"sessionId\": cut short', 'UTF8') WHERE session_id = $1 AND event = 'session.started'", [notJson]);
    const body = (await sql<{ body: Buffer }>(url, "SELECT body FROM events WHERE session_id = $1 AND event = 'session.started'", [otherSession]))[0]!.body;
    const swapped = Buffer.from(body.toString('utf8').replace(otherSession, 'someone-else'), 'utf8');
    await sql(url, "UPDATE events SET body = $2, body_sha256 = encode(sha256($2), 'hex') WHERE session_id = $1 AND event = 'session.started'", [otherSession, swapped]);
    await sql(url, "DELETE FROM events WHERE session_id = $1 AND event = 'session.ended'", [lostEnd]);
    await sql(url, 'UPDATE sessions SET search = NULL WHERE session_id = $1', [noSearch]);
    await sql(url, "INSERT INTO counter_slots (name, slot, value) VALUES ('messages', 99, 3)");
    // An orphan: a note of a session that is gone (the foreign key switched off, as a bad manual repair might).
    await sql(url, "SET session_replication_role = replica; INSERT INTO notes (session_id, author, text, created_at, updated_at) VALUES ('gone-session', 'Ana', 'call back', 1, 1)");
    await sql(url, 'UPDATE sessions SET message_count = message_count + 1 WHERE session_id = $1', [drift]);

    const bad = runCli(['verify', '--database', url]);
    expect(bad.code).toBe(1);
    const out = bad.stdout;
    expect(out).toMatch(/^FAILED PostgreSQL postgres:\/\/archive_test:••••@/);
    expect(out).toContain(`1 event bodies changed since they were stored: event `);
    expect(out).toMatch(new RegExp(`event bodies that do not parse: event \\d+ \\(${notJson} session.started\\)`));
    expect(out).toMatch(new RegExp(`event bodies whose sessionId or event differ from their row: event \\d+ \\(${otherSession} session.started\\): its body says "someone-else" "session.started"`));
    expect(out).toContain(`1 sessions whose status disagrees with their events (ended without a session.ended event, or active with one): ${lostEnd}`);
    expect(out).toContain(`1 sessions without a search document (search cannot find them): ${noSearch}`);
    expect(out).toContain('1 notes rows of sessions that are gone (orphans): gone-session');
    expect(out).toContain(`sessions whose message count differs from their messages: ${drift}`);
    expect(out).toMatch(/counts: the kept counter says \d+ messages, the database holds \d+/);
    expect(bad.stderr).toBe('');

    const keyed = runCli(['verify', '--database', url], { env: { CALLAIDER_ARCHIVE_KEY: 'a passphrase of some length' } });
    expect(keyed.code).toBe(1);
    expect(keyed.stderr).toContain('verify --database takes no key');
    const retentionKeyed = runCli(['retention', '--database', url], { env: { CALLAIDER_ARCHIVE_KEY: 'a passphrase of some length' } });
    expect(retentionKeyed.code).toBe(1);
    expect(retentionKeyed.stderr).toContain('encrypts SQLite archives only');
    const mergeIntoFolder = runCli(['restore', join(tempDir(), 'x.sqlite'), '--into-non-empty', '--data-dir', tempDir()]);
    expect(mergeIntoFolder.code).toBe(1);
    expect(mergeIntoFolder.stderr).toContain('--into-non-empty is for restoring into a hub database (--database URL)');
  }, 180_000);
});
