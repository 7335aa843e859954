/**
 * Flood benchmark (a measurement, not a test), issue 8 parts 3 and 4: what a flood of big bodies
 * does to the engine's memory, and to CallAIder's real deliveries arriving at the same time.
 *
 * Three kinds of process, all on 127.0.0.1:
 * - the engine, started as a user would: `bin/callaider-archive serve --data-dir <tmp> --port P
 *   --secret S --no-ui` (plus BENCH_ENGINE_ARGS); this process samples its RSS from
 *   /proc/<pid>/status (VmRSS) every 100 ms, and reads its peak (VmHWM, reset before each phase);
 * - the flood (this file, role "flood"): FLOOD_CONCURRENCY requests of 19 MiB kept in flight for the
 *   phase, each one replaced as soon as it is answered (or its connection dropped). Phase 1 sends
 *   junk (random base64) with a random signature; phase 2 sends bodies that look like CallAIder
 *   events (a valid session.ended JSON object) signed with the wrong secret, which the engine keeps
 *   in its quarantine;
 * - the valid sender (this file, role "valid"): correctly signed session.started/session.ended
 *   deliveries at VALID_RATE per second, a new connection each (as a webhook sender does), and a
 *   GET /healthz every 200 ms; every latency is measured in this process.
 *
 *   npm run bench:flood                      # builds the project, then this benchmark
 *   BENCH_PHASE_SECONDS=20                   # each flood phase (default 20 s)
 *   BENCH_FLOOD_CONCURRENCY=200 BENCH_FLOOD_MIB=19
 *   BENCH_CLI=/other/checkout/bin/callaider-archive   # measure another build (e.g. before a change)
 *   BENCH_ENGINE_ARGS="--body-budget 128mb"  # extra serve options
 *   BENCH_PHASES=junk,wrong-signature        # which phases (default baseline,junk,wrong-signature)
 *   BENCH_ENGINE_NODE_ARGS="--cpu-prof"      # node options for the engine (profiling)
 *
 * Targets: the engine's RSS stays under 600 MB through both floods; every valid delivery is
 * answered 200, p99 under 1 s. The report is printed and written to bench/results/flood-latest.md.
 * Bounded in time (a watchdog ends a hung run); the temp folder and every child are removed at the end.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { sign } from '../electron/core/signature.js';
import { seededRandom, simulateSession } from '../electron/core/simulator.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const CLI = process.env.BENCH_CLI ?? join(ROOT, 'bin', 'callaider-archive');
const SECRET = 'bench-flood-secret';
const PHASE_SECONDS = Number(process.env.BENCH_PHASE_SECONDS ?? 20);
const FLOOD_CONCURRENCY = Number(process.env.BENCH_FLOOD_CONCURRENCY ?? 200);
const FLOOD_BYTES = Math.round(Number(process.env.BENCH_FLOOD_MIB ?? 19) * 1024 * 1024);
const VALID_RATE = Number(process.env.BENCH_VALID_RATE ?? 5);
const ENGINE_ARGS = (process.env.BENCH_ENGINE_ARGS ?? '').split(/\s+/).filter(Boolean);
const PHASES = (process.env.BENCH_PHASES ?? 'baseline,junk,wrong-signature').split(',');
const REQUEST_TIMEOUT_MS = 60_000;
/** Where CallAIder's deliveries come from, as the tunnel reports it (X-Forwarded-For). */
const CALLAIDER_ADDRESS = '198.51.100.7';
const TARGETS = { rssMb: 600, validP99Ms: 1000 } as const;

type FloodKind = 'junk' | 'wrong-signature';

interface FloodResult {
  kind: FloodKind;
  sent: number;
  outcomes: Record<string, number>;
}

interface ValidResult {
  /** The valid sender's own event-loop delay (ms): how much of a latency is this process waiting for a CPU. */
  senderLoopP99: number;
  senderLoopMax: number;
  acks: number[];
  statuses: Record<string, number>;
  health: number[];
  healthFailures: number;
}

type ChildMessage = { type: 'result'; flood?: FloodResult; valid?: ValidResult };

// ---------------------------------------------------------------------------------------------
// Children
// ---------------------------------------------------------------------------------------------

function post(port: number, body: Buffer, headers: Record<string, string>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<{ outcome: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const request = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/webhook',
      agent: false,
      headers: { ...headers, 'content-length': String(body.length) },
    });
    const done = (outcome: string) => {
      if (settled) return;
      settled = true;
      resolve({ outcome, ms: performance.now() - started });
      request.destroy();
    };
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => done(String(response.statusCode)));
      response.on('error', () => done(String(response.statusCode)));
    });
    request.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? 'error'));
    request.setTimeout(timeoutMs, () => done('timeout'));
    request.end(body);
  });
}

function get(port: number, path: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<{ outcome: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      response.on('end', () => resolve({ outcome: String(response.statusCode), ms: performance.now() - started }));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ outcome: error.code ?? error.message, ms: performance.now() - started }));
  });
}

/** A 19 MiB body and its headers: junk, or a CallAIder-shaped event signed with the wrong secret. */
function floodBody(kind: FloodKind): { body: Buffer; headers: Record<string, string> } {
  if (kind === 'junk') {
    const body = Buffer.from(randomBytes(Math.ceil((FLOOD_BYTES * 3) / 4)).toString('base64').slice(0, FLOOD_BYTES));
    return { body, headers: { 'content-type': 'application/json', 'x-callaider-signature': `sha256=${randomBytes(32).toString('hex')}` } };
  }
  const { ended } = simulateSession(seededRandom(7), { endsAt: Date.now(), messages: 20 });
  const message = ended.data.transcript![0]!;
  const one = JSON.stringify(message).length + 1;
  const bare = JSON.stringify({ ...ended, data: { ...ended.data, transcript: [] } }).length;
  const count = Math.floor((FLOOD_BYTES - bare) / one);
  const text = JSON.stringify({ ...ended, sessionId: 'flood-wrong-signature', data: { ...ended.data, transcript: Array.from({ length: count }, () => message) } });
  const body = Buffer.from(text);
  return { body, headers: { 'content-type': 'application/json', 'x-callaider-event': 'session.ended', 'x-callaider-signature': sign('not-the-secret', body) } };
}

async function runFlood(port: number, kind: FloodKind, seconds: number): Promise<FloodResult> {
  const { body, headers } = floodBody(kind);
  const result: FloodResult = { kind, sent: 0, outcomes: {} };
  const until = performance.now() + seconds * 1000;
  const slot = async () => {
    while (performance.now() < until) {
      result.sent += 1;
      // Each request from another address (the last X-Forwarded-For entry, as through the tunnel): a
      // botnet, which the failed-verification limiter (30 per address per minute) does not stop.
      const address = `10.${(result.sent >> 16) & 255}.${(result.sent >> 8) & 255}.${result.sent & 255}`;
      const { outcome } = await post(port, body, { ...headers, 'x-forwarded-for': address }, Math.max(1000, until - performance.now() + 5000));
      result.outcomes[outcome] = (result.outcomes[outcome] ?? 0) + 1;
      // A refused sender that reconnects at once only measures the loopback; a breath keeps it an HTTP flood.
      if (outcome !== '200' && outcome !== '401') await delay(20);
    }
  };
  await Promise.all(Array.from({ length: FLOOD_CONCURRENCY }, slot));
  return result;
}

async function runValid(port: number, seconds: number): Promise<ValidResult> {
  const result: ValidResult = { senderLoopP99: 0, senderLoopMax: 0, acks: [], statuses: {}, health: [], healthFailures: 0 };
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const random = seededRandom(Math.floor(Math.random() * 2 ** 31));
  const until = performance.now() + seconds * 1000;
  const pending: Array<Promise<unknown>> = [];
  let healthDue = performance.now();
  let next = performance.now();
  let queue: Array<{ event: string; body: Buffer }> = [];
  while (performance.now() < until) {
    const now = performance.now();
    if (now >= next) {
      next += 1000 / VALID_RATE;
      if (queue.length === 0) {
        const { started, ended } = simulateSession(random, { endsAt: Date.now(), messages: 10 + Math.floor(random() * 60) });
        queue = [started, ended].map((payload) => ({ event: payload.event, body: Buffer.from(JSON.stringify(payload)) }));
      }
      const { event, body } = queue.shift()!;
      const headers = {
        'content-type': 'application/json',
        'x-callaider-event': event,
        'x-callaider-signature': sign(SECRET, body),
        'x-forwarded-for': CALLAIDER_ADDRESS,
      };
      // Open loop: each delivery starts on time, whatever happened to the previous one.
      pending.push(
        post(port, body, headers, 30_000).then(({ outcome, ms }) => {
          result.statuses[outcome] = (result.statuses[outcome] ?? 0) + 1;
          result.acks.push(ms);
        }),
      );
    }
    if (now >= healthDue) {
      healthDue += 200;
      pending.push(
        get(port, '/healthz', 30_000).then(({ outcome, ms }) => {
          if (outcome === '200') result.health.push(ms);
          else result.healthFailures += 1;
        }),
      );
    }
    await delay(Math.max(1, Math.min(next, healthDue) - performance.now()));
  }
  await Promise.all(pending);
  loop.disable();
  result.senderLoopP99 = loop.percentile(99) / 1e6;
  result.senderLoopMax = loop.max / 1e6;
  return result;
}

async function child(role: string, port: number, seconds: number, kind: FloodKind): Promise<void> {
  // A child never outlives its parent's plan.
  setTimeout(() => process.exit(3), (seconds + 90) * 1000).unref();
  const message: ChildMessage =
    role === 'flood' ? { type: 'result', flood: await runFlood(port, kind, seconds) } : { type: 'result', valid: await runValid(port, seconds) };
  process.send!(message, () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// Orchestration
// ---------------------------------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Resets the peak RSS (VmHWM) of a process we started; false where the kernel does not allow it. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function forkChild(role: 'flood' | 'valid', port: number, seconds: number, kind: FloodKind = 'junk'): { child: ChildProcess; result: Promise<ChildMessage> } {
  const child = fork(SELF, ['--role', role, '--port', String(port), '--seconds', String(seconds), '--kind', kind], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx', '--max-old-space-size=512'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const result = new Promise<ChildMessage>((resolve, reject) => {
    child.once('message', (message) => resolve(message as ChildMessage));
    child.once('exit', (code) => reject(new Error(`${role} process exited with ${code} before reporting`)));
  });
  result.catch(() => undefined);
  return { child, result };
}

interface PhaseReport {
  name: string;
  seconds: number;
  rssMaxMb: number;
  peakMb: number | null;
  flood: FloodResult | null;
  valid: ValidResult;
}

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const ms = (value: number) => (Number.isNaN(value) ? '–' : value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US'));
const mb = (kb: number) => Math.round(kb / 1024);

async function orchestrate(): Promise<void> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'callaider-bench-flood-'));
  const children: ChildProcess[] = [];
  let engine: ChildProcess | null = null;
  const watchdog = setTimeout(() => {
    process.stderr.write('bench:flood: watchdog: the run took too long, stopping\n');
    for (const c of children) c.kill('SIGKILL');
    engine?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(2);
  }, (PHASE_SECONDS * 2 + 150) * 1000);
  watchdog.unref();
  try {
    const port = await freePort();
    const args = ['serve', '--data-dir', dataDir, '--port', String(port), '--secret', SECRET, '--no-ui', ...ENGINE_ARGS];
    const nodeArgs = (process.env.BENCH_ENGINE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    engine = spawn(process.execPath, [...nodeArgs, CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let engineOutput = '';
    engine.stdout!.on('data', (d: Buffer) => (engineOutput += d.toString()));
    engine.stderr!.on('data', (d: Buffer) => (engineOutput += d.toString()));
    const engineExited = new Promise<number | null>((resolve) => engine!.once('exit', (code) => resolve(code)));
    const pid = engine.pid!;
    const startBy = Date.now() + 30_000;
    while ((await get(port, '/healthz', 1000)).outcome !== '200') {
      if (Date.now() > startBy || engine.exitCode !== null) throw new Error(`the engine did not start:\n${engineOutput}`);
      await delay(100);
    }
    await delay(1000);
    const idleMb = mb(statusKb(pid, 'VmRSS') ?? 0);
    process.stderr.write(`bench:flood: engine pid ${pid} on port ${port}, idle RSS ${idleMb} MB; ${FLOOD_CONCURRENCY} × ${(FLOOD_BYTES / 2 ** 20).toFixed(0)} MiB in flight, ${PHASE_SECONDS} s per phase\n`);

    const samples: number[] = [];
    let rssMax = 0;
    let engineDied = false;
    const sampler = setInterval(() => {
      const kb = statusKb(pid, 'VmRSS');
      if (kb === null) {
        engineDied = true;
        return;
      }
      samples.push(kb);
      rssMax = Math.max(rssMax, kb);
    }, 100);

    const phases: PhaseReport[] = [];
    const phase = async (name: string, kind: FloodKind | null) => {
      rssMax = statusKb(pid, 'VmRSS') ?? 0;
      const canPeak = resetPeak(pid);
      const valid = forkChild('valid', port, PHASE_SECONDS);
      children.push(valid.child);
      await delay(500);
      const flood = kind ? forkChild('flood', port, PHASE_SECONDS - 1, kind) : null;
      if (flood) children.push(flood.child);
      const [validMessage, floodMessage] = await Promise.all([valid.result, flood?.result]);
      const peak = canPeak ? statusKb(pid, 'VmHWM') : null;
      phases.push({ name, seconds: PHASE_SECONDS, rssMaxMb: mb(rssMax), peakMb: peak === null ? null : mb(peak), flood: floodMessage?.flood ?? null, valid: validMessage.valid! });
      const v = validMessage.valid!;
      process.stderr.write(
        `bench:flood: ${name}: RSS max ${mb(rssMax)} MB${peak ? ` (peak ${mb(peak)} MB)` : ''}; valid p50 ${ms(percentile(v.acks, 50))} / p99 ${ms(percentile(v.acks, 99))} / max ${ms(Math.max(...v.acks))} ms ${JSON.stringify(v.statuses)}; healthz p99 ${ms(percentile(v.health, 99))} ms; sender loop delay p99 ${ms(v.senderLoopP99)} / max ${ms(v.senderLoopMax)} ms${floodMessage?.flood ? `; flood ${JSON.stringify(floodMessage.flood.outcomes)}` : ''}\n`,
      );
      await delay(2000);
    };
    if (PHASES.includes('baseline')) await phase('no flood (baseline)', null);
    if (PHASES.includes('junk')) await phase('junk flood', 'junk');
    if (PHASES.includes('wrong-signature')) await phase('wrong-signature flood', 'wrong-signature');
    clearInterval(sampler);

    engine.kill('SIGTERM');
    const code = await Promise.race([engineExited, delay(20_000).then(() => 'timeout' as const)]);
    if (code === 'timeout') engine.kill('SIGKILL');
    report({ idleMb, phases, engineDied, engineStop: code === 'timeout' ? 'did not stop within 20 s (killed)' : `exit ${code}` });
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    if (engine && engine.exitCode === null) engine.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function report(run: { idleMb: number; phases: PhaseReport[]; engineDied: boolean; engineStop: string }): void {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    `Run ${new Date().toISOString()} on ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}.`,
    `Engine: \`${[CLI.replace(ROOT, ''), 'serve --secret … --no-ui', ...ENGINE_ARGS].join(' ')}\`; idle RSS ${run.idleMb} MB; ${run.engineStop}${run.engineDied ? ' (it died during the run)' : ''}.`,
    `Flood: ${FLOOD_CONCURRENCY} requests of ${(FLOOD_BYTES / 2 ** 20).toFixed(0)} MiB in flight from one process, each replaced when answered; valid deliveries: ${VALID_RATE}/s signed session.started/ended (10–70 messages, a new connection each) and GET /healthz every 200 ms from another process.`,
    '',
    '| phase | engine RSS max (100 ms samples) | peak (VmHWM) | valid deliveries | valid ack p50 / p99 / max (ms) | /healthz p50 / p99 / max (ms) | flood requests: outcomes |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const p of run.phases) {
    const v = p.valid;
    const flood = p.flood ? `${p.flood.sent}: ${Object.entries(p.flood.outcomes).map(([k, n]) => `${n} × ${k}`).join(', ')}` : '–';
    lines.push(
      `| ${p.name} (${p.seconds} s) | ${p.rssMaxMb} MB | ${p.peakMb ?? '–'} MB | ${v.acks.length} (${Object.entries(v.statuses).map(([k, n]) => `${n} × ${k}`).join(', ')}) | ${ms(percentile(v.acks, 50))} / ${ms(percentile(v.acks, 99))} / ${ms(Math.max(...v.acks))} | ${ms(percentile(v.health, 50))} / ${ms(percentile(v.health, 99))} / ${ms(Math.max(...v.health))}${v.healthFailures ? ` (${v.healthFailures} failed)` : ''} | ${flood} |`,
    );
  }
  const flooded = run.phases.filter((p) => p.flood);
  const rss = Math.max(...flooded.map((p) => Math.max(p.rssMaxMb, p.peakMb ?? 0)));
  const p99 = Math.max(...flooded.map((p) => percentile(p.valid.acks, 99)));
  const allOk = flooded.every((p) => Object.keys(p.valid.statuses).every((status) => status === '200'));
  lines.push(
    '',
    `Targets: engine RSS < ${TARGETS.rssMb} MB through the floods: ${rss} MB, ${rss < TARGETS.rssMb ? 'met' : 'MISSED'}; ` +
      `valid deliveries all 200 and p99 < ${TARGETS.validP99Ms} ms: ${allOk ? 'all 200' : 'NOT all 200'}, p99 ${ms(p99)} ms, ${allOk && p99 < TARGETS.validP99Ms ? 'met' : 'MISSED'}.`,
  );
  const text = `${lines.join('\n')}\n`;
  process.stdout.write(text);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'flood-latest.md'), text);
}

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const role = flag('--role');
if (role) {
  await child(role, Number(flag('--port')), Number(flag('--seconds')), (flag('--kind') ?? 'junk') as FloodKind);
} else {
  await orchestrate();
}
