/**
 * kill -9 with forwards pending. A real `serve` with a forwarding target that is down receives
 * signed deliveries and is killed with SIGKILL mid-stream. Restarted with the target up, it must
 * forward every stored event at least once (the outbox row was committed with the event), and
 * nothing that was never stored (no row without its event). Each forward is the stored bytes,
 * signed with the target's secret.
 */
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { archivePath } from '../../electron/core/paths.js';
import { deliver } from '../../electron/core/send-test.js';
import { simulateSessions } from '../../electron/core/simulator.js';
import { assertBuilt, freePort, startServe } from '../support/cli.js';
import { SECRET, peek, tempDir } from '../support/fixtures.js';
import { startForwardTarget } from '../support/forward-target.js';

const TARGET_SECRET = 'crash-test-target-secret-0123456789';
const SESSIONS = 60;
const CONCURRENCY = 8;
const KILL_AFTER_ACKS = 50;

describe('forwarding across kill -9', () => {
  beforeAll(() => assertBuilt());

  it('forwards every stored event at least once after a restart, and nothing that was never stored', { timeout: 90_000 }, async () => {
    const dir = tempDir();
    const targetPort = await freePort();
    const targetUrl = `http://127.0.0.1:${targetPort}/hook`;
    const config = join(dir, 'forward.json');
    writeFileSync(config, JSON.stringify({ targets: [{ url: targetUrl, events: ['session.started', 'session.ended'], secret: TARGET_SECRET }] }));
    const port = await freePort();
    const args = ['--data-dir', dir, '--port', String(port), '--secret', SECRET, '--no-ui', '--forward-config', config];

    // 1. The target is down; deliveries come in and are acknowledged; kill -9 mid-stream.
    const first = await startServe(args);
    const url = `http://127.0.0.1:${port}/webhook`;
    const events = [...simulateSessions(SESSIONS, { seed: 7 })].flatMap(({ started, ended }) => [started, ended]);
    const acked = new Set<string>();
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (next < events.length && !killed) {
        const payload = events[next++]!;
        const result = await deliver(url, payload, { secret: SECRET, timeoutMs: 5_000 });
        if (result.ok) acked.add(`${payload.sessionId}:${payload.event}`);
        if (acked.size >= KILL_AFTER_ACKS && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await first.exited;
    expect(killed).toBe(true);

    // 2. The target comes up; the engine restarts and works through its outbox.
    const target = await startForwardTarget({ port: targetPort, lifetimeMs: 80_000 });
    await startServe(args);
    const archive = peek(archivePath(dir));
    const stored = new Map(
      archive.rows<{ session_id: string; event: string; body: Buffer }>('SELECT session_id, event, body FROM events').map((row) => [`${row.session_id}:${row.event}`, row.body]),
    );
    const deadline = Date.now() + 60_000;
    const forwarded = () => new Set(target.received.map((r) => String(r.headers['idempotency-key'])));
    while ([...stored.keys()].some((key) => !forwarded().has(key)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(stored.size).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    for (const key of acked) expect(stored.has(key), `acknowledged ${key} is stored`).toBe(true);
    const missing = [...stored.keys()].filter((key) => !forwarded().has(key));
    expect(missing, 'stored events never forwarded').toEqual([]);
    const neverStored = [...forwarded()].filter((key) => !stored.has(key));
    expect(neverStored, 'forwarded but never stored').toEqual([]);
    for (const request of target.received) {
      const body = stored.get(String(request.headers['idempotency-key']))!;
      expect(request.body.equals(body)).toBe(true);
      expect(request.headers['x-callaider-signature']).toBe(`sha256=${createHmac('sha256', TARGET_SECRET).update(body).digest('hex')}`);
    }
  });
});
