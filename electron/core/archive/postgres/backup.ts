/**
 * Backups of a PostgreSQL archive are written in the archive's own export format (NDJSON, one
 * session a line, events exactly as received, with the owner's follow-up, notes and tags), gzipped
 * (.ndjson.gz: a tenth of the size for about 2 s on 20,000 sessions, BENCHMARKS.md "Hub backups"),
 * not as a pg_dump: `callaider-archive restore --database` (or `import`) reads one back, and it
 * needs no PostgreSQL client tools of the same major version on the machine that restores.
 *
 * The copy reads one snapshot (a REPEATABLE READ, READ ONLY transaction on a connection of its
 * own), so hubs keep committing meanwhile; the check then reads the file back and compares its
 * sessions, events and messages with the counts of that same snapshot. Rendering and re-reading
 * the JSON is CPU work: it runs on a worker thread of its own (backup-thread.ts) when the built
 * file is there, so the thread answering webhooks is never held up by it.
 */
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { ArchiveCheck, BackupWritten } from '../types.js';
import { clientConfig } from './connect.js';
import { LATEST_VERSION } from './migrations.js';
import { exportSessions } from './reads/export.js';

const PAGE = 200;

interface Expected {
  sessions: number;
  events: number;
  messages: number;
}

/** Writes and checks a backup on this thread, over a connection of its own. */
export async function writeBackup(url: string, file: string): Promise<BackupWritten> {
  const client = new pg.Client(clientConfig(url, {}));
  await client.connect();
  const partial = `${file}.partial`;
  const started = performance.now();
  let expected: Expected;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const counts = (await client.query<Expected>(
      `SELECT count(DISTINCT session_id) AS sessions, count(*) AS events,
              (SELECT coalesce(sum(message_count), 0) FROM sessions) AS messages FROM events`,
    )).rows[0]!;
    expected = { sessions: Number(counts.sessions), events: Number(counts.events), messages: Number(counts.messages) };
    const out = createGzip();
    const written = pipeline(out, createWriteStream(partial));
    try {
      let afterId: number | undefined;
      for (;;) {
        const page = await exportSessions(client, { format: 'ndjson', afterId, limit: PAGE });
        for (const item of page.items) if (!out.write(`${item}\n`)) await once(out, 'drain');
        if (page.nextAfterId === null) break;
        afterId = page.nextAfterId;
      }
    } finally {
      out.end();
      await written;
    }
    await client.query('COMMIT');
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
  renameSync(partial, file);
  const ms = Math.round(performance.now() - started);
  const checked = performance.now();
  const check = await checkBackupFile(file, expected);
  return { bytes: statSync(file).size, ms, verifyMs: Math.round(performance.now() - checked), check };
}

/** Reads the backup back: every line a session, and the totals those of the snapshot it was written from. */
export async function checkBackupFile(file: string, expected: Expected): Promise<ArchiveCheck> {
  const problems: string[] = [];
  const found: Expected = { sessions: 0, events: 0, messages: 0 };
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text === '') continue;
    try {
      const session = JSON.parse(text) as { sessionId?: unknown; startedAt?: unknown; status?: unknown; transcript?: unknown };
      if (typeof session.sessionId !== 'string') throw new Error('no session id');
      found.sessions += 1;
      found.events += (session.startedAt !== null ? 1 : 0) + (session.status === 'ended' ? 1 : 0);
      found.messages += Array.isArray(session.transcript) ? session.transcript.length : 0;
    } catch (error) {
      if (problems.length < 10) problems.push(`line ${line} is not a session: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  for (const key of ['sessions', 'events', 'messages'] as const) {
    if (found[key] !== expected[key]) problems.push(`${key}: the backup holds ${found[key]}, the archive had ${expected[key]}`);
  }
  return { ok: problems.length === 0, problems, schemaVersion: LATEST_VERSION, counts: found };
}

/** The worker's built file, beside this one (dist) or in the package's dist/ (tests run the sources). */
function threadEntry(): string | null {
  const beside = fileURLToPath(new URL('./backup-thread.js', import.meta.url));
  if (existsSync(beside)) return beside;
  const built = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'dist', 'electron', 'core', 'archive', 'postgres', 'backup-thread.js');
  return existsSync(built) ? built : null;
}

/** A backup on a worker thread when it can start; on this thread (async, between pages) when it cannot. */
export async function backupTo(url: string, file: string): Promise<BackupWritten> {
  const entry = threadEntry();
  if (!entry) return writeBackup(url, file);
  const worker = new Worker(entry, { workerData: { url, file } });
  try {
    const [message] = (await once(worker, 'message')) as [{ ok: true; written: BackupWritten } | { ok: false; message: string }];
    if (!message.ok) throw new Error(message.message);
    return message.written;
  } finally {
    await worker.terminate();
  }
}
