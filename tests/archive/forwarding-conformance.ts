/**
 * Conformance for forwarding: targets, the outbox written with each stored event, claiming,
 * attempts, pausing, resending and erasure. Written against the ArchiveStore interface only (the
 * PostgreSQL store runs it unchanged), with real payload bodies going in through ingest.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../electron/core/archive/errors.js';
import type { ArchiveStore, ClaimedForward, ForwardAttemptRecord, IngestInput } from '../../electron/core/archive/store.js';
import type { ForwardKind } from '../../shared/forwarding.js';
import type { SessionEndedPayload, SessionStartedPayload, TranscriptItem } from '../../shared/payload.js';
import type { StoreTarget } from './store-conformance.js';

const NOW = Date.UTC(2026, 4, 28, 12);
const MINUTE = 60_000;
const LEASE = 30_000;
const SECRET = 'a-forwarding-secret-of-32-chars!!';
const PAUSE = { ms: 6 * 60 * MINUTE, failures: 100 };

const say = (role: TranscriptItem['role'], content: string, extra: Partial<TranscriptItem> = {}): TranscriptItem => ({ role, content, timestamp: NOW, ...extra });
const PLAIN: TranscriptItem[] = [say('user', 'What time do you open tomorrow?'), say('assistant', 'At nine.')];
const FAILED_TOOL: TranscriptItem[] = [
  say('user', 'A table for four on Friday'),
  say('tool', 'booking', { toolCall: { name: 'create_reservation', arguments: { party: 4 }, error: 'upstream timeout' } }),
  say('assistant', 'Sorry, something went wrong.'),
];

function call(transcript: TranscriptItem[] = PLAIN, at = NOW - 60 * MINUTE): { id: string; started: SessionStartedPayload; ended: SessionEndedPayload } {
  const id = randomUUID();
  return {
    id,
    started: { event: 'session.started', timestamp: new Date(at).toISOString(), assistantId: 'asst-1', sessionId: id, data: { metadata: { sessionMode: 'voice' } } },
    ended: {
      event: 'session.ended',
      timestamp: new Date(at + 90_000).toISOString(),
      assistantId: 'asst-1',
      sessionId: id,
      data: { reason: 'completed', durationSeconds: 90, transcript },
    },
  };
}

const bodyOf = (payload: SessionStartedPayload | SessionEndedPayload) => Buffer.from(JSON.stringify(payload));

function ingest(store: ArchiveStore, payload: SessionStartedPayload | SessionEndedPayload, extra: Partial<IngestInput> = {}) {
  return store.ingest({ payload, body: bodyOf(payload), source: 'webhook', receivedAt: NOW, ...extra });
}

function addTarget(store: ArchiveStore, url = 'https://crm.example.com/hook', events: ForwardKind[] = ['session.started', 'session.ended']) {
  return store.saveForwardTarget({ url, events, headers: { Authorization: 'Bearer abc' }, secret: SECRET, origin: 'owner', at: NOW });
}

function claim(store: ArchiveStore, now = NOW, extra: { limit?: number; perTarget?: number } = {}) {
  return store.claimForwards({ now, limit: extra.limit ?? 100, perTarget: extra.perTarget ?? 100, leaseMs: LEASE });
}

function failed(row: ClaimedForward, at: number, retryAt: number | null, extra: Partial<ForwardAttemptRecord> = {}): ForwardAttemptRecord {
  return { outboxId: row.outboxId, at, ok: false, status: 500, latencyMs: 12, excerpt: 'oops', error: null, retryAt, pauseAfter: PAUSE, ...extra };
}

function succeeded(row: ClaimedForward, at: number): ForwardAttemptRecord {
  return { outboxId: row.outboxId, at, ok: true, status: 200, latencyMs: 8, excerpt: '{"ok":true}', error: null, retryAt: null, pauseAfter: PAUSE };
}

export function describeForwardingConformance(name: string, target: StoreTarget): void {
  describe(`${name}: forwarding`, () => {
    it('keeps targets with their health, never their secret, and updates a target saved again under its URL', async () => {
      const { store } = await target.open();
      const saved = await addTarget(store);
      expect(saved).toMatchObject({ url: 'https://crm.example.com/hook', events: ['session.started', 'session.ended'], headers: { Authorization: 'Bearer abc' }, origin: 'owner', paused: null });
      expect(saved.health).toEqual({ lastSuccessAt: null, lastAttemptAt: null, failingSince: null, consecutiveFailures: 0, lastError: null, queued: 0, gaveUp: 0 });
      expect(JSON.stringify(saved)).not.toContain(SECRET);
      const again = await store.saveForwardTarget({ url: saved.url, events: ['session.ended'], headers: {}, origin: 'command-line', at: NOW + 1 });
      expect(again.id).toBe(saved.id);
      expect(again).toMatchObject({ events: ['session.ended'], origin: 'command-line', updatedAt: NOW + 1 });
      const targets = await store.forwardTargets();
      expect(targets.map((t) => t.id)).toEqual([saved.id]);
      expect(JSON.stringify(targets)).not.toContain(SECRET);
      await expect(store.saveForwardTarget({ url: 'https://new.example.com/', events: ['session.ended'], headers: {}, origin: 'owner', at: NOW })).rejects.toThrow();
      await expect(store.saveForwardTarget({ id: 999_999, url: 'https://x.example.com/', events: ['session.ended'], headers: {}, origin: 'owner', at: NOW })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('writes one outbox row per stored event and target that takes it, with the exact stored bytes; a duplicate or an import writes none', async () => {
      const { store } = await target.open();
      const both = await addTarget(store, 'https://both.example.com/');
      const endedOnly = await addTarget(store, 'https://ended.example.com/', ['session.ended']);
      const c = call();
      await ingest(store, c.started);
      await ingest(store, c.ended);
      expect((await ingest(store, c.ended)).duplicate).toBe(true);
      const imported = call();
      await ingest(store, imported.ended, { source: 'import' });
      const rows = await claim(store);
      expect(rows.map((r) => `${r.targetId}:${r.event}`).sort()).toEqual([`${both.id}:session.ended`, `${both.id}:session.started`, `${endedOnly.id}:session.ended`].sort());
      const ended = rows.find((r) => r.targetId === both.id && r.event === 'session.ended')!;
      expect(Buffer.from(ended.body).equals(bodyOf(c.ended))).toBe(true);
      expect(ended).toMatchObject({ url: 'https://both.example.com/', secret: SECRET, headers: { Authorization: 'Bearer abc' }, sessionId: c.id, kind: 'session.ended', attempt: 1, firstAttemptAt: null });
      expect((await store.forwardCounts()).queued).toBe(3);
    });

    it('leases claimed rows, honours the per-target and overall limits, and skips excluded targets', async () => {
      const { store } = await target.open();
      const a = await addTarget(store, 'https://a.example.com/');
      await addTarget(store, 'https://b.example.com/');
      for (let i = 0; i < 3; i += 1) await ingest(store, call().started);
      const first = await claim(store, NOW, { perTarget: 2 });
      expect(first).toHaveLength(4);
      const rest = await claim(store, NOW + 1);
      expect(rest).toHaveLength(2);
      expect(await claim(store, NOW + 2)).toHaveLength(0);
      const afterLease = await store.claimForwards({ now: NOW + LEASE + 3, limit: 100, perTarget: 100, leaseMs: LEASE, excludeTargets: [a.id] });
      expect(afterLease).toHaveLength(3);
      expect(afterLease.every((r) => r.targetId !== a.id)).toBe(true);
      expect(await store.claimForwards({ now: NOW + LEASE + 4, limit: 1, perTarget: 100, leaseMs: LEASE })).toHaveLength(1);
    });

    it('is done after a success, retried at retryAt after a failure, and given up without one; every attempt is listed newest first', async () => {
      const { store } = await target.open();
      const t = await addTarget(store);
      const c = call();
      await ingest(store, c.started);
      await ingest(store, c.ended);
      const rows = await claim(store);
      const one = rows.find((r) => r.event === 'session.started');
      const two = rows.find((r) => r.event === 'session.ended');
      expect(await store.recordForwardAttempt(succeeded(one!, NOW + 10))).toEqual({ outcome: 'ok', paused: null });
      expect(await store.recordForwardAttempt(failed(two!, NOW + 20, NOW + 5 * MINUTE))).toEqual({ outcome: 'failed', paused: null });
      let [health] = await store.forwardTargets();
      expect(health!.health).toMatchObject({ lastSuccessAt: NOW + 10, lastAttemptAt: NOW + 20, failingSince: NOW + 20, consecutiveFailures: 1, lastError: 'HTTP 500', queued: 1 });
      expect(await claim(store, NOW + 5 * MINUTE - 1)).toHaveLength(0);
      const [retry] = await claim(store, NOW + 5 * MINUTE);
      expect(retry).toMatchObject({ outboxId: two!.outboxId, attempt: 2, firstAttemptAt: NOW + 20 });
      expect(await store.recordForwardAttempt(failed(retry!, NOW + 5 * MINUTE + 1, null, { status: null, error: 'connection refused' }))).toEqual({ outcome: 'gave-up', paused: null });
      expect(await claim(store, NOW + 999 * MINUTE)).toHaveLength(0);
      [health] = await store.forwardTargets();
      expect(health!.health).toMatchObject({ queued: 0, gaveUp: 1, consecutiveFailures: 2, lastError: 'connection refused' });
      expect(await store.forwardCounts()).toEqual({ targets: 1, paused: 0, failing: 1, queued: 0, gaveUp: 1 });

      const all = await store.forwardAttempts({ limit: 10 });
      expect(all.attempts.map((a) => [a.outcome, a.attempt])).toEqual([['gave-up', 2], ['failed', 1], ['ok', 1]]);
      expect(all.attempts[2]).toMatchObject({ targetId: t.id, targetUrl: t.url, sessionId: c.id, event: 'session.started', kind: 'session.started', status: 200, latencyMs: 8, excerpt: '{"ok":true}', error: null });
      expect(all.nextBeforeId).toBeNull();
      const page = await store.forwardAttempts({ limit: 2 });
      expect(page.attempts).toHaveLength(2);
      const next = await store.forwardAttempts({ limit: 2, beforeId: page.nextBeforeId! });
      expect(next.attempts.map((a) => a.outcome)).toEqual(['ok']);
      expect((await store.forwardAttempts({ limit: 10, outcome: 'failed' })).attempts).toHaveLength(1);
      expect((await store.forwardAttempts({ limit: 10, targetId: t.id + 1000 })).attempts).toHaveLength(0);

      // A success clears the failing streak.
      expect(await store.resendForward({ outboxId: two!.outboxId, at: NOW + 1000 * MINUTE })).toBe(true);
      const [again] = await claim(store, NOW + 1000 * MINUTE);
      expect(again).toMatchObject({ outboxId: two!.outboxId, attempt: 3, firstAttemptAt: null });
      await store.recordForwardAttempt(succeeded(again!, NOW + 1000 * MINUTE + 5));
      [health] = await store.forwardTargets();
      expect(health!.health).toMatchObject({ failingSince: null, consecutiveFailures: 0, lastError: null, gaveUp: 0, lastSuccessAt: NOW + 1000 * MINUTE + 5 });
      expect(await store.resendForward({ outboxId: 987_654, at: NOW })).toBe(false);
    });

    it('pauses a target that keeps failing (in a row, for long, or at once), holds its rows, and resumes with a clean slate', async () => {
      const { store } = await target.open();
      const t = await addTarget(store);
      for (let i = 0; i < 3; i += 1) await ingest(store, call().started);
      const policy = { ms: 60 * MINUTE, failures: 3 };
      let rows = await claim(store);
      expect((await store.recordForwardAttempt(failed(rows[0]!, NOW, NOW + 1, { pauseAfter: policy })))!.paused).toBeNull();
      expect((await store.recordForwardAttempt(failed(rows[1]!, NOW + 1, NOW + 1, { pauseAfter: policy })))!.paused).toBeNull();
      const third = await store.recordForwardAttempt(failed(rows[2]!, NOW + 2, NOW + 1, { pauseAfter: policy }));
      expect(third!.paused).toMatch(/3 failed attempts in a row/);
      const [paused] = await store.forwardTargets();
      expect(paused!.paused).toEqual({ at: NOW + 2, reason: third!.paused });
      expect(await claim(store, NOW + LEASE * 10)).toHaveLength(0);
      expect((await store.forwardCounts()).paused).toBe(1);

      const resumed = await store.resumeForwardTarget({ id: t.id, at: NOW + 100 });
      expect(resumed.paused).toBeNull();
      expect(resumed.health).toMatchObject({ failingSince: null, consecutiveFailures: 0, queued: 3 });
      rows = await claim(store, NOW + 100);
      expect(rows).toHaveLength(3);
      // Failing for longer than the policy's time pauses too; a 410 pauses at once.
      await store.recordForwardAttempt(failed(rows[0]!, NOW + 200, NOW + 300, { pauseAfter: policy }));
      const long = await store.recordForwardAttempt(failed(rows[1]!, NOW + 200 + 60 * MINUTE, NOW + 300, { pauseAfter: policy }));
      expect(long!.paused).toMatch(/every attempt failed for 60 minutes/);
      await store.resumeForwardTarget({ id: t.id, at: NOW + 61 * MINUTE });
      const gone = await store.recordForwardAttempt(failed(rows[2]!, NOW + 62 * MINUTE, NOW + 63 * MINUTE, { status: 410, pauseNow: 'answered 410 Gone' }));
      expect(gone!.paused).toBe('answered 410 Gone');

      const byHand = await store.pauseForwardTarget({ id: t.id, reason: 'CRM maintenance', at: NOW + 70 * MINUTE });
      expect(byHand.paused).toEqual({ at: NOW + 70 * MINUTE, reason: 'CRM maintenance' });
      await expect(store.pauseForwardTarget({ id: 999_999, reason: 'x', at: NOW })).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.resumeForwardTarget({ id: 999_999, at: NOW })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('forwards an ended session that needs follow-up to a target that takes only those, once the rules have decided', async () => {
      const { store } = await target.open();
      const followUps = await addTarget(store, 'https://inbox.example.com/', ['follow-up']);
      const plain = call(PLAIN);
      const failedTool = call(FAILED_TOOL);
      for (const c of [plain, failedTool]) {
        await ingest(store, c.started);
        await ingest(store, c.ended);
      }
      await store.settled();
      // Enqueued when the rules decided, on the archive's clock.
      const rows = await claim(store, Date.now() + 1);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ targetId: followUps.id, sessionId: failedTool.id, event: 'session.ended', kind: 'follow-up' });
      expect(Buffer.from(rows[0]!.body).equals(bodyOf(failedTool.ended))).toBe(true);
    });

    it('resends a period: every stored event received in it that the target takes, a page at a time', async () => {
      const { store } = await target.open();
      const calls = [call(), call(), call()];
      for (const [i, c] of calls.entries()) {
        await ingest(store, c.started, { receivedAt: NOW + i * MINUTE });
        await ingest(store, c.ended, { receivedAt: NOW + i * MINUTE + 1 });
      }
      const late = await addTarget(store, 'https://late.example.com/', ['session.ended']);
      expect(await claim(store)).toHaveLength(0);
      let queued = 0;
      let afterId: number | null = null;
      let pages = 0;
      do {
        const page = await store.resendPeriod({ targetId: late.id, from: NOW, to: NOW + 2 * MINUTE, afterId, at: NOW + HOUR_MS, scan: 2 });
        queued += page.queued;
        afterId = page.nextAfterId;
        pages += 1;
      } while (afterId !== null);
      expect(pages).toBeGreaterThan(2);
      expect(queued).toBe(2);
      const rows = await claim(store, NOW + HOUR_MS);
      expect(rows.map((r) => r.sessionId).sort()).toEqual([calls[0]!.id, calls[1]!.id].sort());
      expect(rows.every((r) => r.event === 'session.ended')).toBe(true);
      await expect(store.resendPeriod({ targetId: 999_999, from: NOW, to: NOW + 1, at: NOW })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('erasing a session removes its pending forwards and its attempts; deleting a target removes its queue', async () => {
      const { store } = await target.open();
      const t = await addTarget(store);
      const erased = call();
      const kept = call();
      for (const c of [erased, kept]) {
        await ingest(store, c.started);
        await ingest(store, c.ended);
      }
      const [row] = (await claim(store)).filter((r) => r.sessionId === erased.id);
      await store.recordForwardAttempt(failed(row!, NOW + 1, NOW + 2));
      await store.settled();
      expect(await store.eraseSession(erased.id)).toBe(true);
      const left = await claim(store, NOW + LEASE * 10);
      expect(left.map((r) => r.sessionId)).toEqual([kept.id, kept.id]);
      expect((await store.forwardAttempts({ limit: 10 })).attempts).toHaveLength(0);
      // An attempt that ends after its row was erased records nothing.
      expect(await store.recordForwardAttempt(failed(row!, NOW + 3, NOW + 4))).toBeNull();

      expect(await store.deleteForwardTarget(t.id)).toBe(true);
      expect(await store.deleteForwardTarget(t.id)).toBe(false);
      expect(await store.forwardTargets()).toEqual([]);
      expect(await store.forwardCounts()).toEqual({ targets: 0, paused: 0, failing: 0, queued: 0, gaveUp: 0 });
    });

    it('keeps the outbox across a reopen and a crash: a stored event is never without its forward', async () => {
      const handle = await target.open();
      await addTarget(handle.store);
      const c = call();
      await ingest(handle.store, c.started);
      let store = await handle.reopen();
      expect((await claim(store)).map((r) => r.sessionId)).toEqual([c.id]);
      if (!handle.crash) return;
      await ingest(store, c.ended);
      store = await handle.crash();
      const rows = await claim(store, NOW + LEASE + 1);
      expect(rows.map((r) => r.event).sort()).toEqual(['session.ended', 'session.started']);
    });
  });
}

const HOUR_MS = 60 * MINUTE;
