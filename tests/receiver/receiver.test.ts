import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../electron/core/archive/sqlite/sqlite-store.js';
import { FailureLimiter } from '../../electron/core/failure-limiter.js';
import { createReceiver } from '../../electron/core/receiver.js';
import { sign } from '../../electron/core/signature.js';
import { onCleanup, SECRET, sessionPair, signedRequest, tempDir } from '../support/fixtures.js';
import { testReceiver } from '../support/receiver.js';

describe('webhook receiver responses', () => {
  it('stores a new session.started and session.ended with 200, and says so', async () => {
    const { app, counts } = await testReceiver();
    const { started, ended } = sessionPair();
    const first = await app.inject(signedRequest(started));
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ ok: true, event: 'session.started', duplicate: false });
    const second = await app.inject(signedRequest(ended));
    expect(second.json()).toEqual({ ok: true, event: 'session.ended', duplicate: false });
    expect(await counts()).toMatchObject({ events: 2, sessions: 1, messages: ended.data.transcript!.length });
  });

  it('answers a repeated delivery with 200 duplicate:true and changes nothing', async () => {
    const { app, archive, counts } = await testReceiver();
    const { ended } = sessionPair();
    await app.inject(signedRequest(ended));
    await archive.settled();
    const before = await archive.getSession(ended.sessionId, 60_000);
    const again = await app.inject(signedRequest(ended));
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ ok: true, event: 'session.ended', duplicate: true });
    expect(await counts()).toMatchObject({ events: 1, messages: ended.data.transcript!.length });
    expect(await archive.getSession(ended.sessionId, 60_000)).toEqual(before);
  });

  it('acknowledges an unknown event type without storing a session', async () => {
    const { app, counts, deliveries } = await testReceiver();
    const reply = await app.inject(signedRequest({ event: 'session.paused', sessionId: 'abc', timestamp: '2026-05-28T12:00:00Z' }));
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toMatchObject({ ok: true, event: 'session.paused', ignored: true });
    expect(await counts()).toMatchObject({ sessions: 0, events: 0 });
    expect(await deliveries()).toMatchObject([{ outcome: 'ignored', statusCode: 200, event: 'session.paused' }]);
  });

  describe('401 for signatures that do not verify (never 500)', () => {
    const { started } = sessionPair();
    const body = JSON.stringify(started);
    const good = sign(SECRET, body);
    it.each([
      ['missing', undefined],
      ['without sha256=', good.slice(7)],
      ['of the wrong length', good.slice(0, 40)],
      ['with non-hex digits', `sha256=${'g'.repeat(64)}`],
      ['with two values', `${good},${good}`],
      ['made with another secret', sign('wrong', body)],
    ])('signature %s', async (_name, signature) => {
      const { app, counts } = await testReceiver();
      const request = signedRequest(started, { secret: null, body });
      if (signature !== undefined) request.headers['x-callaider-signature'] = signature;
      const reply = await app.inject(request);
      expect(reply.statusCode).toBe(401);
      expect(reply.json().ok).toBe(false);
      expect((await counts()).events).toBe(0);
    });
  });

  it('keeps bodies that failed verification in the quarantine, with the reason', async () => {
    const { app, quarantine, deliveries } = await testReceiver();
    const { ended } = sessionPair();
    await app.inject(signedRequest(ended, { secret: 'mistyped' }));
    await app.inject({ method: 'POST', url: '/webhook', headers: { 'content-type': 'application/json' }, payload: 'random junk' });
    const quarantined = await quarantine();
    expect(quarantined).toHaveLength(1); // the junk is not a CallAIder delivery: not kept
    expect(quarantined[0]).toMatchObject({ failure: 'signature', event: 'session.ended', sessionId: ended.sessionId });
    expect(quarantined[0]!.body.toString()).toBe(JSON.stringify(ended));
    const log = await deliveries();
    expect(log[0]).toMatchObject({ outcome: 'rejected', statusCode: 401, quarantineId: quarantined[0]!.id });
    expect(log[0]!.reason).toMatch(/does not match/);
  });

  it('accepts the previous secret during rotation', async () => {
    const { app } = await testReceiver({ secret: 'new-secret', previousSecret: SECRET });
    expect((await app.inject(signedRequest(sessionPair().started))).statusCode).toBe(200);
    expect((await app.inject(signedRequest(sessionPair().started, { secret: 'new-secret' }))).statusCode).toBe(200);
    expect((await app.inject(signedRequest(sessionPair().started, { secret: 'neither' }))).statusCode).toBe(401);
  });

  it('requires the configured extra header, compared exactly', async () => {
    const { app, counts } = await testReceiver({ requiredHeader: { name: 'Authorization', value: 'Basic 12345' } });
    const { started } = sessionPair();
    const without = await app.inject(signedRequest(started));
    expect(without.statusCode).toBe(401);
    const wrong = signedRequest(started);
    wrong.headers.authorization = 'Basic 1234';
    expect((await app.inject(wrong)).statusCode).toBe(401);
    const right = signedRequest(started);
    right.headers.authorization = 'Basic 12345';
    expect((await app.inject(right)).statusCode).toBe(200);
    expect((await counts()).events).toBe(1);
  });

  it('masks the signature and secret headers in the delivery log', async () => {
    const { app, archive, deliveries } = await testReceiver({ requiredHeader: { name: 'Authorization', value: 'Basic 12345' } });
    const request = signedRequest(sessionPair().started);
    request.headers.authorization = 'Basic 12345';
    await app.inject(request);
    const [row] = await deliveries();
    const headers = (await archive.getDelivery(row!.id))!.headers!;
    expect(headers.authorization).not.toContain('12345');
    expect(headers['x-callaider-signature']).toMatch(/^sha256=.{6}••••$/);
  });

  describe('400 for bodies that are not a valid CallAIder event', () => {
    it.each([
      ['invalid JSON', '{"event": "session.started",', /not valid JSON/],
      ['a __proto__ key', '{"event":"session.started","__proto__":{"polluted":true}}', /__proto__/],
      ['a constructor.prototype key', '{"event":"session.started","constructor":{"prototype":{"polluted":true}}}', /constructor/],
      ['a JSON array', '[1,2,3]', /schema/],
      ['a missing sessionId', JSON.stringify({ event: 'session.started', timestamp: '2026-05-28T12:00:00Z', assistantId: 1, data: {} }), /sessionId/],
    ])('%s', async (_name, body, reason) => {
      const { app, counts } = await testReceiver();
      const reply = await app.inject(signedRequest(null, { body, event: null }));
      expect(reply.statusCode).toBe(400);
      expect(reply.json().error).toMatch(reason);
      expect((await counts()).events).toBe(0);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('an empty body', async () => {
      const { app } = await testReceiver();
      const reply = await app.inject({ method: 'POST', url: '/webhook', headers: { 'content-type': 'application/json' }, payload: '' });
      expect(reply.statusCode).toBe(400);
      expect(reply.json().error).toMatch(/empty/);
    });

    it('an X-Callaider-Event header that disagrees with the payload', async () => {
      const { app, counts } = await testReceiver();
      const reply = await app.inject(signedRequest(sessionPair().started, { event: 'session.ended' }));
      expect(reply.statusCode).toBe(400);
      expect(reply.json().error).toMatch(/disagrees/);
      expect((await counts()).events).toBe(0);
    });

    it('keeps a signed but invalid payload in the quarantine, so nothing CallAIder sent is lost', async () => {
      const { app, quarantine } = await testReceiver();
      const bad = { ...sessionPair().started, timestamp: 'not a date' };
      expect((await app.inject(signedRequest(bad))).statusCode).toBe(400);
      expect(await quarantine()).toMatchObject([{ failure: 'payload', event: 'session.started' }]);
    });
  });

  it('answers 413 for a declared body over the limit, without reading it', async () => {
    const { app, counts } = await testReceiver({ bodyLimit: 64 * 1024 });
    const { ended } = sessionPair({ messages: 800 });
    const request = signedRequest(ended);
    expect(Buffer.byteLength(request.payload)).toBeGreaterThan(64 * 1024);
    const reply = await app.inject(request);
    expect(reply.statusCode).toBe(413);
    expect((await counts()).events).toBe(0);
  });

  it.each([
    ['text/plain', 415],
    ['application/x-www-form-urlencoded', 415],
    ['application/jsonx', 415],
    ['application/json; charset=utf-8', 200],
    ['Application/JSON', 200],
  ])('content type %s -> %i', async (type, status) => {
    const { app } = await testReceiver();
    const request = signedRequest(sessionPair().started);
    request.headers['content-type'] = type;
    expect((await app.inject(request)).statusCode).toBe(status);
  });

  it('answers 415 when there is no content type at all', async () => {
    const { app } = await testReceiver();
    const request = signedRequest(sessionPair().started);
    delete (request.headers as Record<string, string | undefined>)['content-type'];
    expect((await app.inject(request)).statusCode).toBe(415);
  });

  it('serves the webhook and the health check, and nothing else', async () => {
    const { app } = await testReceiver();
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ ok: true });
    expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/sessions' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/webhook/../admin' })).statusCode).toBe(404);
    const get = await app.inject({ method: 'GET', url: '/webhook' });
    expect(get.statusCode).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });

  it('without a secret, accepts unsigned events and notes it in the delivery log', async () => {
    const { app, deliveries } = await testReceiver({ secret: undefined });
    const reply = await app.inject(signedRequest(sessionPair().started, { secret: null }));
    expect(reply.statusCode).toBe(200);
    expect(await deliveries()).toMatchObject([{ outcome: 'stored', reason: 'unsigned (no webhook secret configured)' }]);
  });

  it('refuses a client with 429 after too many failed verifications, before reading its body', async () => {
    const { app } = await testReceiver({ failureLimiter: new FailureLimiter({ maxFailures: 3, windowSeconds: 60, blockSeconds: 60 }) });
    const forged = signedRequest(sessionPair().started, { secret: 'guess' });
    const statuses = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await app.inject(forged)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    const blocked = await app.inject(signedRequest(sessionPair().started));
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Another client (a different tunnel-forwarded address) is unaffected.
    const other = signedRequest(sessionPair().started);
    (other.headers as Record<string, string>)['x-forwarded-for'] = '203.0.113.9';
    expect((await app.inject({ ...other, remoteAddress: '127.0.0.1' })).statusCode).toBe(200);
  });

  it('answers 503 with Retry-After when the archive cannot commit, and stores the event on retry', async () => {
    const dir = tempDir();
    const file = join(dir, 'archive.sqlite');
    const receiverOn = async (options: { maxBytes?: number } = {}) => {
      const archive = await SqliteStore.open(file, options);
      const app = createReceiver({ archive, secret: SECRET, bodyLimit: 20 * 1024 * 1024, requestTimeoutMs: 30_000 });
      return { archive, app, close: async () => (await app.close(), await archive.close()) };
    };
    const first = await receiverOn();
    expect((await first.app.inject(signedRequest(sessionPair().started))).statusCode).toBe(200);
    await first.close();
    // A full disk: the archive file may grow by 8 KiB at most, and the next event needs more.
    const full = await receiverOn({ maxBytes: statSync(file).size + 8 * 1024 });
    const { ended } = sessionPair({ messages: 400 });
    const failed = await full.app.inject(signedRequest(ended));
    expect(failed.statusCode).toBe(503);
    expect(failed.headers['retry-after']).toBe('5');
    expect((await full.archive.counts({ staleBefore: 0 })).events).toBe(1);
    await full.close();
    // Space is freed and the app restarts: CallAIder's retry is stored.
    const freed = await receiverOn();
    onCleanup(freed.close);
    const retried = await freed.app.inject(signedRequest(ended));
    expect(retried.json()).toEqual({ ok: true, event: 'session.ended', duplicate: false });
    expect((await freed.archive.counts({ staleBefore: 0 })).messages).toBe(400);
  });
});
