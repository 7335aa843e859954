/**
 * Fail-over benchmark (a measurement, not a test): two `serve --database` receivers on one
 * PostgreSQL database (a throwaway cluster, fsync on), a sender at BENCH_RATE events per second
 * alternating between them and retrying a failed delivery on the other at once, as a load balancer
 * would. After BENCH_KILL_AFTER seconds one receiver is killed with SIGKILL. Reported: the longest
 * gap between two acknowledgements (the baseline is the same figure before the kill), and the
 * acknowledgement p99 (delivery start to its 2xx, retries included) before and after.
 *
 *   npm run build && node --import tsx bench/failover.ts
 *   BENCH_RATE=50 BENCH_SECONDS=20 BENCH_KILL_AFTER=10
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { sign } from '../electron/core/signature.js';
import { seededRandom, simulateSession } from '../electron/core/simulator.js';
import { startPostgresCluster } from '../tests/support/postgres.js';
import { freePort } from '../tests/support/ports.js';
import { codeVersion, percentile, readSetting } from './report.js';

const RATE = readSetting('BENCH_RATE', 50, 1, 1000);
const SECONDS = readSetting('BENCH_SECONDS', 20, 4, 600);
const KILL_AFTER = readSetting('BENCH_KILL_AFTER', 10, 1, 600);
const WARM_UP = Math.min(3, KILL_AFTER / 2);
const SECRET = 'bench-failover';
const BIN = new URL('../bin/callaider-archive', import.meta.url).pathname;

async function startReceiver(url: string, dir: string): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve', '--database', url, '--data-dir', dir, '--port', String(port), '--secret', SECRET, '--no-ui'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Stop with Ctrl+C')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`a receiver exited with ${code} before it started`)));
  });
  return { port, child };
}

async function post(port: number, body: string): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-callaider-signature': sign(SECRET, body) },
      body,
      signal: AbortSignal.timeout(5_000),
    });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

const cluster = await startPostgresCluster({ durable: true });
const dirs = [mkdtempSync(join(os.tmpdir(), 'failover-a-')), mkdtempSync(join(os.tmpdir(), 'failover-b-'))];
try {
  const url = await cluster.createDatabase();
  const a = await startReceiver(url, dirs[0]!);
  const b = await startReceiver(url, dirs[1]!);
  const alive = new Set([a.port, b.port]);
  const acks: Array<{ at: number; ms: number }> = [];
  const random = seededRandom(42);
  const started = performance.now();
  const killAt = started + KILL_AFTER * 1000;
  let killedAt = 0;
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; performance.now() - started < SECONDS * 1000; i += 1) {
    if (!killedAt && performance.now() >= killAt) {
      a.child.kill('SIGKILL');
      killedAt = performance.now();
    }
    const { started: payload } = simulateSession(random, { endsAt: Date.now(), messages: 4 });
    const body = JSON.stringify(payload);
    const order = i % 2 === 0 ? [a.port, b.port] : [b.port, a.port];
    inFlight.push(
      (async () => {
        const sent = performance.now();
        for (let attempt = 0; attempt < 10; attempt += 1) {
          // The balancer has not noticed yet: it tries both until one answers.
          if (await post(order[attempt % 2]!, body)) {
            acks.push({ at: performance.now(), ms: performance.now() - sent });
            return;
          }
        }
      })(),
    );
    await delay(Math.max(0, started + ((i + 1) * 1000) / RATE - performance.now()));
  }
  await Promise.all(inFlight);
  alive.clear();
  b.child.kill('SIGTERM');
  acks.sort((x, y) => x.at - y.at);
  const gaps = (list: typeof acks) => list.slice(1).map((ack, i) => ack.at - list[i]!.at);
  // The first seconds warm both receivers (JIT, pools): left out of the figures.
  const before = acks.filter((ack) => ack.at >= started + WARM_UP * 1000 && ack.at < killedAt);
  const after = acks.filter((ack) => ack.at >= killedAt);
  const sent = Math.round(SECONDS * RATE);
  console.log(`fail-over, ${new Date().toISOString()}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, code ${codeVersion()}`);
  console.log(`  ${RATE}/s for ${SECONDS} s, receiver A killed (-9) at ${KILL_AFTER} s, the first ${WARM_UP} s left out as warm-up; ${acks.length} of ~${sent} acknowledged`);
  console.log(`  longest gap between acknowledgements: before the kill ${Math.max(...gaps(before)).toFixed(0)} ms (baseline), across and after it ${Math.max(...gaps([before.at(-1)!, ...after])).toFixed(0)} ms`);
  console.log(`  ack p99: before ${percentile(before.map((x) => x.ms), 99).toFixed(1)} ms, after ${percentile(after.map((x) => x.ms), 99).toFixed(1)} ms; max after ${Math.max(...after.map((x) => x.ms)).toFixed(0)} ms`);
  await delay(1000);
} finally {
  await cluster.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
