/**
 * Encryption benchmark (a measurement, not a test): what encryption at rest (SQLCipher 4, raw
 * 256-bit key) costs the archive, plain and encrypted measured in the same run, alternating, so a
 * slow spell of this shared machine hits both alike.
 *
 * 1. Ingest through the real engine (HTTP receiver, signature check, WAL + synchronous=FULL, the
 *    writer thread, deferred indexing), a fresh data folder per run:
 *    (a) a burst of signed session.ended deliveries (40 messages each), 16 in flight: events/s;
 *    (b) a steady 50 per second, open loop: acknowledgement latency p50/p99.
 * 2. Search on a demo archive of BENCH_SESSIONS sessions (default 10,000), the same rows plain and
 *    encrypted (the encrypted one is the plain one encrypted with `SqliteStore.changeKey`, timed):
 *    the window's searches and first page through the store's reader thread, warm, and the first
 *    search on a freshly opened store (SQLite's page cache empty; the OS cache warm).
 * 3. Acknowledgement latency at 50/s while a backup of that archive is taken (plain: SQLite's
 *    backup API; encrypted: VACUUM INTO, the only way to copy an encrypted archive).
 * 4. Opening the store (writer, reader and checkpointer threads): plain, raw key, passphrase.
 *
 *   npm run bench:encryption
 *   BENCH_SESSIONS=10000 BENCH_ROUNDS=3 BENCH_BURST=1500 BENCH_STEADY_SECONDS=8
 *
 * The burst is sent from this process (the engine's listener shares its thread with the sender:
 * the same for both variants, so the ratio holds; the absolute rates are below bench/ingest.ts's).
 * The steady load comes from a worker thread, so a stall of the thread that answers webhooks shows
 * in the latencies instead of also stopping the sender.
 * Everything listens on 127.0.0.1; the temp folders are removed at the end. The report is printed
 * and written to bench/results/encryption-latest.md.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { applyKey, generateArchiveKey, parseArchiveKey, type ArchiveKey } from '../electron/core/archive/archive-key.js';
import { SqliteStore } from '../electron/core/archive/sqlite/sqlite-store.js';
import { defaultConfig } from '../electron/core/config.js';
import { loadDemoData } from '../electron/core/demo.js';
import { Engine } from '../electron/core/engine.js';
import { archivePath } from '../electron/core/paths.js';
import { EVENT_HEADER, SIGNATURE_HEADER, sign } from '../electron/core/signature.js';
import { seededRandom, simulateSession } from '../electron/core/simulator.js';
import { fmt, ms1, publishReport, sqliteVersion, summarize, type Summary } from './harness.js';
import { codeVersion, filesystemOf, readSetting } from './report.js';
import { WINDOW_SEARCHES } from './store-clients.js';

const SESSIONS = readSetting('BENCH_SESSIONS', 10_000, 100, 200_000);
const ROUNDS = readSetting('BENCH_ROUNDS', 3, 1, 20);
const BURST = readSetting('BENCH_BURST', 1500, 100, 100_000);
const STEADY_SECONDS = readSetting('BENCH_STEADY_SECONDS', 8, 2, 600);
const RATE = 50;
const IN_FLIGHT = 16;
const SECRET = 'bench-encryption-secret';
const KEY = generateArchiveKey('benchmark');
const PASSPHRASE = parseArchiveKey('a benchmark passphrase of some length', 'benchmark');

type Variant = 'plain' | 'encrypted';
const VARIANTS: Variant[] = ['plain', 'encrypted'];
const keyOf = (variant: Variant): ArchiveKey | null => (variant === 'encrypted' ? KEY : null);

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

// ---------------------------------------------------------------------------------------------
// Deliveries

interface Delivery {
  body: Buffer;
  signature: string;
}

let seed = 1;
/** Signed session.ended bodies (40 messages), never seen before (every run stores new sessions). */
function deliveries(count: number): Delivery[] {
  const random = seededRandom(20_261_127 + seed++ * 7919);
  return Array.from({ length: count }, (_, i) => {
    const { ended } = simulateSession(random, { endsAt: Date.parse('2026-11-01T12:00:00Z') + i * 1000, messages: 40 });
    const body = Buffer.from(JSON.stringify(ended));
    return { body, signature: sign(SECRET, body) };
  });
}

function post(url: URL, delivery: Delivery): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', [EVENT_HEADER]: 'session.ended', [SIGNATURE_HEADER]: delivery.signature, 'content-length': delivery.body.length },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(delivery.body);
  });
}

/** Sends everything with `inFlight` requests outstanding; events per second. */
async function burst(url: URL, items: Delivery[]): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < items.length) {
      const status = await post(url, items[next++]!);
      if (status !== 200) throw new Error(`a delivery was answered ${status}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return items.length / ((performance.now() - started) / 1000);
}

/** Open loop at `rate` per second; each acknowledgement's latency with the time it was sent (epoch ms). */
async function sendOpenLoop(url: URL, items: Delivery[], rate: number): Promise<Array<{ at: number; ms: number }>> {
  const now = () => performance.timeOrigin + performance.now();
  const started = performance.now();
  const sent: Array<Promise<{ at: number; ms: number }>> = [];
  for (let i = 0; i < items.length; i += 1) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await delay(wait);
    const at = now();
    sent.push(
      post(url, items[i]!).then((status) => {
        if (status !== 200) throw new Error(`a delivery was answered ${status}`);
        return { at, ms: now() - at };
      }),
    );
  }
  return Promise.all(sent);
}

interface SenderData {
  url: string;
  count: number;
  rate: number;
  seed: number;
}

/** The steady load from a worker thread of this file (tsx's hooks do not reach workers on Node 20: its API loads it). */
function steady(url: URL, count: number, rate: number): Promise<Array<{ at: number; ms: number }>> {
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const source = `import(${JSON.stringify(tsxApi)}).then((api) => api.tsImport(${JSON.stringify(import.meta.url)}, ${JSON.stringify(import.meta.url)}));`;
  const worker = new Worker(source, { eval: true, workerData: { url: url.href, count, rate, seed: seed++ } satisfies SenderData });
  return new Promise((resolve, reject) => {
    worker.once('message', (acks: Array<{ at: number; ms: number }>) => {
      resolve(acks);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the load sender exited (code ${code})`)));
  });
}

async function engineOn(dataDir: string, variant: Variant): Promise<{ engine: Engine; url: URL }> {
  const engine = await Engine.start(defaultConfig({ dataDir, port: 0, secret: SECRET, archiveKey: keyOf(variant), schedule: 'off' }));
  return { engine, url: new URL(engine.localWebhookUrl) };
}

// ---------------------------------------------------------------------------------------------
// 1. Ingest

interface IngestRound {
  rate: Record<Variant, number>;
  acks: Record<Variant, number[]>;
}

async function ingestRound(round: number): Promise<IngestRound> {
  const result: IngestRound = { rate: { plain: 0, encrypted: 0 }, acks: { plain: [], encrypted: [] } };
  // Alternate which goes first: the second run of a round meets a warmer machine.
  const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
  for (const variant of order) {
    const dataDir = mkdtempSync(join(root, `ingest-${variant}-`));
    const { engine, url } = await engineOn(dataDir, variant);
    try {
      result.rate[variant] = await burst(url, deliveries(BURST));
      await engine.archive.settled();
      result.acks[variant] = (await steady(url, RATE * STEADY_SECONDS, RATE)).map((ack) => ack.ms);
      await engine.archive.settled();
    } finally {
      await engine.stop();
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// 2. Search

interface SearchResult {
  label: string;
  warm: Record<Variant, Summary>;
}

async function buildArchives(): Promise<{ dirs: Record<Variant, string>; buildMs: number; encrypt: { ms: number; bytes: number }; bytes: number; messages: number }> {
  const dirs: Record<Variant, string> = { plain: join(root, 'search-plain'), encrypted: join(root, 'search-encrypted') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const store = await SqliteStore.open(archivePath(dirs.plain));
  try {
    // The store benchmark's mix: every 17th session is long, ~40 messages per session on average.
    await loadDemoData(store, { sessions: SESSIONS, seed: 4242, longEvery: 17 });
  } finally {
    await store.close();
  }
  const buildMs = performance.now() - started;
  // The same rows, encrypted the way `callaider-archive encrypt` does it.
  copyFileSync(archivePath(dirs.plain), archivePath(dirs.encrypted));
  const encrypted = await SqliteStore.changeKey(archivePath(dirs.encrypted), { from: null, to: KEY });
  const check = SqliteStore.checkFile(archivePath(dirs.plain));
  return { dirs, buildMs, encrypt: { ms: encrypted.ms, bytes: encrypted.bytes }, bytes: statSync(archivePath(dirs.plain)).size, messages: check.counts!.messages };
}

async function timeSearches(dirs: Record<Variant, string>, rounds: number): Promise<SearchResult[]> {
  const stores = Object.fromEntries(
    await Promise.all(VARIANTS.map(async (variant) => [variant, await SqliteStore.open(archivePath(dirs[variant]), { readonly: true, threads: true, key: keyOf(variant) })] as const)),
  ) as Record<Variant, SqliteStore>;
  const queries: Array<{ label: string; query?: string }> = [{ label: 'first page' }, ...WINDOW_SEARCHES.map((query) => ({ label: `search "${query}"`, query }))];
  const samples = new Map<string, Record<Variant, number[]>>(queries.map((q) => [q.label, { plain: [], encrypted: [] }]));
  const list = (store: SqliteStore, query?: string) => store.json.listSessions({ query, filters: {}, limit: 100, staleAfterMs: 7_200_000, now: Date.now() });
  try {
    // One unmeasured pass: statement caches, JIT.
    for (const variant of VARIANTS) for (const q of queries) await list(stores[variant], q.query);
    for (let round = 0; round < rounds; round += 1) {
      for (const q of queries) {
        for (const variant of round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
          const started = performance.now();
          await list(stores[variant], q.query);
          samples.get(q.label)![variant].push(performance.now() - started);
        }
      }
    }
  } finally {
    for (const store of Object.values(stores)) await store.close();
  }
  return queries.map((q) => ({ label: q.label, warm: { plain: summarize(samples.get(q.label)!.plain), encrypted: summarize(samples.get(q.label)!.encrypted) } }));
}

/** A fresh store (empty page cache), then one search: what the first search after a start costs. */
async function coldSearch(dirs: Record<Variant, string>, rounds: number): Promise<Record<Variant, Summary>> {
  const samples: Record<Variant, number[]> = { plain: [], encrypted: [] };
  for (let round = 0; round < rounds; round += 1) {
    for (const variant of round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
      const store = await SqliteStore.open(archivePath(dirs[variant]), { readonly: true, key: keyOf(variant) });
      const started = performance.now();
      await store.listSessions({ query: 'technician', filters: {}, limit: 100, staleAfterMs: 7_200_000 });
      samples[variant].push(performance.now() - started);
      await store.close();
    }
  }
  return { plain: summarize(samples.plain), encrypted: summarize(samples.encrypted) };
}

// ---------------------------------------------------------------------------------------------
// 3. Backups under load

interface BackupRun {
  ms: number;
  bytes: number;
  during: Summary;
  outside: Summary;
}

async function backupUnderLoad(dirs: Record<Variant, string>, variant: Variant): Promise<BackupRun> {
  // A copy: the run adds sessions.
  const dataDir = mkdtempSync(join(root, `backup-${variant}-`));
  copyFileSync(archivePath(dirs[variant]), archivePath(dataDir));
  const { engine, url } = await engineOn(dataDir, variant);
  try {
    // Long enough for the slowest backup (encrypted, with its check) to run inside it.
    const load = steady(url, RATE * 16, RATE);
    await delay(1500);
    const started = performance.timeOrigin + performance.now();
    const record = await engine.backups.runNow();
    const ended = performance.timeOrigin + performance.now();
    if (!record.ok) throw new Error(`the ${variant} backup failed: ${record.error}`);
    const acks = await load;
    const during = acks.filter((ack) => ack.at >= started && ack.at <= ended).map((ack) => ack.ms);
    const outside = acks.filter((ack) => ack.at < started || ack.at > ended).map((ack) => ack.ms);
    return { ms: ended - started, bytes: record.bytes ?? 0, during: summarize(during), outside: summarize(outside) };
  } finally {
    await engine.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The copy methods alone, nothing else running: how much of an encrypted backup's time is the
 * method (VACUUM INTO rebuilds every b-tree) and how much is the encryption.
 */
async function copyTimes(dirs: Record<Variant, string>): Promise<{ backupApiPlain: number; vacuumPlain: number; vacuumEncrypted: number }> {
  const target = join(root, 'copy.sqlite');
  const time = async (variant: Variant, how: 'backup' | 'vacuum') => {
    rmSync(target, { force: true });
    const db = new Database(archivePath(dirs[variant]), { readonly: true });
    const key = keyOf(variant);
    if (key) applyKey(db, key);
    const started = performance.now();
    try {
      if (how === 'backup') await db.backup(target, { progress: ({ remainingPages }) => Math.max(remainingPages, 1) });
      else db.prepare('VACUUM INTO ?').run(target);
      return performance.now() - started;
    } finally {
      db.close();
      rmSync(target, { force: true });
    }
  };
  return { backupApiPlain: await time('plain', 'backup'), vacuumPlain: await time('plain', 'vacuum'), vacuumEncrypted: await time('encrypted', 'vacuum') };
}

// ---------------------------------------------------------------------------------------------
// 4. Opening

async function openTimes(dirs: Record<Variant, string>, rounds: number): Promise<Record<'plain' | 'raw key' | 'passphrase', Summary>> {
  const passphraseDir = join(root, 'open-passphrase');
  const file = archivePath(passphraseDir);
  mkdirSync(passphraseDir, { recursive: true });
  copyFileSync(archivePath(dirs.encrypted), file);
  await SqliteStore.changeKey(file, { from: KEY, to: PASSPHRASE });
  const cases = [
    ['plain', archivePath(dirs.plain), null],
    ['raw key', archivePath(dirs.encrypted), KEY],
    ['passphrase', file, PASSPHRASE],
  ] as const;
  const samples: Record<string, number[]> = { plain: [], 'raw key': [], passphrase: [] };
  for (let round = 0; round < rounds; round += 1) {
    for (const [label, path, key] of cases) {
      const started = performance.now();
      const store = await SqliteStore.open(path, { threads: true, deferProjection: true, key });
      samples[label]!.push(performance.now() - started);
      await store.close();
    }
  }
  return { plain: summarize(samples.plain!), 'raw key': summarize(samples['raw key']!), passphrase: summarize(samples.passphrase!) };
}

// ---------------------------------------------------------------------------------------------

const ratio = (plain: number, encrypted: number) => (plain > 0 ? `${(encrypted / plain).toFixed(2)}×` : 'n/a');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const problems: string[] = [];
  const started = performance.now();
  try {
    console.error(`bench: building a ${fmt(SESSIONS)}-session demo archive in ${root}`);
    const archives = await buildArchives();
    console.error(`bench: built in ${fmt(archives.buildMs / 1000, 1)} s; encrypted a copy in ${fmt(archives.encrypt.ms)} ms`);

    const rounds: IngestRound[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      console.error(`bench: ingest round ${round + 1}/${ROUNDS}`);
      rounds.push(await ingestRound(round));
    }
    console.error('bench: searches');
    const searches = await timeSearches(archives.dirs, 15);
    const cold = await coldSearch(archives.dirs, 8);
    console.error('bench: backups under load');
    const backups = { plain: await backupUnderLoad(archives.dirs, 'plain'), encrypted: await backupUnderLoad(archives.dirs, 'encrypted') };
    const copies = await copyTimes(archives.dirs);
    console.error('bench: opening');
    const opens = await openTimes(archives.dirs, 5);

    const rates = Object.fromEntries(VARIANTS.map((v) => [v, rounds.map((r) => r.rate[v])])) as Record<Variant, number[]>;
    const rateRatios = rounds.map((r) => r.rate.encrypted / r.rate.plain);
    const acks = Object.fromEntries(VARIANTS.map((v) => [v, summarize(rounds.flatMap((r) => r.acks[v]))])) as Record<Variant, Summary>;
    const lines = [
      `## Encryption (issue 11): \`bench/encryption.ts\``,
      '',
      `- Run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), Node ${process.versions.node}, SQLite ${sqliteVersion()}, ${codeVersion()}, archive on ${filesystemOf(root)}; ${fmt((performance.now() - started) / 1000)} s in all.`,
      `- Encryption: SQLCipher 4 (better-sqlite3-multiple-ciphers, cipher=sqlcipher, legacy=4), raw 256-bit key; plain and encrypted alternate within each round.`,
      '',
      '### Ingest (real engine over HTTP, fresh data folder per run)',
      '',
      '| | plain | encrypted | encrypted / plain |',
      '|---|---:|---:|---:|',
      `| burst of ${fmt(BURST)} session.ended (40 messages), ${IN_FLIGHT} in flight: events/s, median of ${ROUNDS} rounds (range) | ${fmt(median(rates.plain))} (${fmt(Math.min(...rates.plain))}–${fmt(Math.max(...rates.plain))}) | ${fmt(median(rates.encrypted))} (${fmt(Math.min(...rates.encrypted))}–${fmt(Math.max(...rates.encrypted))}) | ${median(rateRatios).toFixed(2)}× (${Math.min(...rateRatios).toFixed(2)}–${Math.max(...rateRatios).toFixed(2)}) |`,
      `| steady ${RATE}/s for ${STEADY_SECONDS} s × ${ROUNDS}: ack p50 ms | ${ms1(acks.plain.p50)} | ${ms1(acks.encrypted.p50)} | ${ratio(acks.plain.p50, acks.encrypted.p50)} |`,
      `| steady: ack p99 ms | ${ms1(acks.plain.p99)} | ${ms1(acks.encrypted.p99)} | ${ratio(acks.plain.p99, acks.encrypted.p99)} |`,
      '',
      `### Search (${fmt(SESSIONS)} sessions, ${fmt(archives.messages)} messages, ${fmt(archives.bytes / 1024 / 1024, 1)} MB; store reader thread, 15 rounds, p50 / p95 ms)`,
      '',
      '| | plain | encrypted | p50 encrypted / plain |',
      '|---|---:|---:|---:|',
      ...searches.map((s) => `| ${s.label} | ${ms1(s.warm.plain.p50)} / ${ms1(s.warm.plain.p95)} | ${ms1(s.warm.encrypted.p50)} / ${ms1(s.warm.encrypted.p95)} | ${ratio(s.warm.plain.p50, s.warm.encrypted.p50)} |`),
      `| first search ("technician") on a freshly opened store, 8 runs | ${ms1(cold.plain.p50)} / ${ms1(cold.plain.p95)} | ${ms1(cold.encrypted.p50)} / ${ms1(cold.encrypted.p95)} | ${ratio(cold.plain.p50, cold.encrypted.p50)} |`,
      '',
      `### Backup while ${RATE} deliveries/s arrive (same archive; plain: backup API in one step, encrypted: VACUUM INTO)`,
      '',
      '| | plain | encrypted |',
      '|---|---:|---:|',
      `| backup time ms, copy and check (file MB) | ${fmt(backups.plain.ms)} (${fmt(backups.plain.bytes / 1024 / 1024, 1)}) | ${fmt(backups.encrypted.ms)} (${fmt(backups.encrypted.bytes / 1024 / 1024, 1)}) |`,
      `| ack p50 / p99 / max ms during the backup (n) | ${ms1(backups.plain.during.p50)} / ${ms1(backups.plain.during.p99)} / ${ms1(backups.plain.during.max)} (${backups.plain.during.n}) | ${ms1(backups.encrypted.during.p50)} / ${ms1(backups.encrypted.during.p99)} / ${ms1(backups.encrypted.during.max)} (${backups.encrypted.during.n}) |`,
      `| ack p50 / p99 ms outside it | ${ms1(backups.plain.outside.p50)} / ${ms1(backups.plain.outside.p99)} | ${ms1(backups.encrypted.outside.p50)} / ${ms1(backups.encrypted.outside.p99)} |`,
      '',
      `The copy methods alone, with nothing else running: backup API (plain) ${fmt(copies.backupApiPlain)} ms, VACUUM INTO plain ${fmt(copies.vacuumPlain)} ms, VACUUM INTO encrypted ${fmt(copies.vacuumEncrypted)} ms.`,
      '',
      '### Other costs',
      '',
      `- Building the demo archive: ${fmt(archives.buildMs / 1000, 1)} s. Encrypting it (\`SqliteStore.changeKey\`: checkpoint, check, copy, rekey, check with the new key, swap): ${fmt(archives.encrypt.ms)} ms.`,
      `- Opening the store with its writer, reader and checkpointer threads, p50 of 5: plain ${ms1(opens.plain.p50)} ms, raw key ${ms1(opens['raw key'].p50)} ms, passphrase ${ms1(opens.passphrase.p50)} ms (SQLCipher's key derivation runs once per connection).`,
      '',
    ];
    publishReport(lines.join('\n'), 'encryption-latest.md', problems);
  } finally {
    agent.destroy();
    rmSync(root, { recursive: true, force: true });
  }
}

let root = '';
if (isMainThread) {
  root = mkdtempSync(join(process.env.BENCH_TMPDIR ?? os.tmpdir(), 'callaider-bench-enc-'));
  await main();
} else {
  const data = workerData as SenderData;
  seed = data.seed;
  const acks = await sendOpenLoop(new URL(data.url), deliveries(data.count), data.rate);
  agent.destroy();
  parentPort!.postMessage(acks);
}
