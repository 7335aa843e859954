import { describe, expect, it } from 'vitest';
import { FailureLimiter } from '../../electron/core/failure-limiter.js';
import { sign } from '../../electron/core/signature.js';
import { SECRET, sessionPair, signedRequest } from '../support/fixtures.js';
import { testReceiver } from '../support/receiver.js';

describe('webhook receiver responses', () => {
  it('stores a new session.started and session.ended with 200, and says so', async () => {
    const { app, count } = testReceiver();
    const { started, ended } = sessionPair();
    const first = await app.inject(signedRequest(started));
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ ok: true, event: 'session.started', duplicate: false });
    const second = await app.inject(signedRequest(ended));
    expect(second.json()).toEqual({ ok: true, event: 'session.ended', duplicate: false });
    expect(count('events')).toBe(2);
    expect(count('sessions')).toBe(1);
    expect(count('messages')).toBe(ended.data.transcript!.length);
  });

  it('answers a repeated delivery with 200 duplicate:true and changes nothing', async () => {
    const { app, count, rows } = testReceiver();
    const { ended } = sessionPair();
    await app.inject(signedRequest(ended));
    const before = rows('SELECT * FROM sessions');
    const again = await app.inject(signedRequest(ended));
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ ok: true, event: 'session.ended', duplicate: true });
    expect(count('events')).toBe(1);
    expect(count('messages')).toBe(ended.data.transcript!.length);
    expect(rows('SELECT * FROM sessions')).toEqual(before);
  });

  it('acknowledges an unknown event type without storing a session', async () => {
    const { app, count, rows, settled } = testReceiver();
    const reply = await app.inject(signedRequest({ event: 'session.paused', sessionId: 'abc', timestamp: '2026-05-28T12:00:00Z' }));
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toMatchObject({ ok: true, event: 'session.paused', ignored: true });
    expect(count('sessions')).toBe(0);
    expect(count('events')).toBe(0);
    await settled();
    expect(rows('SELECT outcome, status_code, event FROM deliveries')).toEqual([{ outcome: 'ignored', status_code: 200, event: 'session.paused' }]);
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
      const { app, count } = testReceiver();
      const request = signedRequest(started, { secret: null, body });
      if (signature !== undefined) request.headers['x-callaider-signature'] = signature;
      const reply = await app.inject(request);
      expect(reply.statusCode).toBe(401);
      expect(reply.json().ok).toBe(false);
      expect(count('events')).toBe(0);
    });
  });

  it('keeps bodies that failed verification in the quarantine, with the reason', async () => {
    const { app, rows, settled } = testReceiver();
    const { ended } = sessionPair();
    await app.inject(signedRequest(ended, { secret: 'mistyped' }));
    await app.inject({ method: 'POST', url: '/webhook', headers: { 'content-type': 'application/json' }, payload: 'random junk' });
    await settled();
    const quarantined = rows<{ failure: string; event: string; session_id: string; body: Buffer }>('SELECT failure, event, session_id, body FROM quarantine');
    expect(quarantined).toHaveLength(1); // the junk is not a CallAIder delivery: not kept
    expect(quarantined[0]).toMatchObject({ failure: 'signature', event: 'session.ended', session_id: ended.sessionId });
    expect(quarantined[0]!.body.toString()).toBe(JSON.stringify(ended));
    const log = rows<{ outcome: string; status_code: number; reason: string; quarantine_id: number | null }>('SELECT outcome, status_code, reason, quarantine_id FROM deliveries ORDER BY id');
    expect(log[0]).toMatchObject({ outcome: 'rejected', status_code: 401 });
    expect(log[0]!.reason).toMatch(/does not match/);
    expect(log[0]!.quarantine_id).not.toBeNull();
  });

  it('accepts the previous secret during rotation', async () => {
    const { app } = testReceiver({ secret: 'new-secret', previousSecret: SECRET });
    expect((await app.inject(signedRequest(sessionPair().started))).statusCode).toBe(200);
    expect((await app.inject(signedRequest(sessionPair().started, { secret: 'new-secret' }))).statusCode).toBe(200);
    expect((await app.inject(signedRequest(sessionPair().started, { secret: 'neither' }))).statusCode).toBe(401);
  });

  it('requires the configured extra header, compared exactly', async () => {
    const { app, count } = testReceiver({ requiredHeader: { name: 'Authorization', value: 'Basic 12345' } });
    const { started } = sessionPair();
    const without = await app.inject(signedRequest(started));
    expect(without.statusCode).toBe(401);
    const wrong = signedRequest(started);
    wrong.headers.authorization = 'Basic 1234';
    expect((await app.inject(wrong)).statusCode).toBe(401);
    const right = signedRequest(started);
    right.headers.authorization = 'Basic 12345';
    expect((await app.inject(right)).statusCode).toBe(200);
    expect(count('events')).toBe(1);
  });

  it('masks the signature and secret headers in the delivery log', async () => {
    const { app, rows, settled } = testReceiver({ requiredHeader: { name: 'Authorization', value: 'Basic 12345' } });
    const request = signedRequest(sessionPair().started);
    request.headers.authorization = 'Basic 12345';
    await app.inject(request);
    await settled();
    const [row] = rows<{ headers: string }>('SELECT headers FROM deliveries');
    const headers = JSON.parse(row!.headers) as Record<string, string>;
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
      const { app, count } = testReceiver();
      const reply = await app.inject(signedRequest(null, { body, event: null }));
      expect(reply.statusCode).toBe(400);
      expect(reply.json().error).toMatch(reason);
      expect(count('events')).toBe(0);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('an empty body', async () => {
      const { app } = testReceiver();
      const reply = await app.inject({ method: 'POST', url: '/webhook', headers: { 'content-type': 'application/json' }, payload: '' });
      expect(reply.statusCode).toBe(400);
      expect(reply.json().error).toMatch(/empty/);
    });

    it('an X-Callaider-Event header that disagrees with the payload', async () => {
      const { app, count } = testReceiver();
      const reply = await app.inject(signedRequest(sessionPair().started, { event: 'session.ended' }));
      expect(reply.statusCode).toBe(400);
      expect(reply.json().error).toMatch(/disagrees/);
      expect(count('events')).toBe(0);
    });

    it('keeps a signed but invalid payload in the quarantine, so nothing CallAIder sent is lost', async () => {
      const { app, rows, settled } = testReceiver();
      const bad = { ...sessionPair().started, timestamp: 'not a date' };
      expect((await app.inject(signedRequest(bad))).statusCode).toBe(400);
      await settled();
      expect(rows('SELECT failure, event FROM quarantine')).toEqual([{ failure: 'payload', event: 'session.started' }]);
    });
  });

  it('answers 413 for a declared body over the limit, without reading it', async () => {
    const { app, count } = testReceiver({ bodyLimit: 64 * 1024 });
    const { ended } = sessionPair({ messages: 800 });
    const request = signedRequest(ended);
    expect(Buffer.byteLength(request.payload)).toBeGreaterThan(64 * 1024);
    const reply = await app.inject(request);
    expect(reply.statusCode).toBe(413);
    expect(count('events')).toBe(0);
  });

  it.each([
    ['text/plain', 415],
    ['application/x-www-form-urlencoded', 415],
    ['application/jsonx', 415],
    ['application/json; charset=utf-8', 200],
    ['Application/JSON', 200],
  ])('content type %s -> %i', async (type, status) => {
    const { app } = testReceiver();
    const request = signedRequest(sessionPair().started);
    request.headers['content-type'] = type;
    expect((await app.inject(request)).statusCode).toBe(status);
  });

  it('answers 415 when there is no content type at all', async () => {
    const { app } = testReceiver();
    const request = signedRequest(sessionPair().started);
    delete (request.headers as Record<string, string | undefined>)['content-type'];
    expect((await app.inject(request)).statusCode).toBe(415);
  });

  it('serves the webhook and the health check, and nothing else', async () => {
    const { app } = testReceiver();
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ ok: true });
    expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/sessions' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/webhook/../admin' })).statusCode).toBe(404);
    const get = await app.inject({ method: 'GET', url: '/webhook' });
    expect(get.statusCode).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });

  it('without a secret, accepts unsigned events and notes it in the delivery log', async () => {
    const { app, rows, settled } = testReceiver({ secret: undefined });
    const reply = await app.inject(signedRequest(sessionPair().started, { secret: null }));
    expect(reply.statusCode).toBe(200);
    await settled();
    expect(rows('SELECT outcome, reason FROM deliveries')).toEqual([{ outcome: 'stored', reason: 'unsigned (no webhook secret configured)' }]);
  });

  it('refuses a client with 429 after too many failed verifications, before reading its body', async () => {
    const { app } = testReceiver({ failureLimiter: new FailureLimiter({ maxFailures: 3, windowSeconds: 60, blockSeconds: 60 }) });
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
    const { app, archive, count } = testReceiver();
    await app.inject(signedRequest(sessionPair().started));
    const pages = archive.db.pragma('page_count', { simple: true }) as number;
    archive.db.pragma(`max_page_count = ${pages}`); // the "disk" is now full
    const { ended } = sessionPair({ messages: 400 });
    const failed = await app.inject(signedRequest(ended));
    expect(failed.statusCode).toBe(503);
    expect(failed.headers['retry-after']).toBe('5');
    expect(count('events')).toBe(1);
    archive.db.pragma('max_page_count = 1073741823');
    const retried = await app.inject(signedRequest(ended));
    expect(retried.json()).toEqual({ ok: true, event: 'session.ended', duplicate: false });
    expect(count('messages')).toBe(400);
  });
});
