/**
 * Issue 8, parts 3 and 4: request bodies held in memory at once are bounded (503 + Retry-After
 * before the body is read; a chunked body is cut off as it streams), small deliveries keep being
 * accepted while big bodies hold the budget, and the quarantine decides from a bounded peek.
 *
 * Real HTTP on 127.0.0.1 with a small budget (4 MiB: 1 MiB kept for small bodies, bodies over
 * 256 KiB share 3 MiB) and bodies of 900 KiB, so three big bodies fit and a fourth does not.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BodyBudget, checkBodyBudget, smallestBodyBudget } from '../../electron/core/body-budget.js';
import { peekDelivery } from '../../electron/core/delivery-peek.js';
import { sign } from '../../electron/core/signature.js';
import { SECRET, sessionPair, signedRequest } from '../support/fixtures.js';
import { testReceiver } from '../support/receiver.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const BUDGET = 4 * MIB;
const BODY_LIMIT = 1 * MIB;
const BIG = 900 * KIB;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A POST whose headers and first `first` bytes are sent at once; the rest only on `finish()`.
 * `answer` resolves with the response (which may come before the body was sent), or rejects when
 * the connection fails without one.
 */
function openPost(port: number, body: Buffer, headers: Record<string, string>, options: { first?: number; chunked?: boolean } = {}) {
  const first = Math.min(options.first ?? 1024, body.length);
  const request = httpRequest({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/webhook',
    agent: false,
    headers: options.chunked ? { ...headers, 'transfer-encoding': 'chunked' } : { ...headers, 'content-length': String(body.length) },
  });
  let answered = false;
  const answer = new Promise<Answer>((resolve, reject) => {
    request.on('response', (response) => {
      answered = true;
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(parts).toString() }));
      response.on('error', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(parts).toString() }));
    });
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
  });
  answer.catch(() => undefined);
  request.write(body.subarray(0, first));
  return {
    answer,
    get answered() {
      return answered;
    },
    finish: () => {
      if (!answered) request.end(body.subarray(first));
    },
    /** Sends the rest in `size`-byte chunks, a macrotask apart, until done or answered; resolves with the bytes sent. */
    trickle: async (size: number) => {
      let sent = first;
      while (sent < body.length && !answered && !request.destroyed) {
        request.write(body.subarray(sent, sent + size));
        sent += Math.min(size, body.length - sent);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      if (!answered && !request.destroyed) request.end();
      return sent;
    },
    abort: () => request.destroy(),
  };
}

type Open = ReturnType<typeof openPost>;
const opened: Open[] = [];
afterEach(() => {
  for (const post of opened.splice(0)) post.abort();
});

/** A signed session.started of exactly `size` bytes (padded in its metadata). */
function deliveryOfSize(size: number, secret = SECRET) {
  const { started } = sessionPair();
  const payload = { ...started, data: { ...started.data, metadata: { ...started.data.metadata, pad: '' } } };
  const bare = JSON.stringify(payload).length;
  payload.data.metadata.pad = 'x'.repeat(size - bare);
  const body = Buffer.from(JSON.stringify(payload));
  expect(body.length).toBe(size);
  const headers = { 'content-type': 'application/json', 'x-callaider-event': 'session.started', 'x-callaider-signature': sign(secret, body) };
  return { sessionId: started.sessionId, body, headers };
}

async function listening(options: Parameters<typeof testReceiver>[0] = {}) {
  const receiver = await testReceiver({ bodyBudget: BUDGET, bodyLimit: BODY_LIMIT, ...options });
  await receiver.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (receiver.app.server.address() as AddressInfo).port;
  const post = (body: Buffer, headers: Record<string, string>, options?: Parameters<typeof openPost>[3]) => {
    const open = openPost(port, body, headers, options);
    opened.push(open);
    return open;
  };
  return { ...receiver, port, post };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `count` of `posts` are answered (or fails after `ms`). */
async function answeredCount(posts: Open[], count: number, ms = 5_000): Promise<Open[]> {
  const deadline = Date.now() + ms;
  while (posts.filter((post) => post.answered).length < count) {
    if (Date.now() > deadline) throw new Error(`only ${posts.filter((post) => post.answered).length} of ${posts.length} answered, expected ${count}`);
    await settle(10);
  }
  return posts.filter((post) => post.answered);
}

/** Opens three big signed deliveries (2.7 MiB of the 3 MiB big bodies may hold) and waits until the server holds them. */
async function holdTheBudget(server: Awaited<ReturnType<typeof listening>>) {
  const deliveries = [0, 1, 2].map(() => deliveryOfSize(BIG));
  const held = deliveries.map((delivery) => server.post(delivery.body, delivery.headers, { first: 64 * KIB }));
  await settle(150);
  expect(held.filter((post) => post.answered)).toHaveLength(0);
  return { deliveries, held };
}

describe('the body budget', () => {
  it('answers 503 with Retry-After before reading a body that does not fit, and stores the ones that did', async () => {
    const server = await listening();
    const deliveries = [0, 1, 2, 3, 4].map(() => deliveryOfSize(BIG));
    // Five bodies of 900 KiB declared at once; only 1 KiB of each is sent.
    const posts = deliveries.map((delivery) => server.post(delivery.body, delivery.headers, { first: 1024 }));
    const refused = await answeredCount(posts, 2);
    await settle(150);
    expect(posts.filter((post) => post.answered)).toHaveLength(2); // three are admitted and still waiting for their bodies
    for (const post of refused) {
      const answer = await post.answer;
      expect(answer.status).toBe(503);
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
      expect(JSON.parse(answer.body)).toMatchObject({ ok: false, error: expect.stringMatching(/too many request bodies in memory/) });
    }
    const admitted = posts.filter((post) => !refused.includes(post));
    for (const post of admitted) post.finish();
    for (const post of admitted) expect((await post.answer).status).toBe(200);
    expect((await server.counts()).events).toBe(3);
    const log = await server.deliveries();
    expect(log.filter((row) => row.statusCode === 503)).toHaveLength(2);
    expect(log.filter((row) => row.statusCode === 503).every((row) => row.outcome === 'failed' && row.size === BIG)).toBe(true);

    // The budget is given back: three big bodies fit again.
    const again = [0, 1, 2].map(() => deliveryOfSize(BIG)).map((delivery) => server.post(delivery.body, delivery.headers, { first: BIG }));
    for (const post of again) post.finish();
    for (const post of again) expect((await post.answer).status).toBe(200);
    expect((await server.counts()).events).toBe(6);
  });

  it('keeps accepting a small, correctly signed delivery while big bodies hold the budget', async () => {
    const server = await listening();
    const { held } = await holdTheBudget(server);
    const fourth = deliveryOfSize(BIG);
    const refused = server.post(fourth.body, fourth.headers);
    expect((await refused.answer).status).toBe(503);

    const small = signedRequest(sessionPair().ended);
    expect(Buffer.byteLength(small.payload)).toBeLessThan(256 * KIB);
    const startedAt = performance.now();
    const reply = await fetch(`http://127.0.0.1:${server.port}/webhook`, { method: 'POST', headers: small.headers, body: small.payload });
    expect(reply.status).toBe(200);
    expect(performance.now() - startedAt).toBeLessThan(1_000);
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);

    for (const post of held) post.finish();
    for (const post of held) expect((await post.answer).status).toBe(200);
    expect((await server.counts()).events).toBe(4);
  });

  it('cuts off a chunked body (no Content-Length) as soon as it does not fit, and logs it', async () => {
    const server = await listening();
    const { held } = await holdTheBudget(server);
    // A valid, signed 900 KiB delivery, but chunked: it is counted as it streams.
    const chunked = deliveryOfSize(BIG);
    const post = server.post(chunked.body, chunked.headers, { chunked: true, first: 16 * KIB });
    const sent = await post.trickle(16 * KIB);
    const answer = await post.answer;
    expect(answer.status).toBe(503);
    expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    expect(answer.body).toMatch(/cut off after \d+ bytes/);
    // Big bodies may hold 3 MiB, 2.7 MiB are taken: it could not grow past about 300 KiB.
    const cutAt = Number(/cut off after (\d+) bytes/.exec(answer.body)![1]);
    expect(cutAt).toBeLessThan(400 * KIB);
    expect(sent).toBeLessThan(BIG);

    for (const open of held) open.finish();
    for (const open of held) expect((await open.answer).status).toBe(200);
    const log = await server.deliveries();
    expect(log.filter((row) => row.statusCode === 503)).toMatchObject([{ outcome: 'failed', reason: expect.stringMatching(/cut off/) }]);
    expect((await server.counts()).events).toBe(3);
  });

  it('accepts a chunked delivery that fits, and answers 413 for a chunked body over the limit', async () => {
    const server = await listening();
    const fits = deliveryOfSize(600 * KIB);
    const ok = server.post(fits.body, fits.headers, { chunked: true, first: 16 * KIB });
    await ok.trickle(64 * KIB);
    expect((await ok.answer).status).toBe(200);

    const { started } = sessionPair();
    const over = Buffer.from(JSON.stringify({ ...started, pad: 'x'.repeat(BODY_LIMIT) }));
    const tooBig = server.post(over, { 'content-type': 'application/json', 'x-callaider-signature': sign(SECRET, over) }, { chunked: true, first: 16 * KIB });
    await tooBig.trickle(128 * KIB);
    expect((await tooBig.answer).status).toBe(413);
    expect((await server.counts()).events).toBe(1);
  });

  it('refuses a budget that cannot hold one body at the limit besides the small-body share', async () => {
    expect(checkBodyBudget(20 * MIB, 64 * MIB)).toBeNull();
    expect(checkBodyBudget(20 * MIB, 16 * MIB)).toMatch(/cannot hold one body/);
    expect(new BodyBudget(smallestBodyBudget(20 * MIB)).largeCapacity).toBeGreaterThanOrEqual(20 * MIB);
    expect(new BodyBudget(smallestBodyBudget(100 * MIB)).largeCapacity).toBeGreaterThanOrEqual(100 * MIB);
    await expect(testReceiver({ bodyBudget: 8 * MIB, bodyLimit: 20 * MIB })).rejects.toThrow(/cannot hold one body/);
  });
});

describe('the quarantine decides from a bounded peek', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const wrongSignature = (body: Buffer | string) => ({
    method: 'POST' as const,
    url: '/webhook',
    headers: { 'content-type': 'application/json', 'x-callaider-signature': sign('mistyped', body) },
    payload: body,
  });

  it('keeps a plausible delivery and drops junk, without parsing a whole body', async () => {
    const { app, quarantine, deliveries } = await testReceiver();
    const parse = vi.spyOn(JSON, 'parse');
    // Starts like a delivery; the rest (300 KiB) is not even JSON. Only the first 64 KiB are looked at.
    const plausible = Buffer.concat([
      Buffer.from('{"event":"session.ended","sessionId":"peek-1","timestamp":"2026-05-28T12:00:00Z","data":{"transcript":['),
      Buffer.alloc(300 * KIB, '{"role":"user","text":"x"}, '),
    ]);
    const junk = [
      Buffer.alloc(300 * KIB, 'not json at all '),
      Buffer.from(`[${'1,'.repeat(100 * KIB)}1]`),
      // A valid JSON object, but its event is not a top-level key.
      Buffer.from(JSON.stringify({ data: { event: 'session.ended', sessionId: 'nested', pad: 'y'.repeat(100 * KIB) } })),
      // A delivery whose identity comes only after the peek window.
      Buffer.from(JSON.stringify({ pad: 'z'.repeat(100 * KIB), event: 'session.ended', sessionId: 'late' })),
    ];
    expect((await app.inject(wrongSignature(plausible))).statusCode).toBe(401);
    for (const body of junk) expect((await app.inject(wrongSignature(body))).statusCode).toBe(401);

    const parsedSizes = parse.mock.calls.map(([text]) => String(text).length);
    expect(Math.max(0, ...parsedSizes)).toBeLessThan(64 * KIB);
    parse.mockRestore();

    const kept = await quarantine();
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ failure: 'signature', event: 'session.ended', sessionId: 'peek-1' });
    expect(kept[0]!.body.equals(plausible)).toBe(true); // the bytes exactly as sent
    expect((await deliveries()).map((row) => row.statusCode)).toEqual([401, 401, 401, 401, 401]);
  });

  it.each([
    ['CallAIder order', '{"event":"session.started","sessionId":"a","data":{}}', { event: 'session.started', sessionId: 'a' }],
    ['other keys first, spaces, a BOM', '\ufeff \n{ "timestamp" : 1 , "flags":[true,null,{"event":"x"}], "sessionId" : "b\\u00e9" ,"event":"session.ended"}', { event: 'session.ended', sessionId: 'bé' }],
    ['escaped quotes in other values', '{"note":"say \\"event\\": \\"no\\"","event":"e","sessionId":"c"}', { event: 'e', sessionId: 'c' }],
    ['no sessionId', '{"event":"session.started","data":{}}', null],
    ['event not a string', '{"event":5,"sessionId":"d"}', null],
    ['an empty event', '{"event":"","sessionId":"d"}', null],
    ['only nested identity', '{"data":{"event":"session.started","sessionId":"e"}}', null],
    ['an array', '[{"event":"session.started","sessionId":"f"}]', null],
    ['not JSON', 'event=session.started&sessionId=g', null],
    ['broken structure', '{"event" "session.started","sessionId":"h"}', null],
  ])('peek: %s', (_name, text, expected) => {
    expect(peekDelivery(Buffer.from(text))).toEqual(expected);
  });

  it('peek never reads past its window', () => {
    const late = Buffer.from(JSON.stringify({ pad: 'p'.repeat(70 * KIB), event: 'session.started', sessionId: 's' }));
    expect(peekDelivery(late)).toBeNull();
    expect(peekDelivery(late, late.length)).toEqual({ event: 'session.started', sessionId: 's' });
  });
});
