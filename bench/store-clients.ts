/**
 * The two client processes of the archive-store benchmark (bench/store.ts forks this file twice):
 *
 * - `load`: plays CallAIder. Signed `session.ended` deliveries (40 messages each, from the simulator)
 *   on an open-loop schedule: request i is sent at start + i / rate whatever happened to the earlier
 *   ones, each on a connection of its own when the others are busy, so a stalled engine shows up as
 *   latency instead of as a slower sender.
 * - `window`: plays an archive window that never rests. It calls the window's HTTP API one call after
 *   another, without pause: status, the first page, filtered pages, searches (one- and two-letter
 *   prefixes, common and rare words), and one listed session with its messages.
 *
 * Both talk to the parent over IPC only; both exit when the parent goes away. Loopback only.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sign } from '../electron/core/signature.js';
import { seededRandom, simulateSession } from '../electron/core/simulator.js';
import { postSigned } from './support/signed-post.js';

export const MESSAGES_PER_EVENT = 40;

// ---------------------------------------------------------------------------------------------
// Messages

export interface LoadInit {
  type: 'init';
  secret: string;
  /** Bodies to prepare; each is sent once. */
  count: number;
  seed: number;
}

export interface LoadRun {
  type: 'run';
  url: string;
  label: string;
  ratePerSecond: number;
  seconds: number;
}

export interface LoadResult {
  type: 'result';
  label: string;
  sent: number;
  twoXx: number;
  /** Status codes other than 2xx, and request errors (connection, timeout), by kind. */
  failures: Record<string, number>;
  /** From writing the request to the last byte of the reply, ms, every acknowledged request. */
  fromSendMs: number[];
  /** From the request's scheduled time (includes the client's own lateness), ms. */
  fromScheduleMs: number[];
  /** How late the client itself sent, ms (its own event loop, a busy core). */
  sendLagMs: number[];
  /** From the first scheduled send to the last reply, ms. */
  durationMs: number;
  bodyBytes: { min: number; max: number; mean: number };
}

export interface WindowRun {
  type: 'run';
  baseUrl: string;
  token: string;
}

export interface WindowResult {
  type: 'result';
  /** Latency of each call, ms, by kind of call. */
  calls: Record<string, number[]>;
  failures: string[];
  durationMs: number;
}

export type ClientReply = { type: 'ready'; prepareMs: number } | LoadResult | WindowResult | { type: 'error'; message: string };

// ---------------------------------------------------------------------------------------------
// The archive window's HTTP API, shared with bench/store.ts

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** POST /api/<method> on the window server, with the bearer token; resolves with the parsed body and the time taken. */
export function apiCall(baseUrl: string, token: string, method: string, args: unknown): Promise<{ ms: number; status: number; body: unknown }> {
  const payload = Buffer.from(JSON.stringify(args));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${baseUrl}/api/${method}`,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': payload.length },
        timeout: 120_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const ms = performance.now() - started;
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text) as unknown;
          } catch {
            // not JSON: kept as text for the error message
          }
          resolve({ ms, status: response.statusCode ?? 0, body });
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${method}: no answer within 120 s`)));
    request.on('error', reject);
    request.end(payload);
  });
}

/** Like apiCall, but any non-2xx is an error. */
export async function api<T>(baseUrl: string, token: string, method: string, args: unknown): Promise<{ ms: number; body: T }> {
  const result = await apiCall(baseUrl, token, method, args);
  if (result.status < 200 || result.status > 299) throw new Error(`${method}(${JSON.stringify(args)}): HTTP ${result.status} ${JSON.stringify(result.body).slice(0, 300)}`);
  return { ms: result.ms, body: result.body as T };
}

// ---------------------------------------------------------------------------------------------
// Load: open-loop signed deliveries

interface Prepared {
  body: Buffer;
  signature: string;
}

function prepare(init: LoadInit): Prepared[] {
  const random = seededRandom(init.seed);
  const seen = new Set<string>();
  const bodies: Prepared[] = [];
  while (bodies.length < init.count) {
    // Calls that just ended: they land on top of the newest-first list, as live calls do.
    const { ended } = simulateSession(random, { endsAt: Date.now() - 60_000 + bodies.length, messages: MESSAGES_PER_EVENT });
    if (seen.has(ended.sessionId)) continue;
    seen.add(ended.sessionId);
    const body = Buffer.from(JSON.stringify(ended));
    bodies.push({ body, signature: sign(init.secret, body) });
  }
  return bodies;
}

async function runLoad(bodies: Prepared[], cursor: { next: number }, run: LoadRun): Promise<LoadResult> {
  const total = Math.round(run.ratePerSecond * run.seconds);
  if (cursor.next + total > bodies.length) throw new Error(`load: ${total} bodies needed, ${bodies.length - cursor.next} left`);
  const slice = bodies.slice(cursor.next, cursor.next + total);
  cursor.next += total;
  // A new connection whenever every open one is waiting: an open-loop sender never queues behind a stall.
  const sendAgent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 64 });
  const intervalMs = 1000 / run.ratePerSecond;
  const result: LoadResult = {
    type: 'result',
    label: run.label,
    sent: 0,
    twoXx: 0,
    failures: {},
    fromSendMs: [],
    fromScheduleMs: [],
    sendLagMs: [],
    durationMs: 0,
    bodyBytes: {
      min: Math.min(...slice.map((item) => item.body.length)),
      max: Math.max(...slice.map((item) => item.body.length)),
      mean: slice.reduce((sum, item) => sum + item.body.length, 0) / Math.max(slice.length, 1),
    },
  };
  const fail = (kind: string) => {
    result.failures[kind] = (result.failures[kind] ?? 0) + 1;
  };
  const pending = new Set<Promise<void>>();
  const send = (item: Prepared, scheduledAt: number) => {
    const sentAt = performance.now();
    result.sent += 1;
    result.sendLagMs.push(sentAt - scheduledAt);
    const done = postSigned(sendAgent, run.url, { event: 'session.ended', ...item }).then((outcome) => {
      if (!outcome.ok) return fail(outcome.failure);
      result.twoXx += 1;
      result.fromSendMs.push(outcome.repliedAt - sentAt);
      result.fromScheduleMs.push(outcome.repliedAt - scheduledAt);
    });
    pending.add(done);
    void done.then(() => pending.delete(done));
  };

  const startedAt = performance.now() + 20;
  await new Promise<void>((resolve) => {
    let i = 0;
    const tick = () => {
      const now = performance.now();
      while (i < total && startedAt + i * intervalMs <= now) {
        send(slice[i]!, startedAt + i * intervalMs);
        i += 1;
      }
      if (i >= total) resolve();
      else setTimeout(tick, Math.max(0, startedAt + i * intervalMs - performance.now()));
    };
    setTimeout(tick, 20);
  });
  while (pending.size > 0) await Promise.all([...pending]);
  result.durationMs = performance.now() - startedAt;
  sendAgent.destroy();
  return result;
}

// ---------------------------------------------------------------------------------------------
// Window: the archive window's API, without pause

/** The searches a window sends while someone types, and a few whole words from rare to very common. */
export const WINDOW_SEARCHES = ['a', 'e', 's', 'th', 'ma', 'the', 'appointment', 'technician', 'scarf', 'carrier rejected'];

async function runWindow(run: WindowRun, stopped: () => boolean): Promise<WindowResult> {
  const calls: Record<string, number[]> = {};
  const failures: string[] = [];
  const started = performance.now();
  const call = async (kind: string, method: string, args: unknown): Promise<unknown> => {
    try {
      const { ms, body } = await api<unknown>(run.baseUrl, run.token, method, args);
      (calls[kind] ??= []).push(ms);
      return body;
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
      return null;
    }
  };
  const steps: Array<() => Promise<unknown>> = [
    () => call('status', 'status', {}),
    async () => {
      const page = (await call('list: first page', 'listSessions', { limit: 100 })) as { items?: Array<{ sessionId: string }> } | null;
      const items = page?.items ?? [];
      const sessionId = items[Math.floor(Math.random() * items.length)]?.sessionId;
      if (sessionId) {
        await call('getSession', 'getSession', { sessionId });
        await call('getMessages', 'getMessages', { sessionId });
      }
    },
    () => call('list: filtered (tool errors, voice)', 'listSessions', { limit: 100, filters: { hasToolErrors: true, mode: 'voice' } }),
    () => call('list: filtered (ended, files, last 30 days)', 'listSessions', { limit: 100, filters: { status: 'ended', hasFiles: true, from: Date.now() - 30 * 86_400_000 } }),
    ...WINDOW_SEARCHES.map((query) => () => call(`search "${query}"`, 'listSessions', { query, limit: 100 })),
  ];
  for (let i = 0; !stopped(); i = (i + 1) % steps.length) {
    await steps[i]!();
    if (failures.length > 20) break;
  }
  return { type: 'result', calls, failures, durationMs: performance.now() - started };
}

// ---------------------------------------------------------------------------------------------
// Process entry

async function loadRole(): Promise<void> {
  let bodies: Prepared[] = [];
  const cursor = { next: 0 };
  process.on('message', (message: LoadInit | LoadRun) => {
    void (async () => {
      try {
        if (message.type === 'init') {
          const started = performance.now();
          bodies = prepare(message);
          process.send?.({ type: 'ready', prepareMs: performance.now() - started } satisfies ClientReply);
        } else if (message.type === 'run') {
          process.send?.(await runLoad(bodies, cursor, message));
        }
      } catch (error) {
        process.send?.({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ClientReply);
      }
    })();
  });
}

async function windowRole(): Promise<void> {
  let stop = false;
  process.on('message', (message: WindowRun | { type: 'stop' }) => {
    if (message.type === 'stop') {
      stop = true;
      return;
    }
    void runWindow(message, () => stop).then(
      (result) => process.send?.(result),
      (error: unknown) => process.send?.({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ClientReply),
    );
  });
  process.send?.({ type: 'ready', prepareMs: 0 } satisfies ClientReply);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.send) {
  process.on('disconnect', () => process.exit(0));
  const maxSeconds = Number(process.argv[3] ?? 1800);
  setTimeout(() => {
    process.stderr.write('store-clients: time limit reached; exiting\n');
    process.exit(3);
  }, maxSeconds * 1000).unref();
  const role = process.argv[2];
  if (role === 'load') await loadRole();
  else if (role === 'window') await windowRole();
  else throw new Error(`unknown role ${role ?? '(none)'}`);
}
