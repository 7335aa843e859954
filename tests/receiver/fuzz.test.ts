/**
 * Whatever a stranger sends, the receiver answers 4xx (or drops a broken connection), never 5xx,
 * never crashes, and never stores anything that was not correctly signed. A seeded PRNG drives a
 * bounded number of HTTP requests (node:http) and malformed raw-TCP requests (node:net) against
 * a real Engine on 127.0.0.1 with a real SQLite archive.
 */
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArchiveStore } from '../../electron/core/archive/store.js';
import { defaultConfig } from '../../electron/core/config.js';
import { Engine } from '../../electron/core/engine.js';
import { sign } from '../../electron/core/signature.js';
import { seededRandom, simulateSession, type Random } from '../../electron/core/simulator.js';
import { SECRET, onCleanup, signedRequest, tempDir } from '../support/fixtures.js';

const SEED = 20_260_528;
const HTTP_CASES = 400;
const RAW_CASES = 150;
const TIME_CAP_MS = 20_000;
const HTTP_CONCURRENCY = 4;
const RAW_CONCURRENCY = 10;
const BODY_LIMIT = 20 * 1024 * 1024;

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chance = (random: Random, p: number) => random() < p;

/** The address CallAIder's deliveries come from (through the tunnel, the client is the last X-Forwarded-For entry). */
const CALLAIDER_ADDRESS = '198.51.100.7';
/** Strangers; 127.0.0.1 (no X-Forwarded-For) is one of them, so it gets rate-limited along the way. */
const STRANGERS = [...Array.from({ length: 16 }, (_, i) => `203.0.113.${i + 1}`), null, null, null, null];
/** One stranger keeps guessing signatures: it must be shut out (429) without affecting anyone else. */
const HAMMER = '203.0.113.250';
const stranger = (random: Random) => (chance(random, 0.4) ? HAMMER : pick(random, STRANGERS));

const METHODS = ['GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND', 'TRACE', 'SEARCH'];
const PATHS = [
  '/webhook', '/webhook', '/webhook', '/webhook/', '/webhook?x=1', '/webhook?', '/webhook#frag', '/WEBHOOK', '//webhook',
  '/webhook/../webhook', '/healthz', '/healthz?x=1', '/', '/admin', '/../etc/passwd', '/%', '/%zz', '/webhook%00', '/%2e%2e/etc/passwd',
  '*', 'http://evil.example/webhook', '/webhook;jsessionid=1', '/webhook?__proto__[polluted]=1&constructor[prototype][x]=1',
];
const CONTENT_TYPES = [
  'application/json', 'application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/json;', 'application/json; charset',
  'application/json, text/plain', 'application/jsonx', 'text/plain', 'multipart/form-data; boundary=xyz', 'application/x-www-form-urlencoded',
  null, '', ';', 'garbage', '\u00ff\u00fe/\u00e9', 'application/json; charset=utf-16', `application/json; ${'p=1; '.repeat(500)}`,
];
const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/json;', 'application/json; charset'];
const ODD_EVENT_HEADERS = [
  'session.started', 'session.ended', '', ' ', 'session.started, session.ended', 'SESSION.STARTED', 'x'.repeat(10_000), '\u00e9v\u00e9nement',
  '__proto__', 'constructor', 'session.deleted', '0',
];

const randomBytes = (random: Random, max: number) => Buffer.from(Array.from({ length: Math.floor(random() * max) }, () => Math.floor(random() * 256)));

interface Sent {
  /** Session IDs that appeared in a correctly signed request (the only ones allowed in the archive). */
  signedSessionIds: Set<string>;
  /** Valid, correctly signed events with consistent headers from CallAIder's address: each must be stored (200). */
  mustStore: Array<{ label: string; sessionId: string; status: number | null }>;
}

interface HttpCase {
  label: string;
  method: string;
  path: string;
  headers: OutgoingHttpHeaders;
  body: Buffer | null;
  /** Sent with Transfer-Encoding: chunked in several pieces. */
  chunked: boolean;
  /** The server may close the connection without an answer (body over the limit). */
  mayDrop: boolean;
  mustStore?: string;
  /** The session a correctly signed body names: stored exactly when the answer is 200 (and not "ignored"). */
  signedSessionId?: string | undefined;
}

function validPayload(random: Random) {
  const pair = simulateSession(random, { endsAt: Date.UTC(2026, 4, 28, 12) - Math.floor(random() * 1e9), messages: 1 + Math.floor(random() * 6) });
  return chance(random, 0.5) ? pair.started : pair.ended;
}

/** Records which session a correctly signed body names, as the server will read it. */
function noteSigned(sent: Sent, body: Buffer): string | undefined {
  try {
    const value = JSON.parse(body.toString('utf8')) as { sessionId?: unknown };
    if (typeof value?.sessionId !== 'string') return undefined;
    sent.signedSessionIds.add(value.sessionId);
    return value.sessionId;
  } catch {
    return undefined; // Not JSON: it cannot store a session.
  }
}

function deeplyNested(random: Random): string {
  const depth = 10_000 + Math.floor(random() * 90_000);
  return pick(random, [
    '['.repeat(depth),
    `${'['.repeat(depth)}${']'.repeat(depth)}`,
    `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
    `{"event":"session.started","data":${'['.repeat(depth)}${']'.repeat(depth)}}`,
    // Schema-valid, nested where the schema lets anything through (metadata): refused (422), never a 5xx.
    JSON.stringify(validPayload(random)).replace('"data":{', `"data":{"metadata":{"deep":${'['.repeat(depth)}${']'.repeat(depth)}},"transcript":[],`),
  ]);
}

function junkBody(random: Random, sent: Sent): { body: Buffer | null; signature?: string | string[]; label: string; signedSessionId?: string | undefined } {
  const valid = validPayload(random);
  const validText = JSON.stringify(valid);
  switch (Math.floor(random() * 13)) {
    case 0:
      return { body: randomBytes(random, 4096), label: 'random bytes' };
    case 1: {
      const cut = Buffer.from(validText).subarray(0, Math.floor(random() * validText.length));
      // Signed truncations get past the signature check and must fail at parsing.
      if (chance(random, 0.5)) {
        return { body: cut, signature: sign(SECRET, cut), label: 'truncated valid payload, signed', signedSessionId: noteSigned(sent, cut) };
      }
      return { body: cut, label: 'truncated valid payload' };
    }
    case 2: {
      const body = Buffer.from(validText);
      const good = sign(SECRET, body);
      const signature = pick<string | string[] | undefined>(random, [
        sign('not-the-secret', body),
        undefined,
        '',
        [good, good],
        [good, sign('other', body)],
        `${good}, ${good}`,
        good.replace('sha256=', 'sha1='),
        good.slice(0, -1),
        `${good}0`,
        `sha256=${'z'.repeat(64)}`,
        `sha256=${'0'.repeat(64)}`,
        'x'.repeat(8_000),
        '\u00e9'.repeat(70),
      ]);
      return { body, ...(signature === undefined ? {} : { signature }), label: 'valid payload, bad signature header' };
    }
    case 3: {
      const text = pick(random, [
        validText.replace('{', '{"__proto__":{"polluted":"yes"},'),
        validText.replace('{', '{"constructor":{"prototype":{"polluted":"yes"}},'),
        validText.replace('"data":{', '"data":{"__proto__":{"polluted":"yes"},'),
        '{"__proto__":{"polluted":"yes"}}',
        '[{"constructor":{"prototype":{"polluted":"yes"}}}]',
      ]);
      const body = Buffer.from(text);
      if (chance(random, 0.7)) {
        return { body, signature: sign(SECRET, body), label: 'prototype-poisoning JSON, signed', signedSessionId: noteSigned(sent, body) };
      }
      return { body, label: 'prototype-poisoning JSON' };
    }
    case 4: {
      const body = Buffer.from(deeplyNested(random));
      if (chance(random, 0.5)) {
        return { body, signature: sign(SECRET, body), label: 'deeply nested JSON, signed', signedSessionId: noteSigned(sent, body) };
      }
      return { body, label: 'deeply nested JSON' };
    }
    case 5: {
      const text = pick(random, [
        '1e99999',
        '-1e99999',
        '9'.repeat(20_000),
        validText.replace(/"assistantId":[^,]+/, '"assistantId":1e400'),
        validText.replace(/"timestamp":"[^"]+"/, '"timestamp":1e400'),
        `{"event":"session.ended","timestamp":"2026-05-28T12:00:00Z","assistantId":${'9'.repeat(400)},"sessionId":"big-${Math.floor(random() * 1e9)}","data":{"durationSeconds":1e308,"transcript":[{"role":"user","content":"x","timestamp":1e308}]}}`,
      ]);
      const body = Buffer.from(text);
      if (chance(random, 0.5)) {
        return { body, signature: sign(SECRET, body), label: 'huge numbers, signed', signedSessionId: noteSigned(sent, body) };
      }
      return { body, label: 'huge numbers' };
    }
    case 6: {
      // Invalid UTF-8 inside and around a payload.
      const bad = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xed, 0xa0, 0x80]);
      const at = validText.indexOf('"sessionId":"') + '"sessionId":"'.length;
      const body = pick(random, [
        Buffer.concat([Buffer.from(validText.slice(0, at)), bad, Buffer.from(validText.slice(at))]),
        Buffer.concat([bad, Buffer.from(validText)]),
        bad,
      ]);
      if (chance(random, 0.5)) {
        return { body, signature: sign(SECRET, body), label: 'invalid UTF-8, signed', signedSessionId: noteSigned(sent, body) };
      }
      return { body, label: 'invalid UTF-8' };
    }
    case 7:
      return { body: chance(random, 0.5) ? Buffer.alloc(0) : null, label: 'empty body' };
    case 8:
      return {
        body: Buffer.from(`--xyz\r\nContent-Disposition: form-data; name="payload"\r\n\r\n${validText}\r\n--xyz--\r\n`),
        label: 'multipart form',
      };
    case 9: {
      // Schema-invalid but correctly signed: parsed, checked, rejected with 400, never stored.
      const broken = structuredClone(valid) as unknown as Record<string, unknown>;
      const mutation = Math.floor(random() * 5);
      if (mutation === 0) delete broken.sessionId;
      if (mutation === 1) broken.sessionId = 'x'.repeat(600);
      if (mutation === 2) broken.timestamp = 'yesterday';
      if (mutation === 3) broken.data = null;
      if (mutation === 4) broken.event = 42;
      const body = Buffer.from(JSON.stringify(broken));
      return { body, signature: sign(SECRET, body), label: `schema-invalid payload (${mutation}), signed`, signedSessionId: noteSigned(sent, body) };
    }
    case 10: {
      const text = pick(random, ['null', 'true', '"session.started"', '[]', '{}', '0', ' ', '\u0000', '{"event":""}', '{"event":"session.deleted","sessionId":"z"}']);
      return { body: Buffer.from(text), label: 'JSON scalar or empty shape' };
    }
    case 12: {
      // The right signature, sent twice (or beside another value): ambiguous, so refused like a wrong one.
      // (Node joins repeated header lines into one "a, b" value before the receiver sees them.)
      const body = Buffer.from(validText);
      const good = sign(SECRET, body);
      const signature = pick<string | string[]>(random, [[good, good], [good, sign('other', body)], [sign('other', body), good], [good, ''], `${good},${good}`]);
      return { body, signature, label: 'valid payload, correct signature repeated' };
    }
    default:
      return { body: Buffer.from(validText), label: 'valid payload, unsigned' };
  }
}

function httpCase(random: Random, index: number, sent: Sent): HttpCase {
  // About one case in ten is CallAIder itself: valid, correctly signed, from its own address.
  if (chance(random, 0.1)) {
    const payload = validPayload(random);
    const request = signedRequest(payload, { event: chance(random, 0.8) ? payload.event : null });
    const body = Buffer.from(request.payload);
    sent.signedSessionIds.add(payload.sessionId);
    const headers: OutgoingHttpHeaders = { ...request.headers, 'x-forwarded-for': CALLAIDER_ADDRESS };
    if (chance(random, 0.3)) headers['content-type'] = 'application/json; charset=utf-8';
    return {
      label: `#${index} signed ${payload.event}`,
      method: 'POST',
      path: pick(random, ['/webhook', '/webhook?x=1']),
      headers,
      body,
      chunked: chance(random, 0.2),
      mayDrop: false,
      mustStore: payload.sessionId,
      signedSessionId: payload.sessionId,
    };
  }

  // Half the strangers aim at the webhook itself (POST, a JSON content type) so that their bytes reach the
  // signature check, the parser and the schema; the other half is anything at all.
  const oversize = index % 100 === 50;
  const aimed = oversize || chance(random, 0.5);
  const method = aimed ? 'POST' : pick(random, METHODS);
  let path = aimed ? pick(random, ['/webhook', '/webhook', '/webhook?x=1']) : pick(random, PATHS);
  if (chance(random, 0.04)) path = `/${'a'.repeat(1_000 + Math.floor(random() * 70_000))}`;
  if (chance(random, 0.03)) path = `/webhook?${'x=1&'.repeat(2_000 + Math.floor(random() * 10_000))}`;

  const headers: OutgoingHttpHeaders = {};
  const contentType = oversize ? 'application/json' : aimed && chance(random, 0.85) ? pick(random, JSON_TYPES) : pick(random, CONTENT_TYPES);
  if (contentType !== null) headers['content-type'] = contentType;
  const from = oversize ? '203.0.113.200' : stranger(random);
  if (from) headers['x-forwarded-for'] = from;

  const junk = junkBody(random, sent);
  const { signature } = junk;
  let { body, label, signedSessionId } = junk;
  let mayDrop = false;
  let chunked = body !== null && chance(random, 0.15);
  if (oversize) {
    // A body over the 20 MiB limit, announced (Content-Length: refused before it is read) or streamed (chunked: cut off at the limit).
    body = Buffer.alloc(BODY_LIMIT + 1024 * 1024, 0x20);
    label = 'body over the size limit';
    signedSessionId = undefined;
    chunked = index % 200 === 50;
    mayDrop = true;
  }
  if (signature !== undefined) headers['x-callaider-signature'] = signature;

  if (chance(random, 0.3)) headers['x-callaider-event'] = pick(random, ODD_EVENT_HEADERS);
  if (chance(random, 0.05)) headers['x-callaider-event'] = ['session.started', 'session.ended'];
  if (chance(random, 0.05)) headers['x-callaider-signature'] = [sign(SECRET, 'other'), 'sha256=', 'x'];
  if (chance(random, 0.05)) headers['x-long'] = 'v'.repeat(1_000 + Math.floor(random() * 20_000));
  if (chance(random, 0.05)) headers['x-forwarded-for'] = pick(random, ['__proto__', 'constructor', ', , ,', 'x'.repeat(5_000), `${CALLAIDER_ADDRESS}, 1.2.3.4`]);
  if (chance(random, 0.05)) headers.cookie = 'a=b'.repeat(100);
  if (chance(random, 0.05)) headers.expect = '100-continue';
  if (chance(random, 0.03)) headers['content-encoding'] = pick(random, ['gzip', 'br', 'garbage']);
  if (chance(random, 0.03)) headers.authorization = 'Basic ' + 'A'.repeat(500);

  return {
    label: `#${index} ${method} ${path.slice(0, 60)} [${(contentType ?? 'no content-type').slice(0, 40)}] ${label}`,
    method,
    path,
    headers,
    body: method === 'HEAD' && chance(random, 0.7) ? null : body,
    chunked,
    mayDrop,
    signedSessionId,
  };
}

interface Answer {
  status: number | null;
  body: string;
  error: string | null;
}

function sendHttp(port: number, testCase: HttpCase): Promise<Answer> {
  return new Promise((resolve) => {
    let status: number | null = null;
    let settled = false;
    const done = (body: string, error: string | null) => {
      if (settled) return;
      settled = true;
      resolve({ status, body, error });
    };
    // Explicit framing: node:http sends GET/HEAD/DELETE/OPTIONS bodies unframed otherwise
    // (that case, a body read as the next request, is covered by the raw-socket cases).
    const headers: OutgoingHttpHeaders = { ...testCase.headers };
    if (testCase.body !== null) {
      if (testCase.chunked) headers['transfer-encoding'] = 'chunked';
      else headers['content-length'] = testCase.body.length;
    }
    let req;
    try {
      // One connection per request: a pooled keep-alive socket the server has just closed would
      // fail the next request on the client side, which says nothing about the server.
      req = httpRequest({ host: '127.0.0.1', port, method: testCase.method, path: testCase.path, headers, agent: false, timeout: 5_000 });
    } catch (error) {
      // node:http refused to send it (an invalid header value or path): nothing reached the server.
      status = -1;
      done('', `client refused: ${(error as Error).message}`);
      return;
    }
    req.on('response', (res) => {
      status = res.statusCode ?? null;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(Buffer.concat(chunks).toString('utf8').slice(0, 500), null));
      res.on('error', (error) => done('', error.message));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', (error: NodeJS.ErrnoException) => done('', error.code ?? error.message));
    if (testCase.body === null) {
      req.end();
    } else if (testCase.chunked && testCase.body.length > 1) {
      const third = Math.max(1, Math.floor(testCase.body.length / 3));
      req.write(testCase.body.subarray(0, third));
      req.write(testCase.body.subarray(third, 2 * third));
      req.end(testCase.body.subarray(2 * third));
    } else {
      req.end(testCase.body);
    }
  });
}

/** The webhook's "stored" answer (GET /healthz also says 200 {"ok":true}; unknown event types are acknowledged but ignored). */
function isStoredReply(answer: Answer): boolean {
  if (answer.status !== 200) return false;
  try {
    const reply = JSON.parse(answer.body) as { ok?: unknown; event?: unknown; ignored?: unknown };
    return reply.ok === true && typeof reply.event === 'string' && reply.ignored !== true;
  } catch {
    return false;
  }
}

/** Raw TCP: malformed HTTP that node:http would never send. */
interface RawCase {
  label: string;
  chunks: Buffer[];
  /** Half-close our side after writing (the request is incomplete on purpose). */
  endAfterWrite: boolean;
  /** A well-formed request: at least one answer is required. */
  expectAnswer: boolean;
}

function rawCase(random: Random, index: number): RawCase {
  const host = 'Host: 127.0.0.1\r\n';
  const xff = () => {
    const from = stranger(random);
    return from ? `X-Forwarded-For: ${from}\r\n` : '';
  };
  const valid = JSON.stringify(validPayload(random));
  const text = (label: string, request: string, options: Partial<RawCase> = {}): RawCase => ({
    label: `#${index} ${label}`,
    chunks: [Buffer.from(request, 'latin1')],
    endAfterWrite: false,
    expectAnswer: false,
    ...options,
  });
  const post = (headers: string) => `POST /webhook HTTP/1.1\r\n${host}${xff()}Content-Type: application/json\r\n${headers}`;

  switch (Math.floor(random() * 16)) {
    case 0:
      return text('bad request line', pick(random, [
        'GARBAGE\r\n\r\n', 'GET\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'GET / HTTP/1.1 extra\r\n\r\n', 'GET /webhook\r\n\r\n',
        'FOO /webhook HTTP/1.1\r\nHost: a\r\n\r\n', ' GET / HTTP/1.1\r\n\r\n', 'GET  /  HTTP/1.1\r\n\r\n', 'GET /a b HTTP/1.1\r\n\r\n',
        'POST /webhook HTTP/1.1\n\n', '\r\n\r\n\r\n', 'HTTP/1.1 200 OK\r\n\r\n', 'GET /\u0000 HTTP/1.1\r\n\r\n', `GET /${'\u00ff'.repeat(50)} HTTP/1.1\r\n\r\n`,
        'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n', 'GET /webhook HTTP/1.0\r\n\r\n',
      ]));
    case 1:
      return { label: `#${index} random bytes`, chunks: [randomBytes(random, 2048)], endAfterWrite: chance(random, 0.5), expectAnswer: false };
    case 2: {
      // Content-Length bigger than the body: the server waits for bytes that never come.
      const body = valid.slice(0, Math.floor(random() * valid.length));
      return text('content-length bigger than the body', `${post(`Content-Length: ${body.length + 1 + Math.floor(random() * 5000)}\r\n`)}\r\n${body}`, { endAfterWrite: true });
    }
    case 3: {
      // Content-Length smaller than the body: the rest is read as the next (broken) request.
      const length = Math.floor(random() * valid.length);
      return text('content-length smaller than the body', `${post(`Content-Length: ${length}\r\n`)}\r\n${valid}`, { expectAnswer: true });
    }
    case 4:
      return text('invalid chunked encoding', `${post('Transfer-Encoding: chunked\r\n')}\r\n${pick(random, [
        'ZZ\r\nabc\r\n0\r\n\r\n', '5\r\nabc\r\n0\r\n\r\n', '3\r\nabcdef\r\n0\r\n\r\n', '-1\r\nabc\r\n0\r\n\r\n', 'FFFFFFFFFFFFFFFFFF\r\nabc\r\n',
        '3\r\nabc', '3;ext=\u0000\r\nabc\r\n0\r\n\r\n', '3\nabc\n0\n\n', '0\r\nTrailer: \u0000\r\n\r\n', `${valid.length.toString(16)}\r\n${valid}\r\n`,
      ])}`, { endAfterWrite: chance(random, 0.5) });
    case 5:
      return text('chunked and content-length together', `${post(`Content-Length: 4\r\nTransfer-Encoding: chunked\r\n`)}\r\n${valid.length.toString(16)}\r\n${valid}\r\n0\r\n\r\n`, { expectAnswer: true });
    case 6:
      return text('content-length far over 20 MiB, no body', post(`Content-Length: ${BODY_LIMIT + 1 + Math.floor(random() * 1e12)}\r\n\r\n`), { expectAnswer: true });
    case 7:
      return text('headers only, then close', pick(random, [post('Content-Length: 100\r\n'), post(''), 'POST /webhook HTTP/1.1\r\n', 'POST /webh']), { endAfterWrite: true });
    case 8:
      return text('odd content-length', `${post(`Content-Length: ${pick(random, ['-1', 'abc', '1,2', '0x10', ' 5', '1e3', '99999999999999999999999', ''])}\r\n`)}\r\n{"a":1}`, { expectAnswer: true });
    case 9:
      return text('conflicting content-length headers', `${post('Content-Length: 7\r\nContent-Length: 8\r\n')}\r\n{"a":11}`, { expectAnswer: true });
    case 10:
      return text('malformed header lines', `${pick(random, [
        `POST /webhook HTTP/1.1\r\n${host}No-Colon-Here\r\n\r\n`, `POST /webhook HTTP/1.1\r\n${host}Bad Name: x\r\n\r\n`,
        `POST /webhook HTTP/1.1\r\n${host}X-Fold: a\r\n  folded\r\n\r\n`, `POST /webhook HTTP/1.1\r\n${host}X-Nul: a\u0000b\r\n\r\n`,
        `POST /webhook HTTP/1.1\r\n${host}: empty-name\r\n\r\n`, `POST /webhook HTTP/1.1\r\n${host}Content-Type : application/json\r\n\r\n`,
        `POST /webhook HTTP/1.1\r\n${host}X-Long: ${'v'.repeat(70_000)}\r\n\r\n`, `POST /webhook HTTP/1.1\r\n${'X-Many: 1\r\n'.repeat(3_000)}\r\n`,
      ])}`, { expectAnswer: true });
    case 11: {
      // Several requests pipelined on one connection, the last one broken.
      const health = `GET /healthz HTTP/1.1\r\n${host}\r\n`;
      return text('pipelined requests', `${health}${health}${post(`Content-Length: ${valid.length}\r\n`)}\r\n${valid}GARBAGE\r\n\r\n`, { expectAnswer: true });
    }
    case 12: {
      // A valid body split into tiny pieces (slow but honest sender).
      const request = Buffer.from(`${post(`Content-Length: ${valid.length}\r\n`)}\r\n${valid}`, 'latin1');
      const chunks: Buffer[] = [];
      for (let at = 0; at < request.length; at += 97) chunks.push(request.subarray(at, at + 97));
      return { label: `#${index} body in small pieces`, chunks, endAfterWrite: false, expectAnswer: true };
    }
    case 13:
      return text('expect 100-continue, then nothing', post(`Content-Length: ${valid.length}\r\nExpect: 100-continue\r\n\r\n`), { endAfterWrite: true });
    case 14:
      return text('absolute-form and odd targets', `${pick(random, ['GET http://evil.example/healthz HTTP/1.1', 'POST //webhook HTTP/1.1', 'OPTIONS * HTTP/1.1', 'GET /healthz?%zz HTTP/1.1', 'DELETE /webhook HTTP/1.1'])}\r\n${host}\r\n`, { expectAnswer: true });
    default:
      return text('HTTP/1.0 and missing host', pick(random, ['POST /webhook HTTP/1.0\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}', 'GET /healthz HTTP/1.1\r\n\r\n']), { expectAnswer: true });
  }
}

/** Status codes of every response in a raw byte stream (status line, headers, Content-Length or chunked body). */
function statusesIn(stream: Buffer): { statuses: number[]; rest: number } {
  const statuses: number[] = [];
  let at = 0;
  for (;;) {
    const headerEnd = stream.indexOf('\r\n\r\n', at);
    if (headerEnd < 0) break;
    const head = stream.subarray(at, headerEnd).toString('latin1');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    if (!match) break;
    const status = Number(match[1]);
    statuses.push(status);
    at = headerEnd + 4;
    if (status < 200) continue;
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (length) {
      at += Number(length[1]);
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      for (;;) {
        const lineEnd = stream.indexOf('\r\n', at);
        if (lineEnd < 0) return { statuses, rest: stream.length - at };
        const size = parseInt(stream.subarray(at, lineEnd).toString('latin1'), 16);
        at = lineEnd + 2 + size + 2;
        if (size === 0 || Number.isNaN(size)) break;
      }
    } else {
      at = stream.length;
    }
  }
  return { statuses, rest: stream.length - at };
}

function sendRaw(port: number, testCase: RawCase, sockets: Set<Socket>): Promise<{ statuses: number[]; bytes: number; unparsed: number }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    sockets.add(socket);
    const received: Buffer[] = [];
    let idle: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(idle);
      clearTimeout(hardStop);
      socket.destroy();
      sockets.delete(socket);
      const stream = Buffer.concat(received);
      const { statuses, rest } = statusesIn(stream);
      resolve({ statuses, bytes: stream.length, unparsed: rest });
    };
    // Bounded: 2 s per connection at most; 400 ms of silence ends it (half-closing first, once).
    const hardStop = setTimeout(finish, 2_000);
    let halfClosed = false;
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        if (!halfClosed && received.length === 0) {
          halfClosed = true;
          socket.end();
          armIdle();
        } else finish();
      }, 400);
    };
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      armIdle();
    });
    socket.on('error', () => undefined);
    socket.on('close', finish);
    socket.on('connect', () => {
      void (async () => {
        for (const chunk of testCase.chunks) {
          if (socket.destroyed) return;
          socket.write(chunk);
          if (testCase.chunks.length > 1) await new Promise((r) => setTimeout(r, 1));
        }
        if (testCase.endAfterWrite && !socket.destroyed) {
          halfClosed = true;
          socket.end();
        }
        armIdle();
      })();
    });
  });
}

async function runPool<T>(count: number, concurrency: number, deadline: number, run: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count && Date.now() < deadline) results.push(await run(next++));
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

describe('the receiver, fuzzed', () => {
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  beforeAll(() => {
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
  });
  afterAll(() => {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  });

  it('never answers 5xx and never crashes, whatever a stranger sends', { timeout: 55_000 }, async () => {
    const started = Date.now();
    const engine = await Engine.start(defaultConfig({ dataDir: tempDir(), port: 0, secret: SECRET }));
    onCleanup(() => engine.stop());
    const port = Number(new URL(engine.localWebhookUrl).port);
    expect(new URL(engine.localWebhookUrl).hostname).toBe('127.0.0.1');
    const sockets = new Set<Socket>();
    onCleanup(() => sockets.forEach((socket) => socket.destroy()));

    const random = seededRandom(SEED);
    const sent: Sent = { signedSessionIds: new Set(), mustStore: [] };
    const deadline = started + TIME_CAP_MS;
    const serverErrors: string[] = [];
    const unanswered: string[] = [];
    const statuses = new Map<number, number>();
    /** Sessions named by correctly signed requests that were answered 200 (stored, not ignored). */
    const acknowledged = new Set<string>();
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);

    // Cases are generated up front, in order, so the seed alone decides them (workers finish in any order).
    const httpCases = Array.from({ length: HTTP_CASES }, (_, i) => httpCase(random, i, sent));
    const httpAnswers = await runPool(httpCases.length, HTTP_CONCURRENCY, deadline, async (i) => {
      const testCase = httpCases[i]!;
      const answer = await sendHttp(port, testCase);
      if (answer.status !== null && answer.status > 0) count(answer.status);
      if (answer.status !== null && answer.status >= 500) serverErrors.push(`${testCase.label}: ${answer.status} ${answer.body}`);
      if (answer.status === null && !testCase.mayDrop) unanswered.push(`${testCase.label}: ${answer.error}`);
      if (testCase.mustStore) sent.mustStore.push({ label: testCase.label, sessionId: testCase.mustStore, status: answer.status });
      if (testCase.signedSessionId !== undefined && isStoredReply(answer)) acknowledged.add(testCase.signedSessionId);
      return answer;
    });

    const rawCases = Array.from({ length: RAW_CASES }, (_, i) => rawCase(random, i));
    const rawAnswers = await runPool(rawCases.length, RAW_CONCURRENCY, deadline, async (i) => {
      const testCase = rawCases[i]!;
      const answer = await sendRaw(port, testCase, sockets);
      for (const status of answer.statuses) {
        count(status);
        if (status >= 500) serverErrors.push(`raw ${testCase.label}: ${status}`);
      }
      if (testCase.expectAnswer && answer.statuses.length === 0) unanswered.push(`raw ${testCase.label}: no answer (${answer.bytes} bytes)`);
      return answer;
    });
    const elapsed = Date.now() - started;

    // The bounded run covered what it set out to (the time cap is a safety net, not the plan).
    expect(httpAnswers.length).toBe(HTTP_CASES);
    expect(rawAnswers.length).toBe(RAW_CASES);
    expect(serverErrors, `seed ${SEED}`).toEqual([]);
    expect(unanswered, `seed ${SEED}`).toEqual([]);

    // Still healthy, still storing CallAIder's events.
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });

    const final = validPayload(seededRandom(SEED + 1));
    const request = signedRequest(final);
    const accepted = await fetch(engine.localWebhookUrl, {
      method: 'POST',
      headers: { ...request.headers, 'x-forwarded-for': CALLAIDER_ADDRESS },
      body: request.payload,
    });
    expect(accepted.status, await accepted.clone().text()).toBe(200);
    expect(await accepted.json()).toEqual({ ok: true, event: final.event, duplicate: false });
    sent.signedSessionIds.add(final.sessionId);
    sent.mustStore.push({ label: 'final', sessionId: final.sessionId, status: 200 });
    acknowledged.add(final.sessionId);

    // Every valid signed event was stored; nothing else was.
    const notStored = sent.mustStore.filter((s) => s.status !== 200);
    expect(notStored, `seed ${SEED}`).toEqual([]);
    expect(sent.mustStore.length).toBeGreaterThan(10);
    await engine.archive.settled();
    const sessionIds = await everySessionId(engine.archive);
    const eventSessions = await everyExportedSessionId(engine.archive);
    expect(sessionIds.filter((id) => !sent.signedSessionIds.has(id)), 'sessions stored from unsigned or badly signed requests').toEqual([]);
    expect(eventSessions.filter((id) => !sent.signedSessionIds.has(id)), 'events stored from unsigned or badly signed requests').toEqual([]);
    const stored = new Set(sessionIds);
    expect(sent.mustStore.filter((s) => !stored.has(s.sessionId))).toEqual([]);
    // Exactly the correctly signed, acknowledged ones: the count and the set.
    expect([...acknowledged].filter((id) => !stored.has(id)), 'acknowledged but not stored').toEqual([]);
    expect(sessionIds).toHaveLength(acknowledged.size);
    expect(stored).toEqual(acknowledged);
    expect(new Set(eventSessions)).toEqual(stored);

    // No prototype pollution, no crash.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('x');
    expect(uncaught).toEqual([]);

    // The cases reached every layer: routing, content type, size limit, signature, parsing, rate limit, storage.
    const seen = JSON.stringify(Object.fromEntries(statuses));
    for (const status of [200, 400, 401, 404, 405, 413, 415, 429]) expect(statuses.has(status), `status ${status} never seen: ${seen}`).toBe(true);
    console.info(
      `fuzz: ${httpAnswers.length} HTTP + ${rawAnswers.length} raw cases in ${elapsed} ms (seed ${SEED}); statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}; ${sessionIds.length} sessions stored`,
    );
  });
});

async function everySessionId(store: ArchiveStore): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listSessions({ filters: {}, limit: 500, cursor, staleAfterMs: 60_000 });
    ids.push(...page.items.map((item) => item.sessionId));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

/** Sessions as exports see them: read from the stored events, not the projections. */
async function everyExportedSessionId(store: ArchiveStore): Promise<string[]> {
  const ids: string[] = [];
  let afterId: number | undefined;
  do {
    const page = await store.exportSessions({ format: 'ndjson', limit: 500, afterId });
    ids.push(...page.items.map((line) => (JSON.parse(line) as { sessionId: string }).sessionId));
    afterId = page.nextAfterId ?? undefined;
  } while (afterId !== undefined);
  return ids;
}
