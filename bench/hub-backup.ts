/**
 * Hub backup benchmark (a measurement, not a test): what gzipping a PostgreSQL hub's NDJSON backup
 * costs and saves. On a hub of BENCH_SESSIONS sessions (default 20,000; every 25th a long
 * transcript, as the demo makes them) it takes the backup the hub takes (store.backupTo: the
 * snapshot written as gzipped NDJSON, level 6, and read back), unzips it to the plain NDJSON it
 * holds, then gzips that at levels 1 and 6 and unzips each again, timing each step and giving the
 * sizes. Then `verify --database` through the CLI on the same hub, and `restore FILE --database`
 * of the backup into an empty database through the CLI, under /usr/bin/time for its peak memory.
 *
 *   node --import tsx bench/hub-backup.ts
 *   BENCH_SESSIONS=20000
 *
 * The cluster is a throwaway one (tests/support/postgres.ts), fsync off (loading is not measured),
 * on loopback, removed afterwards.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { PostgresStore } from '../electron/core/archive/postgres/postgres-store.js';
import { simulateSessions } from '../electron/core/simulator.js';
import { startPostgresCluster } from '../tests/support/postgres.js';
import { codeVersion, readSetting } from './report.js';

const SESSIONS = readSetting('BENCH_SESSIONS', 20_000, 100, 1_000_000);
const ROOT = join(import.meta.dirname, '..');
const tmp = mkdtempSync(join(os.tmpdir(), 'bench-hub-backup-'));
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await run();
  return [result, performance.now() - started];
}

const cluster = await startPostgresCluster();
try {
  const url = await cluster.createDatabase();
  const store = await PostgresStore.open(url);
  const lines: string[] = [];
  const file = join(tmp, 'backup.ndjson.gz');
  try {
    const [, loadMs] = await timed(async () => {
      const all = [...simulateSessions(SESSIONS, { seed: 11, now: Date.parse('2026-06-01T00:00:00Z'), spreadDays: 365 })];
      for (let i = 0; i < all.length; i += 200) {
        await Promise.all(
          all.slice(i, i + 200).flatMap((s) => [s.started, s.ended].map((payload) => store.ingest({ payload, body: Buffer.from(JSON.stringify(payload)), source: 'webhook', receivedAt: Date.now() }))),
        );
      }
      await store.settled();
    });
    const [written, backupMs] = await timed(() => store.backupTo(file));
    if (!written.check.ok) throw new Error(`the backup failed its check: ${written.check.problems.join('; ')}`);
    const plain = join(tmp, 'backup.ndjson');
    await pipeline(createReadStream(file), createGunzip(), createWriteStream(plain));
    const plainBytes = statSync(plain).size;
    lines.push(
      `# Hub backup: NDJSON, or NDJSON gzipped (${new Date().toISOString()}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, load average ${os.loadavg()[0]!.toFixed(1)}, Node ${process.version}, code ${codeVersion()})`,
      '',
      `${SESSIONS} sessions loaded in ${seconds(loadMs)}; ${written.check.counts?.events} events, ${written.check.counts?.messages} messages.`,
      '',
      `The hub's backup (store.backupTo, gzip level 6): ${mb(written.bytes)} written in ${seconds(written.ms)}, read back and checked in ${seconds(written.verifyMs)} (total ${seconds(backupMs)}).`,
      '',
      '| the same NDJSON | size | gzip | gunzip |',
      '| --- | --- | --- | --- |',
      `| plain .ndjson | ${mb(plainBytes)} | – | – |`,
    );
    for (const level of [1, 6]) {
      const gz = join(tmp, `backup-${level}.ndjson.gz`);
      const [, gzipMs] = await timed(() => pipeline(createReadStream(plain), createGzip({ level }), createWriteStream(gz)));
      const [, gunzipMs] = await timed(() => pipeline(createReadStream(gz), createGunzip(), new Writable({ write: (_chunk, _encoding, done) => done() })));
      lines.push(`| .ndjson.gz level ${level} | ${mb(statSync(gz).size)} (${((100 * statSync(gz).size) / plainBytes).toFixed(0)}%) | ${seconds(gzipMs)} | ${seconds(gunzipMs)} |`);
    }
  } finally {
    await store.close();
  }
  const started = performance.now();
  const verify = spawnSync(process.execPath, [join(ROOT, 'bin', 'callaider-archive'), 'verify', '--database', url], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const verifyMs = performance.now() - started;
  lines.push('', `\`verify --database\` (through the CLI, every event read in pages): ${seconds(verifyMs)}, exit ${verify.status}: ${verify.stdout.trim().split('\n')[0] ?? ''}`);
  if (verify.status !== 0) lines.push('```', verify.stdout.trim(), verify.stderr.trim(), '```');
  const empty = await cluster.createDatabase();
  const restoreStarted = performance.now();
  const restore = spawnSync('/usr/bin/time', ['-f', 'peak-rss-kb %M', process.execPath, join(ROOT, 'bin', 'callaider-archive'), 'restore', file, '--database', empty], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const restoreMs = performance.now() - restoreStarted;
  const peak = /peak-rss-kb (\d+)/.exec(restore.stderr)?.[1];
  lines.push('', `\`restore FILE --database\` into an empty database (through the CLI): ${seconds(restoreMs)}, exit ${restore.status}, peak memory ${peak ? `${(Number(peak) / 1024).toFixed(0)} MB` : 'unknown'}: ${restore.stdout.trim().replace(/\n\s*/g, '; ')}`);
  if (restore.status !== 0) lines.push('```', restore.stderr.trim(), '```');
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await cluster.stop();
  rmSync(tmp, { recursive: true, force: true });
}
