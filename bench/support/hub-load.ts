/**
 * The load generator of the hub benchmark (bench/hub.ts forks this file): plays CallAIder, in a
 * process of its own so that its CPU time can be told apart from the receivers' and PostgreSQL's.
 *
 * Every call is a signed session.started and then its session.ended (40 messages), each body sent
 * once: the calls are generated once at start (the simulator is too slow to run inside a
 * measurement) and made unique afterwards by rewriting the sessionId and signing again.
 *
 * - `closed`: BENCH_CONCURRENCY requests in flight for a number of seconds, each slot sending the
 *   next event as soon as its previous one is answered; the events go round-robin over the given
 *   URLs, as a load balancer in front of the receivers would send them. After the deadline no new
 *   call is started and every request in flight is answered, so every event sent has a reply.
 * - `steady`: open loop at a fixed rate, request i at start + i / rate whatever happened to the
 *   earlier ones (a new connection when the open ones are busy), round-robin over the URLs.
 *
 * Talks to the parent over IPC only and exits when the parent goes away. Loopback only.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sign } from '../../electron/core/signature.js';
import { seededRandom, simulateSession } from '../../electron/core/simulator.js';
import { postSigned } from './signed-post.js';

export const MESSAGES_PER_CALL = 40;

export interface LoadInit {
  type: 'init';
  secret: string;
  /** Distinct generated calls; more are derived from them. */
  calls: number;
}

export interface LoadRun {
  type: 'run';
  mode: 'closed' | 'steady';
  urls: string[];
  seconds: number;
  /** closed: requests in flight. */
  concurrency?: number;
  /** steady: events per second. */
  rate?: number;
}

export interface LoadResult {
  type: 'result';
  sent: number;
  acked: number;
  /** Non-2xx status codes and request errors, by kind. */
  failures: Record<string, number>;
  /** Write of the request to the last byte of its 2xx reply, ms. */
  latencyMs: number[];
  /** steady: how late the sender itself was, ms. */
  sendLagMs: number[];
  /** From the first request to the last reply, ms. */
  durationMs: number;
  /** Acknowledged per URL, in the order given. */
  ackedByUrl: number[];
  bodyBytes: { min: number; max: number; mean: number };
}

export type LoadReply = { type: 'ready'; prepareMs: number; pid: number } | LoadResult | { type: 'error'; message: string };

interface Template {
  sessionId: string;
  /** Each event's JSON split around its sessionId field, to put another one in. */
  started: string[];
  ended: string[];
}

interface Signed {
  event: 'session.started' | 'session.ended';
  body: Buffer;
  signature: string;
}

class Calls {
  private readonly templates: Template[] = [];
  private next = 0;
  private readonly tag = `${process.pid.toString(36)}${Date.now().toString(36)}`;

  constructor(
    private readonly secret: string,
    count: number,
  ) {
    const random = seededRandom(20_261_127);
    const endsAt = Date.now() - 60_000;
    while (this.templates.length < count) {
      const { started, ended } = simulateSession(random, { endsAt: endsAt + this.templates.length, messages: MESSAGES_PER_CALL });
      const field = `"sessionId":"${started.sessionId}"`;
      this.templates.push({ sessionId: started.sessionId, started: JSON.stringify(started).split(field), ended: JSON.stringify(ended).split(field) });
    }
  }

  /** The next call's two events, under a sessionId never sent before. */
  take(): [Signed, Signed] {
    const index = this.next;
    this.next += 1;
    const template = this.templates[index % this.templates.length]!;
    const field = `"sessionId":"${template.sessionId}-${this.tag}-${index}"`;
    const make = (event: Signed['event'], parts: string[]): Signed => {
      const body = Buffer.from(parts.join(field));
      return { event, body, signature: sign(this.secret, body) };
    };
    return [make('session.started', template.started), make('session.ended', template.ended)];
  }
}

function emptyResult(urls: number): LoadResult {
  return { type: 'result', sent: 0, acked: 0, failures: {}, latencyMs: [], sendLagMs: [], durationMs: 0, ackedByUrl: Array.from({ length: urls }, () => 0), bodyBytes: { min: Number.POSITIVE_INFINITY, max: 0, mean: 0 } };
}

/** One POST; resolves when its reply has been read (never rejects: failures are counted). */
function post(agent: http.Agent, url: string, item: Signed, result: LoadResult, urlIndex: number): Promise<void> {
  const sentAt = performance.now();
  result.sent += 1;
  result.bodyBytes.min = Math.min(result.bodyBytes.min, item.body.length);
  result.bodyBytes.max = Math.max(result.bodyBytes.max, item.body.length);
  result.bodyBytes.mean += item.body.length;
  const fail = (kind: string) => {
    result.failures[kind] = (result.failures[kind] ?? 0) + 1;
  };
  return postSigned(agent, url, item).then((outcome) => {
    if (!outcome.ok) return fail(outcome.failure);
    result.acked += 1;
    result.ackedByUrl[urlIndex]! += 1;
    result.latencyMs.push(outcome.repliedAt - sentAt);
  });
}

async function closedLoop(calls: Calls, run: LoadRun): Promise<LoadResult> {
  const concurrency = run.concurrency ?? 20;
  const agents = run.urls.map(() => new http.Agent({ keepAlive: true, maxSockets: concurrency }));
  const result = emptyResult(run.urls.length);
  let turn = 0;
  const started = performance.now();
  const deadline = started + run.seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        for (const event of calls.take()) {
          const index = turn % run.urls.length;
          turn += 1;
          await post(agents[index]!, run.urls[index]!, event, result, index);
        }
      }
    }),
  );
  result.durationMs = performance.now() - started;
  for (const agent of agents) agent.destroy();
  return result;
}

async function steady(calls: Calls, run: LoadRun): Promise<LoadResult> {
  const rate = run.rate ?? 50;
  const total = Math.round(rate * run.seconds);
  // Prepared before the clock starts: signing is not the receivers' latency.
  const events = Array.from({ length: Math.ceil(total / 2) }, () => calls.take()).flat().slice(0, total);
  const agents = run.urls.map(() => new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 64 }));
  const result = emptyResult(run.urls.length);
  const pending = new Set<Promise<void>>();
  const intervalMs = 1000 / rate;
  const started = performance.now() + 20;
  await new Promise<void>((resolve) => {
    let i = 0;
    const tick = () => {
      const now = performance.now();
      while (i < total && started + i * intervalMs <= now) {
        result.sendLagMs.push(now - (started + i * intervalMs));
        const index = i % run.urls.length;
        const done = post(agents[index]!, run.urls[index]!, events[i]!, result, index);
        pending.add(done);
        void done.then(() => pending.delete(done));
        i += 1;
      }
      if (i >= total) resolve();
      else setTimeout(tick, Math.max(0, started + i * intervalMs - performance.now()));
    };
    setTimeout(tick, 20);
  });
  while (pending.size > 0) await Promise.all([...pending]);
  result.durationMs = performance.now() - started;
  for (const agent of agents) agent.destroy();
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.send) {
  process.on('disconnect', () => process.exit(0));
  const maxSeconds = Number(process.argv[2] ?? 3600);
  setTimeout(() => {
    process.stderr.write('hub-load: time limit reached; exiting\n');
    process.exit(3);
  }, maxSeconds * 1000).unref();
  let calls: Calls | null = null;
  process.on('message', (message: LoadInit | LoadRun) => {
    void (async () => {
      try {
        if (message.type === 'init') {
          const started = performance.now();
          calls = new Calls(message.secret, message.calls);
          process.send?.({ type: 'ready', prepareMs: performance.now() - started, pid: process.pid } satisfies LoadReply);
        } else {
          if (!calls) throw new Error('run before init');
          const result = message.mode === 'closed' ? await closedLoop(calls, message) : await steady(calls, message);
          result.bodyBytes.mean /= Math.max(result.sent, 1);
          process.send?.(result satisfies LoadReply);
        }
      } catch (error) {
        process.send?.({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies LoadReply);
      }
    })();
  });
}
