/**
 * Follow-up benchmark (a measurement, not a test), issue 10's targets on the 100,000-session archive
 * of the store benchmark (built before issue 10, so its first start upgrades it):
 *
 * 1. Engine start on that archive, migration 9 included: from spawning the server to its 'ready';
 *    then the first pass of the triage rules over every past session (how long, how many flagged).
 * 2. Acknowledgements of signed session.ended deliveries (40 messages) at a steady 50 per second,
 *    open loop, from a separate process: (a) alone, (b) while the rules re-run over the whole
 *    archive after one rule changed through the API (the built-in short-call rule, 10 -> 12 s),
 *    sending until status.triage says the re-run finished. The store issue's targets: ack p99 < 20 ms
 *    alone, < 30 ms with a busy window; (b) is judged against 30 ms and given as a ratio to (a).
 * 3. With nothing else running, interleaved rounds (baseline: revealSecret in the same rounds):
 *    the inbox (first and a later page, snoozed, done), status, the busiest caller's page and its
 *    second page, sessions filtered by follow-up state and by tag, one page of a rule preview.
 *    Target for opening the inbox and a caller page: p95 < 100 ms (the store issue's page target).
 *
 *   npm run bench:follow-ups                 # this benchmark (about 5–10 minutes with the archive built)
 *   BENCH_RATE=50 BENCH_BASELINE_SECONDS=20  # deliveries per second; length of 2(a) and the least of 2(b)
 *   BENCH_RERUN_MAX_SECONDS=240              # 2(b) gives up on the re-run after this long
 *   BENCH_ROUNDS=40                          # rounds of 3
 *   BENCH_SESSIONS=100000 BENCH_TMPDIR=/some/disk
 *
 * It works on a copy of the cached archive (bench/.cache/store-<n>, built by the CLI when missing),
 * in a temp dir removed afterwards; the cache itself is never opened for writing. The server is
 * bench/store-server.ts (the engine and the window's HTTP API, from source through tsx), the load
 * sender bench/store-clients.ts. Loopback only; a watchdog ends a hung run. The Markdown report is
 * printed and written to bench/results/follow-ups-latest.md. Exit code 0 when targets are missed,
 * non-zero when the benchmark itself breaks (a non-2xx acknowledgement, a failed API call, a crash).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { ArchiveResults, ArchiveStatus, CallerPage, SessionPage } from '../shared/api.js';
import type { CallerRef, RuleInput, RulePreviewPage, TriageProgress } from '../shared/follow-up.js';
import { archivePath } from '../electron/core/paths.js';
import { MESSAGES_PER_EVENT, api, type ClientReply, type LoadResult } from './store-clients.js';
import type { LoopStats, ServerMessage } from './store-server.js';
import { codeVersion, filesystemOf, readSetting } from './report.js';
import {
  LONG_EVERY,
  SEED,
  ask,
  cleanUp,
  mergeLoads,
  copyArchive,
  cpuSnapshot,
  createRunDir,
  ensureArchive,
  fmt,
  forkClient,
  forkServer,
  ms1,
  otherLoad,
  publishReport,
  sendSteadily,
  settleIndexing,
  sqliteVersion,
  stopProcess,
  summarize,
  timeInterleaved,
  verdict,
  type ApiMeasure,
  type Summary,
  type Watched,
} from './harness.js';

const SECRET = 'bench-follow-ups-secret';
const UI_TOKEN = 'bench-follow-ups-token';
const WARMUP_SECONDS = 3;
/** 2(b) sends in chunks of this length, checking status.triage between them (one cheap call, not a busy window). */
const CHUNK_SECONDS = 5;
/** Without status.triage, the first pass counts as done when the follow-up counts stay the same this long. */
const QUIET_FOR_MS = 5000;
const FIRST_PASS_LIMIT_MS = 420_000;
const TARGETS = { ackAloneP99: 20, ackBusyP99: 30, statusP95: 5, pageP95: 100 } as const;
const PREVIEW_BUDGET_MS = 150;
const INBOX_PAGE = 200;
const CALLER_PAGE = 100;
/** The rule changed in 2(b): a built-in one, so every archive has it. */
const CHANGED_RULE_KIND = 'short-call';
const BENCH_TAG = 'bench: first inbox page';
/** Sessions with callers added through loadDemoData before 3 (its most per call). */
const DEMO_SESSIONS = 5000;

type Status = ArchiveStatus;

const call = async <M extends keyof ArchiveResults>(baseUrl: string, method: M, args: unknown): Promise<ArchiveResults[M]> => (await api<ArchiveResults[M]>(baseUrl, UI_TOKEN, method, args)).body;

/** The archive file's schema version (user_version), read-only: the copy before the engine opens it. */
function schemaVersion(dataDir: string): number {
  const db = new Database(archivePath(dataDir), { readonly: true, fileMustExist: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 1. The first pass over the upgraded archive

interface FirstPass {
  /** 'runner': seen in status.triage; 'store': status.triage stayed null, so it ran inside the store and only the counts showed it. */
  seenAs: 'runner' | 'store';
  /** ms from the server's 'ready' to the end of the pass (runner: finishedAt; store: the counts' last change). */
  afterReadyMs: number;
  /** The pass's own duration (runner only: finishedAt - startedAt). */
  passMs: number | null;
  progress: TriageProgress | null;
  finished: boolean;
  followUps: Status['followUps'];
}

async function waitForFirstPass(baseUrl: string, readyAtEpoch: number): Promise<FirstPass> {
  const started = performance.now();
  let last = '';
  let lastChangeEpoch = readyAtEpoch;
  let logAt = 0;
  for (;;) {
    const status = await call(baseUrl, 'status', {});
    const now = Date.now();
    const triage = status.triage;
    const elapsed = performance.now() - started;
    if (elapsed - logAt > 10_000) {
      logAt = elapsed;
      console.log(`bench: first pass: ${triage ? `${fmt(triage.checked)} of ${fmt(triage.total)} checked, ${fmt(triage.changed)} changed` : 'status.triage null'}; open ${fmt(status.followUps.open)}, snoozed ${fmt(status.followUps.snoozed)}`);
    }
    if (triage) {
      if (!triage.running && triage.finishedAt !== null)
        return { seenAs: 'runner', afterReadyMs: triage.finishedAt - readyAtEpoch, passMs: triage.finishedAt - triage.startedAt, progress: triage, finished: triage.error === null, followUps: status.followUps };
    } else {
      const counts = `${status.followUps.open}/${status.followUps.snoozed}`;
      if (counts !== last) {
        last = counts;
        lastChangeEpoch = now;
      } else if (now - lastChangeEpoch >= QUIET_FOR_MS && now - readyAtEpoch >= QUIET_FOR_MS) {
        return { seenAs: 'store', afterReadyMs: lastChangeEpoch - readyAtEpoch, passMs: null, progress: null, finished: true, followUps: status.followUps };
      }
    }
    if (elapsed > FIRST_PASS_LIMIT_MS) return { seenAs: triage ? 'runner' : 'store', afterReadyMs: now - readyAtEpoch, passMs: null, progress: triage, finished: false, followUps: status.followUps };
    await delay(250);
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Acknowledgements while the rules re-run

/** The changed rule: the built-in short-call rule, two seconds longer. */
async function changedRule(baseUrl: string): Promise<{ input: RuleInput; from: number; to: number }> {
  const { rules } = await call(baseUrl, 'listRules', {});
  const rule = rules.find((candidate) => candidate.kind === CHANGED_RULE_KIND);
  if (!rule) throw new Error(`listRules has no built-in ${CHANGED_RULE_KIND} rule`);
  const from = rule.seconds ?? 10;
  const to = from + 2;
  const input: RuleInput = { id: rule.id, name: rule.name, enabled: true, kind: rule.kind, seconds: to, conditions: rule.conditions, action: rule.action };
  if (rule.phrases) input.phrases = rule.phrases;
  return { input, from, to };
}

interface Rerun {
  load: LoadResult;
  progress: TriageProgress | null;
  /** Sending went on this long (ms). */
  sendingMs: number;
  /** Each chunk's ack p99 (ms), and whether the re-run was still running when the chunk ended. */
  chunks: Array<{ p99: number; running: boolean }>;
  rule: { from: number; to: number };
}

async function sendWhileRerunning(options: { load: Watched; baseUrl: string; url: string; rate: number; minSeconds: number; maxSeconds: number; problems: string[] }): Promise<Rerun> {
  const { load, baseUrl, url, rate, problems } = options;
  const previous = (await call(baseUrl, 'status', {})).triage?.startedAt ?? 0;
  const change = await changedRule(baseUrl);
  const parts: LoadResult[] = [];
  const chunks: Rerun['chunks'] = [];
  const started = performance.now();
  let savedAt = 0;
  let progress: TriageProgress | null = null;
  for (let chunk = 0; ; chunk += 1) {
    const sending = sendSteadily(load, { url, label: 'during the re-run', rate, seconds: CHUNK_SECONDS }, problems);
    if (chunk === 0) {
      // Deliveries are already flowing when the rule changes, so the re-run's first pages meet them.
      await delay(500);
      savedAt = Date.now();
      await call(baseUrl, 'saveRule', change.input);
      console.log(`bench: 2(b): ${CHANGED_RULE_KIND} rule saved (${change.from} -> ${change.to} s); the re-run starts`);
    }
    parts.push(await sending);
    const triage = (await call(baseUrl, 'status', {})).triage;
    if (triage && triage.startedAt !== previous && triage.startedAt >= savedAt - 1000) progress = triage;
    chunks.push({ p99: summarize(parts[parts.length - 1]!.fromSendMs).p99, running: progress?.running ?? true });
    const elapsed = performance.now() - started;
    if (progress) console.log(`bench: 2(b): ${fmt(elapsed / 1000)} s: ${fmt(progress.checked)} of ${fmt(progress.total)} checked${progress.running ? '' : ', finished'}`);
    if (progress && !progress.running && elapsed >= options.minSeconds * 1000) break;
    if (elapsed + CHUNK_SECONDS * 1000 > options.maxSeconds * 1000) {
      problems.push(`2(b): the re-run ${progress ? `had checked ${fmt(progress.checked)} of ${fmt(progress.total)} sessions` : 'had not shown in status.triage'} after ${fmt(elapsed / 1000)} s (BENCH_RERUN_MAX_SECONDS)`);
      break;
    }
  }
  return { load: mergeLoads('during the re-run', parts), progress, sendingMs: performance.now() - started, chunks, rule: { from: change.from, to: change.to } };
}

// ---------------------------------------------------------------------------------------------
// 3. The follow-up API with nothing else running

interface Fixture {
  /** Adding the demo sessions with callers through the API, indexing included (ms). */
  demoMs: number;
  inboxTotal: number;
  caller: CallerRef & { sessions: number };
  callerPages: number;
  taggedSessions: number;
  done: number;
  snoozed: number;
  followUpSessions: number | null;
  preview: RulePreviewPage;
}

const PREVIEW_RULE: RuleInput = {
  name: 'Repairs to quote (bench)',
  enabled: true,
  kind: 'custom',
  conditions: [{ field: 'words', who: 'caller', words: ['water heater', 'a quote', 'crown came loose'] }],
  action: { followUp: true, priority: 'normal', tags: [], notify: false },
};

/**
 * What the timed calls need, made through the API: sessions with callers (neither the archive, built
 * before callers existed, nor the load's session.ended bodies carry a caller's number or address:
 * loadDemoData adds sessions from today's simulator, whose callers come back), the inbox's
 * cursors, the busiest caller, a tag on
 * the first inbox page's 200 sessions, and some items done and snoozed (the second page's), so
 * those views have something to list.
 */
async function prepareFixture(baseUrl: string): Promise<{ fixture: Fixture; measures: ApiMeasure[] }> {
  const demoStarted = performance.now();
  await call(baseUrl, 'loadDemoData', { sessions: DEMO_SESSIONS });
  await settleIndexing(baseUrl, UI_TOKEN, `after ${fmt(DEMO_SESSIONS)} demo sessions`);
  const demoMs = performance.now() - demoStarted;
  const first = await call(baseUrl, 'inbox', { view: 'open', limit: INBOX_PAGE });
  if (!first.nextCursor) throw new Error(`the inbox has ${first.total} open items: not enough for a second page`);
  const second = await call(baseUrl, 'inbox', { view: 'open', cursor: first.nextCursor, limit: INBOX_PAGE });

  // The busiest caller among the newest sessions that have one (the load's deliveries have none).
  const seen = new Map<string, CallerRef>();
  let withCaller = 0;
  let cursor: string | null | undefined;
  for (let page = 0; page < 40 && withCaller < 1000; page += 1) {
    const sessions: SessionPage = await call(baseUrl, 'listSessions', { limit: 500, ...(cursor ? { cursor } : {}) });
    for (const caller of sessions.items.map((item) => item.caller)) {
      if (!caller) continue;
      withCaller += 1;
      if ((seen.get(caller.key)?.calls30d ?? -1) < caller.calls30d) seen.set(caller.key, caller);
    }
    cursor = sessions.nextCursor;
    if (!cursor) break;
  }
  const busiest = [...seen.values()].sort((a, b) => b.calls30d - a.calls30d)[0];
  if (!busiest) throw new Error('no session among the newest 20,000 has a caller');
  const callerFirst: CallerPage = await call(baseUrl, 'getCaller', { key: busiest.key, limit: CALLER_PAGE });

  const tag = await call(baseUrl, 'saveTag', { name: BENCH_TAG, color: 'blue' });
  for (const item of first.items) await call(baseUrl, 'tagSession', { sessionId: item.sessionId, tagId: tag.id, on: true });
  const later = second.items.slice(0, 100);
  for (const item of later.slice(0, 50)) await call(baseUrl, 'setFollowUp', { sessionId: item.sessionId, state: 'done' });
  const snoozeUntil = Date.now() + 7 * 86_400_000;
  for (const item of later.slice(50)) await call(baseUrl, 'setFollowUp', { sessionId: item.sessionId, state: 'follow-up', snoozedUntil: snoozeUntil });
  const followUpPage: SessionPage = await call(baseUrl, 'listSessions', { limit: 100, filters: { followUp: 'follow-up' } });
  const preview = await call(baseUrl, 'previewRule', { rule: PREVIEW_RULE });

  const measure = (label: string, method: string, args: unknown, target: number | null, perRound = 1): ApiMeasure => ({ label, method, args, perRound, target, samples: [] });
  const measures: ApiMeasure[] = [
    measure('baseline: revealSecret (cheapest call)', 'revealSecret', {}, null, 3),
    measure(`inbox: open, first page (${INBOX_PAGE})`, 'inbox', { view: 'open', limit: INBOX_PAGE }, TARGETS.pageP95),
    measure('inbox: open, second page (first page\'s cursor)', 'inbox', { view: 'open', cursor: first.nextCursor, limit: INBOX_PAGE }, TARGETS.pageP95),
    measure('inbox: snoozed', 'inbox', { view: 'snoozed', limit: INBOX_PAGE }, TARGETS.pageP95),
    measure('inbox: done', 'inbox', { view: 'done', limit: INBOX_PAGE }, TARGETS.pageP95),
    measure('status (counts follow-ups)', 'status', {}, TARGETS.statusP95, 3),
    measure(`getCaller: busiest caller, first page (${CALLER_PAGE})`, 'getCaller', { key: busiest.key, limit: CALLER_PAGE }, TARGETS.pageP95),
    ...(callerFirst.sessions.nextCursor ? [measure('getCaller: same caller, second page', 'getCaller', { key: busiest.key, cursor: callerFirst.sessions.nextCursor, limit: CALLER_PAGE }, TARGETS.pageP95)] : []),
    measure('listSessions: followUp = follow-up (100)', 'listSessions', { limit: 100, filters: { followUp: 'follow-up' } }, TARGETS.pageP95),
    measure(`listSessions: tag (${first.items.length} tagged, 100)`, 'listSessions', { limit: 100, filters: { tagId: tag.id } }, TARGETS.pageP95),
    measure(`previewRule: one page (custom words rule, ${PREVIEW_BUDGET_MS} ms budget)`, 'previewRule', { rule: PREVIEW_RULE }, null),
  ];
  const fixture: Fixture = {
    demoMs,
    inboxTotal: first.total,
    caller: { ...busiest, sessions: callerFirst.caller.sessions },
    callerPages: Math.ceil(callerFirst.caller.sessions / CALLER_PAGE),
    taggedSessions: first.items.length,
    done: 50,
    snoozed: later.length - 50,
    followUpSessions: followUpPage.total,
    preview,
  };
  return { fixture, measures };
}

// ---------------------------------------------------------------------------------------------

interface Phase {
  label: string;
  load: LoadResult;
  loop: LoopStats;
  others: string;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const t0 = performance.now();
  const sessions = readSetting('BENCH_SESSIONS', 100_000, 100, 10_000_000);
  const rate = readSetting('BENCH_RATE', 50, 1, 2000);
  const baselineSeconds = readSetting('BENCH_BASELINE_SECONDS', 20, 5, 600);
  const rerunMaxSeconds = readSetting('BENCH_RERUN_MAX_SECONDS', 240, baselineSeconds, 3600);
  const rounds = readSetting('BENCH_ROUNDS', 40, 30, 1000);
  const cached = existsSync(archivePath(fileURLToPath(new URL(`./.cache/store-${sessions}`, import.meta.url))));
  const buildAllowance = cached && !process.env.BENCH_REBUILD ? 0 : Math.ceil(sessions / 100_000) * 1200;
  const watchdogSeconds = 300 + FIRST_PASS_LIMIT_MS / 1000 + rerunMaxSeconds + baselineSeconds + buildAllowance;
  setTimeout(() => {
    console.error(`bench: still running after ${watchdogSeconds} s; killing everything and giving up`);
    process.exit(2);
  }, watchdogSeconds * 1000).unref();
  const childSeconds = watchdogSeconds + 60;
  const problems: string[] = [];

  const { dir: cacheDir, info: buildInfo } = await ensureArchive(sessions);
  const tmpRoot = process.env.BENCH_TMPDIR ?? os.tmpdir();
  const runDir = createRunDir(tmpRoot, 'callaider-follow-ups-bench-');
  const dataDir = join(runDir, 'data');
  const copy = copyArchive(cacheDir, dataDir);
  const filesystem = filesystemOf(runDir);
  const versionBefore = schemaVersion(dataDir);
  console.log(`bench: archive copied to ${dataDir} (${fmt(copy.bytes / 2 ** 20)} MiB in ${fmt(copy.ms)} ms, ${filesystem}, schema version ${versionBefore})`);

  // 1. Start on the old archive, then its first pass.
  const spawnedAt = performance.now();
  const server = forkServer({ dataDir, secret: SECRET, uiToken: UI_TOKEN, maxSeconds: childSeconds });
  let load: Watched | null = null;
  try {
    const ready = await ask<Extract<ServerMessage, { type: 'ready' }>>(server, null, 'ready', 300_000);
    const readyMs = performance.now() - spawnedAt;
    const readyAtEpoch = Date.now();
    const { uiBaseUrl, webhookUrl } = ready;
    const versionAfter = schemaVersion(dataDir);
    const atStart = await call(uiBaseUrl, 'status', {});
    console.log(`bench: server ready in ${fmt(readyMs)} ms (schema ${versionBefore} -> ${versionAfter}): ${fmt(atStart.counts.sessions)} sessions; waiting for the first pass`);
    const firstPassCpu = cpuSnapshot();
    const firstPass = await waitForFirstPass(uiBaseUrl, readyAtEpoch);
    const firstPassOthers = otherLoad(firstPassCpu, cpuSnapshot());
    if (!firstPass.finished) problems.push(`1: the first pass ${firstPass.progress?.error ?? `had not finished after ${fmt(FIRST_PASS_LIMIT_MS / 1000)} s`}`);
    console.log(`bench: first pass (${firstPass.seenAs}) done ${fmt(firstPass.afterReadyMs)} ms after ready: ${fmt(firstPass.followUps.open)} open follow-ups`);

    // 2. Deliveries alone, then while the rules re-run.
    load = forkClient('load', childSeconds);
    const bodies = Math.round(rate * (WARMUP_SECONDS + baselineSeconds + rerunMaxSeconds + CHUNK_SECONDS)) + 10;
    const prepared = await ask<Extract<ClientReply, { type: 'ready' }>>(load, { type: 'init', secret: SECRET, count: bodies, seed: 20_261_127 }, 'ready', 300_000);
    console.log(`bench: ${fmt(bodies)} signed bodies prepared in ${fmt(prepared.prepareMs)} ms`);
    const loopStats = async () => (await ask<Extract<ServerMessage, { type: 'loop' }>>(server, { type: 'loop' }, 'loop', 30_000)).stats;
    await sendSteadily(load, { url: webhookUrl, label: 'warm-up', rate, seconds: WARMUP_SECONDS }, problems);
    await settleIndexing(uiBaseUrl, UI_TOKEN, 'after the warm-up');

    await loopStats();
    let cpu = cpuSnapshot();
    const alone = await sendSteadily(load, { url: webhookUrl, label: 'alone', rate, seconds: baselineSeconds }, problems);
    const phaseA: Phase = { label: '(a) deliveries alone', load: alone, others: otherLoad(cpu, cpuSnapshot()), loop: await loopStats() };
    console.log(`bench: 2(a): p99 ${ms1(summarize(alone.fromSendMs).p99)} ms`);
    await settleIndexing(uiBaseUrl, UI_TOKEN, 'after 2(a)');

    cpu = cpuSnapshot();
    const rerun = await sendWhileRerunning({ load, baseUrl: uiBaseUrl, url: webhookUrl, rate, minSeconds: baselineSeconds, maxSeconds: rerunMaxSeconds, problems });
    const phaseB: Phase = { label: '(b) deliveries while the rules re-run over the archive', load: rerun.load, others: otherLoad(cpu, cpuSnapshot()), loop: await loopStats() };
    console.log(`bench: 2(b): p99 ${ms1(summarize(rerun.load.fromSendMs).p99)} ms`);
    load.child.disconnect();
    await load.exited;
    load = null;
    await settleIndexing(uiBaseUrl, UI_TOKEN, 'after 2(b)');

    // 3. The follow-up API, nothing else running.
    const { fixture, measures } = await prepareFixture(uiBaseUrl);
    cpu = cpuSnapshot();
    const roundsDone = await timeInterleaved(uiBaseUrl, UI_TOKEN, measures, rounds, 240_000);
    const apiOthers = otherLoad(cpu, cpuSnapshot());
    console.log(`bench: API timings done (${roundsDone} rounds)`);
    const finalStatus = await call(uiBaseUrl, 'status', {});
    const stopProblem = await stopProcess(server);
    if (stopProblem) problems.push(stopProblem);

    const markdown = report({
      startedAt,
      runSeconds: (performance.now() - t0) / 1000,
      machine: { filesystem, tmpRoot, sqlite: sqliteVersion() },
      archive: { sessions, copyBytes: copy.bytes, copyMs: copy.ms, builtAt: buildInfo?.builtAt ?? null, versionBefore, versionAfter, atStart, finalStatus },
      start: { readyMs, markers: ready.markers },
      firstPass,
      firstPassOthers,
      rate,
      phaseA,
      phaseB,
      rerun,
      fixture,
      measures,
      roundsDone,
      apiOthers,
      problems,
    });
    publishReport(markdown, 'follow-ups-latest.md', problems);
  } finally {
    if (load && load.child.exitCode === null) load.child.kill('SIGKILL');
    if (server.child.exitCode === null && server.child.signalCode === null) await stopProcess(server);
    cleanUp();
  }
}

// ---------------------------------------------------------------------------------------------
// Report

interface ReportInput {
  startedAt: Date;
  runSeconds: number;
  machine: { filesystem: string; tmpRoot: string; sqlite: string };
  archive: { sessions: number; copyBytes: number; copyMs: number; builtAt: string | null; versionBefore: number; versionAfter: number; atStart: Status; finalStatus: Status };
  start: { readyMs: number; markers: Record<string, number> };
  firstPass: FirstPass;
  firstPassOthers: string;
  rate: number;
  phaseA: Phase;
  phaseB: Phase;
  rerun: Rerun;
  fixture: Fixture;
  measures: ApiMeasure[];
  roundsDone: number;
  apiOthers: string;
  problems: string[];
}

function report(input: ReportInput): string {
  const { archive, firstPass, phaseA, phaseB, rerun, fixture } = input;
  const ackA = summarize(phaseA.load.fromSendMs);
  const ackB = summarize(phaseB.load.fromSendMs);
  const summaries = input.measures.map((measure) => ({ ...measure, summary: summarize(measure.samples) }));
  const baseline = summaries[0]!.summary;
  const rerunMs = rerun.progress?.finishedAt ? rerun.progress.finishedAt - rerun.progress.startedAt : Number.NaN;
  const targetRows: Array<[string, string, boolean | null]> = [
    [`2(a) ack p99, deliveries alone < ${TARGETS.ackAloneP99} ms`, `${ms1(ackA.p99)} ms`, ackA.p99 < TARGETS.ackAloneP99],
    [`2(b) ack p99, while the rules re-run < ${TARGETS.ackBusyP99} ms`, `${ms1(ackB.p99)} ms (${fmt(ackB.p99 / ackA.p99, 2)} × (a))`, ackB.p99 < TARGETS.ackBusyP99],
    ...summaries
      .filter((measure) => measure.target !== null)
      .map((measure): [string, string, boolean] => [`3. ${measure.label} p95 < ${measure.target} ms`, `${ms1(measure.summary.p95)} ms`, measure.summary.p95 < measure.target!]),
  ];
  const met = targetRows.filter(([, , ok]) => ok === true).length;
  const cpus = os.cpus();
  const phaseRow = (phase: Phase) => {
    const ack: Summary = summarize(phase.load.fromSendMs);
    return `| ${phase.label} | ${fmt(phase.load.durationMs / 1000, 1)} s | ${fmt(phase.load.twoXx)} / ${fmt(phase.load.sent)} | ${ms1(ack.p50)} | ${ms1(ack.p95)} | **${ms1(ack.p99)}** | ${ms1(ack.max)} | ${fmt(ack.p99 / ackA.p99, 2)} | ${ms1(phase.loop.max)} / ${ms1(phase.loop.p99)} | ${phase.others} |`;
  };
  const progressText = (progress: TriageProgress | null) =>
    progress ? `${fmt(progress.checked)} of ${fmt(progress.total)} sessions checked, ${fmt(progress.changed)} changed${progress.error ? `; error: ${progress.error}` : ''}` : 'not seen in status.triage';
  const startMarkers = input.start.markers;
  const firstPassText =
    firstPass.seenAs === 'runner'
      ? `through the engine's TriageRunner (status.triage): ${firstPass.passMs === null ? 'not finished' : `${fmt(firstPass.passMs / 1000, 1)} s`}, ${progressText(firstPass.progress)}; ended ${fmt(firstPass.afterReadyMs / 1000, 1)} s after ready`
      : `inside the store (status.triage stayed null): the follow-up counts last changed ${fmt(firstPass.afterReadyMs / 1000, 1)} s after ready and then stayed the same for ${QUIET_FOR_MS / 1000} s`;
  const lines = [
    `### Follow-up benchmark, ${input.startedAt.toISOString()}`,
    '',
    `- Machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}`,
    `- Software: Node ${process.version}, SQLite ${input.machine.sqlite} (better-sqlite3); run's archive copy on ${input.machine.filesystem} (${input.machine.tmpRoot}); code: ${codeVersion()}`,
    `- Archive: ${fmt(archive.atStart.counts.sessions)} sessions, ${fmt(archive.atStart.counts.messages)} messages, ${fmt(archive.copyBytes / 2 ** 20)} MiB, schema version ${archive.versionBefore} -> ${archive.versionAfter} ` +
      `(\`callaider-archive demo --sessions ${fmt(archive.sessions)} --seed ${SEED} --long-every ${LONG_EVERY}\`, built ${archive.builtAt ?? 'at an unknown time'}; a copy per run, ${fmt(archive.copyMs)} ms); after the run ${fmt(archive.finalStatus.counts.sessions)} sessions`,
    `- Deliveries: signed \`session.ended\`, ${MESSAGES_PER_EVENT} messages, ${input.rate} per second on a fixed schedule (open loop) from a separate process; indexing caught up before each phase`,
    '',
    `**Targets: ${met} of ${targetRows.length} met.**`,
    '',
    '| target | measured | result |',
    '| --- | ---: | --- |',
    ...targetRows.map(([label, measured, ok]) => `| ${label} | ${measured} | ${verdict(ok)} |`),
    '',
    '#### 1. Engine start on the archive from before issue 10, and its first pass',
    '',
    '| | |',
    '| --- | --- |',
    `| spawn to ready (bench/store-server.ts through tsx: migration ${archive.versionAfter} included) | **${fmt(input.start.readyMs)} ms** (inside the process: engine started at ${fmt(startMarkers['engine-started'] ?? Number.NaN)} ms, window at ${fmt(startMarkers['ui-started'] ?? Number.NaN)} ms) |`,
    `| first pass of the rules over every past session | ${firstPassText} |`,
    `| flagged by it | **${fmt(firstPass.followUps.open)}** to follow up, ${fmt(firstPass.followUps.snoozed)} snoozed (at start: ${fmt(archive.atStart.followUps.open)} / ${fmt(archive.atStart.followUps.snoozed)}) |`,
    `| other processes on the machine meanwhile | ${input.firstPassOthers} |`,
    '',
    `#### 2. Acknowledgements (ms, request written to last byte of the reply) while the rules re-run`,
    '',
    `(b): the built-in ${CHANGED_RULE_KIND} rule changed from ${rerun.rule.from} to ${rerun.rule.to} s through \`saveRule\` 0.5 s after sending began; sending went on (in ${CHUNK_SECONDS} s chunks, checking \`status\` between them) until \`status.triage\` said the re-run had finished and at least as long as (a). ` +
      `Re-run: **${fmt(rerunMs / 1000, 1)} s**, ${progressText(rerun.progress)}${Number.isFinite(rerunMs) && rerun.progress ? ` (${fmt(rerun.progress.checked / (rerunMs / 1000))} sessions/s)` : ''}.`,
    '',
    '| phase | sent for | acked / sent | p50 | p95 | p99 | max | p99 / (a) | server loop delay max / p99 | other processes |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    phaseRow(phaseA),
    phaseRow(phaseB),
    '',
    `(b) p99 per ${CHUNK_SECONDS} s chunk, in order (* = the re-run still running when the chunk ended): ${rerun.chunks.map((chunk) => `${ms1(chunk.p99)}${chunk.running ? '*' : ''}`).join(', ')} ms.`,
    '',
    `#### 3. The follow-up API, nothing else running (ms, HTTP on loopback; ${input.roundsDone} interleaved rounds after one warm-up call each; other processes meanwhile: ${input.apiOthers})`,
    '',
    `Callers: the archive (built before callers were recognised) and the load's \`session.ended\` bodies carry none, so ${fmt(DEMO_SESSIONS)} sessions from today's simulator (60 phone numbers, a few calling often; some chats with an e-mail) were added first with \`loadDemoData\` (${fmt(fixture.demoMs / 1000, 1)} s, indexing included). ` +
      `Inbox: ${fmt(fixture.inboxTotal)} open items; the first page's ${fmt(fixture.taggedSessions)} sessions tagged, ${fixture.done} of the second page's marked done and ${fixture.snoozed} snoozed, all through the API. ` +
      `Busiest caller (highest calls in 30 days among the newest sessions with a caller): ${fixture.caller.kind}, ${fmt(fixture.caller.sessions)} sessions (${fmt(fixture.caller.calls30d)} in 30 days), ${fmt(fixture.callerPages)} page(s) of ${CALLER_PAGE}. ` +
      `Sessions to follow up (listSessions total): ${fixture.followUpSessions === null ? 'not counted' : fmt(fixture.followUpSessions)}. ` +
      `Rule preview's first page: ${fmt(fixture.preview.checked)} of ${fmt(fixture.preview.total)} sessions checked, ${fmt(fixture.preview.matched)} matched.`,
    '',
    '| call | calls | p50 | p95 | max | p50 / baseline p50 | target |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...summaries.map(
      (measure) =>
        `| ${measure.label} | ${fmt(measure.summary.n)} | ${ms1(measure.summary.p50)} | ${ms1(measure.summary.p95)} | ${ms1(measure.summary.max)} | ${fmt(measure.summary.p50 / baseline.p50, 1)} | ${
          measure.target === null ? '' : `p95 < ${measure.target}: ${verdict(measure.summary.p95 < measure.target)}`
        } |`,
    ),
    '',
    `Run time: ${fmt(input.runSeconds)} s.`,
    ...(input.problems.length > 0 ? ['', '**Not a clean run (exit code 1):**', '', ...input.problems.map((problem) => `- ${problem.split('\n')[0]}`)] : []),
    '',
  ];
  return lines.join('\n');
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  cleanUp();
  process.exitCode = 1;
});
