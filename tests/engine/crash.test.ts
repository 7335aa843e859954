/**
 * kill -9 under load. A real `serve` child process receives signed deliveries from 16
 * concurrent senders and is killed with SIGKILL mid-stream. Every event that was answered 2xx
 * must be in the archive after a restart (an ack is only sent after COMMIT), no session may be
 * half-projected (event row and projection are one transaction), the engine lock must be free
 * at once (it is an OS lock), and resending everything must store nothing twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { archivePath } from '../../electron/core/paths.js';
import { deliver, type DeliveryResult } from '../../electron/core/send-test.js';
import { simulateSessions } from '../../electron/core/simulator.js';
import type { SessionEndedPayload, SessionStartedPayload } from '../../shared/payload.js';
import { SECRET, onCleanup, tempDir } from '../support/fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'bin', 'callaider-archive');
const BUILT_CLI = join(ROOT, 'dist', 'electron', 'core', 'cli', 'main.js');

const SESSIONS = 300;
const CONCURRENCY = 16;
const KILL_AFTER_ACKS = 150;

interface Serve {
  child: ChildProcess;
  url: string;
  port: number;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `serve` and resolves once it printed its "Listening on" line (15 s at most). */
async function startServe(dataDir: string, port: number): Promise<Serve> {
  const child = spawn(process.execPath, [CLI, 'serve', '--data-dir', dataDir, '--port', String(port), '--secret', SECRET, '--no-ui'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NGROK_AUTHTOKEN: '' },
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  // The engine logs a line per event on stderr: it must be drained, and the tail helps when a test fails.
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  let stdout = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no "Listening on" line within 15 s\nstdout: ${stdout}\nstderr: ${stderr}`)), 15_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /Listening on\s+(http:\/\/127\.0\.0\.1:\d+\/webhook)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (code ${code}, signal ${signal}) before listening\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
  });
  return { child, url, port: Number(new URL(url).port), stderr: () => stderr, exited };
}

type Payload = SessionStartedPayload | SessionEndedPayload;
const key = (sessionId: string, event: string) => `${sessionId} ${event}`;

/** Delivers `events` with `CONCURRENCY` workers; bounded by the list and by `deadline`. */
async function deliverAll(
  url: string,
  events: Payload[],
  deadline: number,
  options: { stop?: () => boolean; onResult?: (result: DeliveryResult, inFlight: number) => void } = {},
): Promise<DeliveryResult[]> {
  const results: DeliveryResult[] = [];
  let next = 0;
  let inFlight = 0;
  const worker = async () => {
    while (next < events.length && !options.stop?.() && Date.now() < deadline) {
      const payload = events[next++]!;
      inFlight += 1;
      const result = await deliver(url, payload, { secret: SECRET, timeoutMs: 10_000 });
      inFlight -= 1;
      results.push(result);
      options.onResult?.(result, inFlight);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return results;
}

function transcriptLength(body: Buffer): number {
  const payload = JSON.parse(body.toString('utf8')) as SessionEndedPayload;
  return payload.data.transcript?.length ?? 0;
}

/**
 * Every projected session.ended has exactly its transcript in messages; every projected event has
 * its session row. (Events acknowledged but not yet projected wait with projected = 0: the
 * projector indexes them after the restart.)
 */
function halfProjected(db: Database.Database): string[] {
  const problems: string[] = [];
  const events = db.prepare('SELECT session_id, event, body FROM events WHERE projected = 1').all() as Array<{ session_id: string; event: string; body: Buffer }>;
  const sessionRow = db.prepare('SELECT status, message_count FROM sessions WHERE session_id = ?');
  const messageCount = db.prepare('SELECT count(*) AS n FROM messages WHERE session_id = ?').pluck();
  for (const row of events) {
    const session = sessionRow.get(row.session_id) as { status: string; message_count: number } | undefined;
    if (!session) {
      problems.push(`${row.session_id}: ${row.event} stored but no sessions row`);
      continue;
    }
    if (row.event === 'session.ended') {
      const expected = transcriptLength(row.body);
      const actual = messageCount.get(row.session_id) as number;
      if (actual !== expected || session.message_count !== expected || session.status !== 'ended') {
        problems.push(`${row.session_id}: transcript ${expected}, messages ${actual}, message_count ${session.message_count}, status ${session.status}`);
      }
    }
  }
  const orphans = db.prepare('SELECT count(*) FROM sessions WHERE session_id NOT IN (SELECT session_id FROM events)').pluck().get() as number;
  if (orphans > 0) problems.push(`${orphans} sessions rows without any stored event`);
  return problems;
}

describe('kill -9 under load', () => {
  beforeAll(() => {
    if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run npm run build first`);
  });

  it('every acknowledged event survives, and a full resend adds no duplicates', { timeout: 55_000 }, async () => {
    const deadline = Date.now() + 45_000;
    const dataDir = tempDir();
    const sessions = [...simulateSessions(SESSIONS, { seed: 7 })];
    const events: Payload[] = sessions.flatMap((s) => [s.started, s.ended]);
    const transcripts = new Map(sessions.map((s) => [s.ended.sessionId, s.ended.data.transcript?.length ?? 0]));
    expect(transcripts.size).toBe(SESSIONS);

    // 1. Load, then SIGKILL while requests are in flight.
    const first = await startServe(dataDir, 0);
    const acknowledged = new Set<string>();
    let inFlightAtKill = -1;
    let dead = false;
    void first.exited.then(() => (dead = true));
    // The senders keep going until the process is gone, so requests are in flight at the moment it dies.
    const results = await deliverAll(first.url, events, deadline, {
      stop: () => dead,
      onResult: (result, inFlight) => {
        if (result.ok) acknowledged.add(key(result.sessionId, result.event));
        if (inFlightAtKill < 0 && acknowledged.size >= KILL_AFTER_ACKS) {
          inFlightAtKill = inFlight;
          first.child.kill('SIGKILL');
        }
      },
    });
    const killed = await first.exited;
    expect(killed.signal, `serve was not killed by the test: ${first.stderr()}`).toBe('SIGKILL');
    expect(acknowledged.size, 'the kill must happen once enough events were acknowledged').toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    expect(acknowledged.size, 'the kill must happen before everything was delivered').toBeLessThan(events.length);
    expect(inFlightAtKill, 'requests must be in flight when the engine is killed').toBeGreaterThan(0);
    expect(results.filter((r) => r.status === null).length, 'requests in flight must have died with the engine').toBeGreaterThan(0);
    // Connection errors after the kill are expected; an HTTP answer other than 2xx never is.
    expect(results.filter((r) => r.status !== null && !r.ok)).toEqual([]);

    // 2. Restart on the same data dir and port: the lock died with the process, no waiting.
    const restartedAt = Date.now();
    const second = await startServe(dataDir, first.port);
    const restartMs = Date.now() - restartedAt;
    expect(second.port).toBe(first.port);

    const reader = new Database(archivePath(dataDir), { readonly: true, fileMustExist: true });
    let storedAfterCrash: Set<string>;
    try {
      const rows = reader.prepare('SELECT session_id, event FROM events').all() as Array<{ session_id: string; event: string }>;
      storedAfterCrash = new Set(rows.map((r) => key(r.session_id, r.event)));
      expect(storedAfterCrash.size).toBe(rows.length);
      const lost = [...acknowledged].filter((k) => !storedAfterCrash.has(k));
      expect(lost, 'acknowledged events missing after kill -9').toEqual([]);
      expect(halfProjected(reader), 'half-projected sessions after kill -9').toEqual([]);
    } finally {
      reader.close();
    }

    // 3. Resend everything: all 2xx, exactly the previously stored ones are duplicates.
    const resent = await deliverAll(second.url, events, deadline);
    expect(resent).toHaveLength(events.length);
    expect(resent.filter((r) => !r.ok).map((r) => `${r.event} ${r.sessionId}: ${r.status} ${r.error}`)).toEqual([]);
    const duplicates = new Set(resent.filter((r) => r.duplicate).map((r) => key(r.sessionId, r.event)));
    expect(duplicates).toEqual(storedAfterCrash);

    // 4. Clean shutdown, then the archive holds each event once and every session fully.
    second.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      second.exited,
      new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 10_000))),
    ]).finally(() => clearTimeout(timer));
    expect(stopped, `serve did not exit within 10 s of SIGTERM: ${second.stderr()}`).not.toBeNull();
    expect(stopped, second.stderr()).toEqual({ code: 0, signal: null });

    const db = new Database(archivePath(dataDir), { readonly: true, fileMustExist: true });
    try {
      expect(db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(events.length);
      expect(db.prepare('SELECT count(*) FROM events WHERE projected != 1').pluck().get(), 'events not projected after a clean shutdown').toBe(0);
      expect(db.prepare('SELECT count(*) FROM sessions').pluck().get()).toBe(SESSIONS);
      expect(db.prepare(`SELECT count(*) FROM sessions WHERE status = 'ended'`).pluck().get()).toBe(SESSIONS);
      const messageCount = db.prepare('SELECT count(*) FROM messages WHERE session_id = ?').pluck();
      const wrong = [...transcripts].filter(([sessionId, length]) => messageCount.get(sessionId) !== length);
      expect(wrong, 'sessions whose messages differ from their transcript').toEqual([]);
      expect(halfProjected(db)).toEqual([]);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
    console.info(
      `crash: killed after ${acknowledged.size} acks (${results.filter((r) => !r.ok).length} requests failed) with ${inFlightAtKill} in flight; ${storedAfterCrash.size} stored after the crash; restart took ${restartMs} ms`,
    );
  });
});
