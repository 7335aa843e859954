/**
 * The forwarder against real HTTP targets on 127.0.0.1 (answering 200, 500, 410, slowly, never, or
 * closing the connection), over a real archive file, sending from its real sender thread (dist/).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ArchiveStore } from '../../electron/core/archive/store.js';
import { Forwarder, type ForwarderOptions } from '../../electron/core/forwarding/forwarder.js';
import { FORWARD_USER_AGENT } from '../../electron/core/forwarding/request.js';
import { createSender } from '../../electron/core/forwarding/sender.js';
import type { ForwardAttempt, ForwardKind } from '../../shared/forwarding.js';
import { onCleanup, sessionPair, tempArchive } from '../support/fixtures.js';
import { startForwardTarget, type ReceivedForward } from '../support/forward-target.js';

const SECRET = 'target-secret-0123456789abcdef';
const FAST = { baseMs: 40, maxMs: 200, retryForMs: 60_000 };

async function setup(options: Partial<ForwarderOptions> = {}) {
  const { archive } = await tempArchive();
  const sender = createSender();
  const forwarder = new Forwarder({ store: archive, sender, timeoutMs: 2_000, retry: FAST, pollMs: 50, stopGraceMs: 200, ...options });
  onCleanup(() => forwarder.stop());
  return { archive, forwarder, sender };
}

function addTarget(store: ArchiveStore, url: string, events: ForwardKind[] = ['session.started', 'session.ended'], headers: Record<string, string> = {}) {
  return store.saveForwardTarget({ url, events, headers, secret: SECRET, origin: 'owner', at: Date.now() });
}

async function receiveCall(store: ArchiveStore) {
  const { started, ended } = sessionPair();
  const bodies = { started: Buffer.from(JSON.stringify(started)), ended: Buffer.from(JSON.stringify(ended)) };
  await store.ingest({ payload: started, body: bodies.started, source: 'webhook', receivedAt: Date.now() });
  await store.ingest({ payload: ended, body: bodies.ended, source: 'webhook', receivedAt: Date.now() });
  return { sessionId: started.sessionId, bodies };
}

/** Polls the archive's attempt record until `done` holds (bounded). */
async function attemptsUntil(store: ArchiveStore, done: (attempts: ForwardAttempt[]) => boolean, timeoutMs = 10_000): Promise<ForwardAttempt[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { attempts } = await store.forwardAttempts({ limit: 500 });
    if (done(attempts)) return attempts;
    if (Date.now() > deadline) throw new Error(`attempts so far: ${JSON.stringify(attempts.map((a) => [a.outcome, a.status, a.error]))}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** What a receiving tool does: HMAC-SHA256 of the exact bytes with its secret, compared in constant time. */
function verifies(request: ReceivedForward, secret: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(request.body).digest('hex')}`);
  const given = Buffer.from(String(request.headers['x-callaider-signature']));
  return expected.length === given.length && timingSafeEqual(expected, given);
}

describe('the forwarder', () => {
  it('sends the stored bytes unchanged, signed with the target secret, with the event, idempotency, attempt, agent and extra headers', async () => {
    const { archive, forwarder, sender } = await setup();
    expect(sender.onThread).toBe(true);
    const target = await startForwardTarget();
    await addTarget(archive, target.url, ['session.started', 'session.ended'], { Authorization: 'Bearer crm-token' });
    const call = await receiveCall(archive);
    forwarder.start();
    const received = await target.waitFor(2);
    const byEvent = new Map(received.map((r) => [r.headers['x-callaider-event'], r]));
    for (const event of ['session.started', 'session.ended'] as const) {
      const request = byEvent.get(event)!;
      expect(request.body.equals(event === 'session.started' ? call.bodies.started : call.bodies.ended)).toBe(true);
      expect(verifies(request, SECRET)).toBe(true);
      expect(verifies(request, 'another-secret-entirely')).toBe(false);
      expect(request.headers).toMatchObject({
        'idempotency-key': `${call.sessionId}:${event}`,
        'x-callaider-delivery-attempt': '1',
        'user-agent': FORWARD_USER_AGENT,
        'content-type': 'application/json',
        authorization: 'Bearer crm-token',
      });
    }
    const attempts = await attemptsUntil(archive, (a) => a.length === 2);
    expect(attempts.every((a) => a.outcome === 'ok' && a.status === 200 && a.excerpt === '{"received":true}' && a.latencyMs !== null)).toBe(true);
    const [health] = await archive.forwardTargets();
    expect(health!.health).toMatchObject({ queued: 0, consecutiveFailures: 0 });
    expect(health!.health.lastSuccessAt).not.toBeNull();
  });

  it('retries a target that fails (500), with backoff, until it answers 2xx: the same bytes and key, the attempt number growing', async () => {
    const { archive, forwarder } = await setup();
    const target = await startForwardTarget({ behaviour: 'fail' });
    await addTarget(archive, target.url, ['session.ended']);
    const call = await receiveCall(archive);
    forwarder.start();
    await target.waitFor(3);
    target.behave('ok');
    const attempts = await attemptsUntil(archive, (a) => a.some((x) => x.outcome === 'ok'));
    const failures = attempts.filter((a) => a.outcome === 'failed');
    expect(failures.length).toBeGreaterThanOrEqual(3);
    expect(failures[0]).toMatchObject({ status: 500, excerpt: 'internal error, try later', error: 'HTTP 500' });
    const sent = target.received;
    expect(new Set(sent.map((r) => r.headers['idempotency-key']))).toEqual(new Set([`${call.sessionId}:session.ended`]));
    expect(sent.map((r) => Number(r.headers['x-callaider-delivery-attempt']))).toEqual(sent.map((_, i) => i + 1));
    expect(sent.every((r) => r.body.equals(call.bodies.ended))).toBe(true);
    // Retries wait: no two attempts closer than zero, and not all at once.
    expect(sent[sent.length - 1]!.at - sent[0]!.at).toBeGreaterThan(0);
  });

  it('counts a target that hangs past the timeout, or closes the connection, as failed; a slow answer in time is a success', async () => {
    const { archive, forwarder } = await setup({ timeoutMs: 400, retry: { baseMs: 60_000, maxMs: 60_000, retryForMs: 60_000 } });
    const hang = await startForwardTarget({ behaviour: 'hang' });
    const close = await startForwardTarget({ behaviour: 'close' });
    const slow = await startForwardTarget({ behaviour: 'slow', slowMs: 150 });
    for (const t of [hang, close, slow]) await addTarget(archive, t.url, ['session.ended']);
    await receiveCall(archive);
    forwarder.start();
    const attempts = await attemptsUntil(archive, (a) => a.length === 3);
    const by = (url: string) => attempts.find((a) => a.targetUrl === url)!;
    expect(by(hang.url)).toMatchObject({ outcome: 'failed', status: null, error: 'no answer within 400 ms' });
    expect(by(hang.url).latencyMs).toBeGreaterThanOrEqual(390);
    expect(by(close.url)).toMatchObject({ outcome: 'failed', status: null });
    expect(by(close.url).error).toMatch(/closed|socket hang up/);
    expect(by(slow.url)).toMatchObject({ outcome: 'ok', status: 200, excerpt: 'slow but fine' });
    expect(by(slow.url).latencyMs).toBeGreaterThanOrEqual(140);
  });

  it('pauses a target that answers 410 Gone at once, and one that keeps failing after the set number of failures; nothing is sent while paused', async () => {
    const { archive, forwarder } = await setup({ pauseAfter: { ms: 60 * 60_000, failures: 3 } });
    const gone = await startForwardTarget({ behaviour: 'gone' });
    const failing = await startForwardTarget({ behaviour: 'fail' });
    await addTarget(archive, gone.url, ['session.ended']);
    await addTarget(archive, failing.url, ['session.ended']);
    const paused: string[] = [];
    forwarder.on('paused', ({ url }) => paused.push(url));
    await receiveCall(archive);
    forwarder.start();
    await attemptsUntil(archive, () => paused.length === 2);
    const targets = await archive.forwardTargets();
    expect(targets.find((t) => t.url === gone.url)!.paused!.reason).toMatch(/410 Gone/);
    expect(targets.find((t) => t.url === failing.url)!.paused!.reason).toMatch(/3 failed attempts in a row/);
    const sentSoFar = gone.received.length + failing.received.length;
    expect(sentSoFar).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(gone.received.length + failing.received.length).toBe(sentSoFar);
    // Resumed: what waited is sent.
    failing.behave('ok');
    const id = targets.find((t) => t.url === failing.url)!.id;
    await archive.resumeForwardTarget({ id, at: Date.now() });
    forwarder.wake();
    await attemptsUntil(archive, (a) => a.some((x) => x.outcome === 'ok'));
  });

  it('gives a row up, visibly, once retrying has lasted the retry period', async () => {
    const { archive, forwarder } = await setup({ retry: { baseMs: 20, maxMs: 50, retryForMs: 300 } });
    const target = await startForwardTarget({ behaviour: 'fail' });
    await addTarget(archive, target.url, ['session.ended']);
    await receiveCall(archive);
    forwarder.start();
    const attempts = await attemptsUntil(archive, (a) => a.some((x) => x.outcome === 'gave-up'));
    expect(attempts[0]!.outcome).toBe('gave-up');
    expect(attempts[0]!.at - attempts[attempts.length - 1]!.at).toBeGreaterThanOrEqual(300);
    expect(await archive.forwardCounts()).toMatchObject({ gaveUp: 1, queued: 0 });
  });

  it('resends one row, and a period (backfill of a target added later), on request', async () => {
    const { archive, forwarder } = await setup();
    const first = await receiveCall(archive);
    const second = await receiveCall(archive);
    const target = await startForwardTarget();
    const late = await addTarget(archive, target.url, ['session.started']);
    forwarder.start();
    let queued = 0;
    let afterId: number | null = null;
    do {
      const page = await archive.resendPeriod({ targetId: late.id, from: Date.now() - 60_000, to: Date.now() + 1, afterId, at: Date.now() });
      queued += page.queued;
      afterId = page.nextAfterId;
    } while (afterId !== null);
    expect(queued).toBe(2);
    forwarder.wake();
    const received = await target.waitFor(2);
    expect(received.map((r) => r.headers['idempotency-key']).sort()).toEqual([`${first.sessionId}:session.started`, `${second.sessionId}:session.started`].sort());
    const [done] = await attemptsUntil(archive, (a) => a.length === 2);
    expect(await archive.resendForward({ outboxId: done!.outboxId, at: Date.now() })).toBe(true);
    forwarder.wake();
    const again = await target.waitFor(3);
    expect(again[2]!.headers['idempotency-key']).toBe(done!.sessionId + ':session.started');
  });

  it('stops without waiting for a hanging target: the row stays queued for the next start', async () => {
    const { archive, forwarder } = await setup({ timeoutMs: 10_000, stopGraceMs: 100 });
    const target = await startForwardTarget({ behaviour: 'hang' });
    await addTarget(archive, target.url, ['session.ended']);
    await receiveCall(archive);
    forwarder.start();
    await target.waitFor(1);
    const started = Date.now();
    await forwarder.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await archive.forwardAttempts({ limit: 10 })).attempts).toHaveLength(0);
    expect((await archive.forwardCounts()).queued).toBe(1);
  });

  it('an erased session is not forwarded afterwards', async () => {
    const { archive, forwarder } = await setup();
    const target = await startForwardTarget();
    await addTarget(archive, target.url, ['session.started', 'session.ended']);
    const erased = await receiveCall(archive);
    const kept = await receiveCall(archive);
    expect(await archive.eraseSession(erased.sessionId)).toBe(true);
    forwarder.start();
    await target.waitFor(2);
    await attemptsUntil(archive, (a) => a.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(target.received.map((r) => String(r.headers['idempotency-key']).split(':')[0])).toEqual([kept.sessionId, kept.sessionId]);
  });
});
