/**
 * Archive window benchmark (not a test): on a 100,000-session / ~4,000,000-message archive,
 * the HTTP API's first list page and search latency, and the DOM size of the list and of a
 * 10,000-message transcript while scrolling, in Debian's Chromium.
 *
 * The archive is built once into bench/.cache (minutes) and reused. Env: BENCH_SESSIONS (100000),
 * BENCH_REBUILD=1 to rebuild. Baseline: the cheapest API call over the same transport in the same run.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { chromium } from 'playwright-core';
import { SqliteStore } from '../electron/core/archive/sqlite/sqlite-store.js';
import { ArchiveService } from '../electron/core/archive-service.js';
import { defaultConfig } from '../electron/core/config.js';
import { loadDemoData } from '../electron/core/demo.js';
import { Engine } from '../electron/core/engine.js';
import { archivePath } from '../electron/core/paths.js';
import { seededRandom, simulateSession } from '../electron/core/simulator.js';
import { startUiServer } from '../electron/core/ui-server.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 100_000);
const dataDir = join(here, '.cache', `ui-${SESSIONS}`);
const LONG_SESSION = 'bench-10k-message-session';

async function buildArchive(): Promise<void> {
  if (existsSync(archivePath(dataDir)) && !process.env.BENCH_REBUILD) return;
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const archive = await SqliteStore.open(archivePath(dataDir));
  const started = performance.now();
  let last = 0;
  await loadDemoData(archive, {
    sessions: SESSIONS,
    seed: 4242,
    spreadDays: 365,
    longEvery: 17,
    onProgress: (done) => {
      if (performance.now() - last > 10_000) {
        last = performance.now();
        console.log(`  building: ${done} / ${SESSIONS} sessions (${Math.round((performance.now() - started) / 1000)} s)`);
      }
    },
  });
  const { started: s, ended: e } = simulateSession(seededRandom(1), { endsAt: Date.now() - 60_000, messages: 10_000 });
  for (const payload of [{ ...s, sessionId: LONG_SESSION }, { ...e, sessionId: LONG_SESSION }]) {
    await archive.ingest({ payload, body: Buffer.from(JSON.stringify(payload)), source: 'import', receivedAt: Date.now() });
  }
  console.log(`  built in ${Math.round((performance.now() - started) / 1000)} s`);
  await archive.close();
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  console.log(`archive: ${SESSIONS} sessions in ${dataDir}`);
  await buildArchive();
  const engine = await Engine.start(defaultConfig({ dataDir, port: 0, secret: 'bench' }));
  const service = new ArchiveService(engine, { host: 'serve' });
  const ui = await startUiServer({ service, port: 0, token: 'bench' });
  const counts = await engine.archive.counts({ staleBefore: 0 });
  const call = async (method: string, args: unknown) => {
    const t = performance.now();
    const response = await fetch(`${ui.baseUrl}/api/${method}`, { method: 'POST', headers: { authorization: 'Bearer bench', 'content-type': 'application/json' }, body: JSON.stringify(args) });
    const body = (await response.json()) as unknown;
    if (!response.ok) throw new Error(`${method}: ${JSON.stringify(body)}`);
    return { ms: performance.now() - t, body };
  };
  const timeIt = async (runs: number, fn: () => Promise<{ ms: number }>) => {
    await fn();
    const samples: number[] = [];
    for (let i = 0; i < runs; i += 1) samples.push((await fn()).ms);
    return { p50: percentile(samples, 50), p95: percentile(samples, 95), max: Math.max(...samples) };
  };

  const baseline = await timeIt(100, () => call('revealSecret', {}));
  const firstPage = await timeIt(100, () => call('listSessions', { limit: 100 }));
  const filtered = await timeIt(50, () => call('listSessions', { limit: 100, filters: { hasToolErrors: true, mode: 'voice' } }));
  const QUERIES = ['calendar', 'gluten free', 'Q-1182', 'technician', 'Zoë', 'appointment', 'carrier rejected', 'dispatch_technician', 'scarf', 'Петров', 'the', 'wheelchair', 'nonexistentword'];
  const searchSamples: number[] = [];
  const perQuery: Record<string, number> = {};
  for (const query of QUERIES) {
    await call('listSessions', { query, limit: 100 });
    const runs: number[] = [];
    for (let i = 0; i < 10; i += 1) runs.push((await call('listSessions', { query, limit: 100 })).ms);
    searchSamples.push(...runs);
    perQuery[query] = percentile(runs, 50);
  }
  const search = { p50: percentile(searchSamples, 50), p95: percentile(searchSamples, 95), max: Math.max(...searchSamples) };
  const longMessages = await timeIt(5, () => call('getMessages', { sessionId: LONG_SESSION }));

  // The DOM, in Debian's Chromium.
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
  await page.goto(ui.url);
  await page.locator('.session-row').first().waitFor();
  const list = page.getByRole('listbox', { name: /Sessions/ });
  const domCount = () => list.evaluate((el) => el.ownerDocument.getElementsByTagName('*').length);
  const listNodes: number[] = [];
  for (let i = 0; i < 80; i += 1) {
    await list.evaluate((el) => el.scrollBy(0, 2500));
    await page.waitForTimeout(25);
    listNodes.push(await domCount());
  }
  const scrolledRows = await list.evaluate((el) => Math.round(el.scrollTop / 76));
  const openStarted = performance.now();
  await page.goto(`${ui.baseUrl}/#/sessions/${LONG_SESSION}`);
  await page.locator('.message').first().waitFor({ timeout: 60_000 });
  const openMs = performance.now() - openStarted;
  const transcript = page.getByRole('log', { name: 'Transcript' });
  const transcriptNodes: number[] = [];
  for (let i = 0; i < 300; i += 1) {
    await transcript.evaluate((el) => el.scrollBy(0, 8000));
    await page.waitForTimeout(25);
    transcriptNodes.push(await domCount());
    if (await transcript.evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 5)) break;
  }
  const transcriptEnd = await transcript.evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 5);
  await browser.close();
  await ui.close();
  await engine.stop();

  const sqlite = new Database(':memory:').prepare('select sqlite_version() v').get() as { v: string };
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const pass = (ok: boolean) => (ok ? 'met' : '**missed**');
  const report = `### Archive window (${new Date().toISOString()})

Machine: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, SQLite ${sqlite.v}, Chromium (Debian).
Archive: ${counts.sessions.toLocaleString('en')} sessions, ${counts.messages.toLocaleString('en')} messages (one of them 10,000 messages long).

| measure (HTTP API on loopback, 100 rows per page) | p50 | p95 | ratio to baseline (p50) | target |
| --- | --- | --- | --- | --- |
| baseline: cheapest API call (same transport, same run) | ${ms(baseline.p50)} | ${ms(baseline.p95)} | 1.0 | |
| first list page, newest first | ${ms(firstPage.p50)} | ${ms(firstPage.p95)} | ${(firstPage.p50 / baseline.p50).toFixed(1)} | < 50 ms: ${pass(firstPage.p95 < 50)} |
| first page, filtered (tool errors + voice) | ${ms(filtered.p50)} | ${ms(filtered.p95)} | ${(filtered.p50 / baseline.p50).toFixed(1)} | |
| search (${QUERIES.length} queries × 10, rare to very common) | ${ms(search.p50)} | ${ms(search.p95)} | ${(search.p50 / baseline.p50).toFixed(1)} | p95 < 100 ms: ${pass(search.p95 < 100)} |
| all 10,000 messages of one session | ${ms(longMessages.p50)} | ${ms(longMessages.p95)} | ${(longMessages.p50 / baseline.p50).toFixed(1)} | |

Search p50 per query: ${Object.entries(perQuery).map(([q, v]) => `\`${q}\` ${v.toFixed(1)}`).join(', ')} (ms).

| DOM while scrolling (Chromium) | elements in the document |
| --- | --- |
| session list, ${scrolledRows.toLocaleString('en')} rows scrolled past | min ${Math.min(...listNodes)}, max ${Math.max(...listNodes)} |
| 10,000-message transcript, scrolled to the end: ${transcriptEnd ? 'yes' : 'no'} (opened in ${Math.round(openMs)} ms) | min ${Math.min(...transcriptNodes)}, max ${Math.max(...transcriptNodes)} |
`;
  console.log(report);
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'ui-latest.md'), report);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
