/**
 * The archive window with accounts, over real HTTPS on 127.0.0.1 with a generated certificate
 * (pinned: the client trusts exactly that certificate): one-time links, sign-in, wrong passwords
 * and their rate limit, session expiry, sign-out, roles refused server-side, and the audit log.
 */
import { request } from 'node:https';
import { checkServerIdentity } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { Accounts, type AccountLimits } from '../../electron/core/accounts/accounts.js';
import { selfSignedCertificate } from '../../electron/core/accounts/tls.js';
import { ArchiveService } from '../../electron/core/archive-service.js';
import { defaultConfig } from '../../electron/core/config.js';
import { Engine } from '../../electron/core/engine.js';
import { startUiServer } from '../../electron/core/ui-server.js';
import type { AuditEntry } from '../../shared/accounts.js';
import { onCleanup, SECRET, sessionPair, tempDir } from '../support/fixtures.js';

const HOUR = 3_600_000;
const PASSWORD = 'correct horse battery';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown> & { error?: string; code?: string };
}

async function setup(options: { limits?: AccountLimits } = {}) {
  const dataDir = tempDir();
  const engine = await Engine.start(defaultConfig({ dataDir, port: 0, secret: SECRET }));
  onCleanup(() => engine.stop());
  let clock = Date.now();
  const accounts = new Accounts(() => engine.archive, { now: () => clock, ...(options.limits ? { limits: options.limits } : {}) });
  const tls = await selfSignedCertificate(dataDir, '127.0.0.1');
  const ui = await startUiServer({ service: new ArchiveService(engine, { host: 'serve' }), port: 0, staticDir: tempDir(), host: '127.0.0.1', accounts, tls, heartbeatMs: 100 });
  onCleanup(() => ui.close());
  const port = Number(new URL(ui.baseUrl).port);

  const send = (method: 'GET' | 'POST', path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const text = body === undefined ? '' : JSON.stringify(body);
      const req = request(
        { host: '127.0.0.1', port, path, method, ca: tls.cert, checkServerIdentity: (_name, cert) => checkServerIdentity('127.0.0.1', cert), headers: { host: `127.0.0.1:${port}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers } },
        (res) => {
          let data = '';
          res.on('data', (chunk: Buffer) => (data += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data ? (JSON.parse(data) as Answer['body']) : {} }));
        },
      );
      req.on('error', reject);
      req.end(text);
    });
  const cookieOf = (answer: Answer) => String(answer.headers['set-cookie']).split(';')[0]!;
  const api = (method: string, args: unknown, cookie: string) => send('POST', `/api/${method}`, args, { cookie });
  const signIn = (name: string, password: string) => send('POST', '/auth/sign-in', { name, password });
  /** Adds a person and sets their password through their link, as the browser does; returns their cookie. */
  const person = async (name: string, role: 'owner' | 'staff') => {
    const { link } = await accounts.addUser(name, role, { actor: 'test', address: null });
    const set = await send('POST', '/auth/set-password', { link, password: PASSWORD });
    expect(set.status).toBe(200);
    return cookieOf(set);
  };
  const audit = async (cookie: string) => ((await api('listAuditLog', {}, cookie)).body.items as AuditEntry[]);
  /** Opens the live stream; resolves with how it ended (or 'open' after `ms`). */
  const stream = (cookie: string, ms: number) =>
    new Promise<{ status: number; ended: 'ended' | 'open' }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/api/events', method: 'GET', ca: tls.cert, checkServerIdentity: (_name, cert) => checkServerIdentity('127.0.0.1', cert), headers: { host: `127.0.0.1:${port}`, cookie } },
        (res) => {
          const timer = setTimeout(() => {
            req.destroy();
            resolve({ status: res.statusCode ?? 0, ended: 'open' });
          }, ms);
          res.resume();
          res.on('end', () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, ended: 'ended' });
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  return { engine, ui, accounts, send, api, signIn, person, audit, cookieOf, port, stream, advance: (ms: number) => (clock += ms) };
}

describe('archive window with accounts (HTTPS)', () => {
  it('a one-time link sets the password and signs in with a Secure, HttpOnly, SameSite=Strict cookie; it works once', async () => {
    const { ui, accounts, send, api, cookieOf } = await setup();
    expect(ui.mode).toBe('accounts');
    expect(ui.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await send('GET', '/auth/state', undefined)).body).toEqual({ mode: 'accounts', user: null });
    const { link } = await accounts.addUser('Ana', 'owner', { actor: 'test', address: null });
    expect((await send('POST', '/auth/link', { link })).body).toEqual({ user: { name: 'Ana', role: 'owner' } });
    const short = await send('POST', '/auth/set-password', { link, password: 'too short' });
    expect(short.status).toBe(400);
    expect(short.body.error).toMatch(/at least 10 characters/);
    const set = await send('POST', '/auth/set-password', { link, password: PASSWORD });
    expect(set.status).toBe(200);
    const setCookie = String(set.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/Secure/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = cookieOf(set);
    expect((await api('whoAmI', {}, cookie)).body).toEqual({ user: { name: 'Ana', role: 'owner' } });
    expect((await send('GET', '/auth/state', undefined, { cookie })).body).toEqual({ mode: 'accounts', user: { name: 'Ana', role: 'owner' } });
    // Used: the same link neither greets nor signs in again.
    expect((await send('POST', '/auth/link', { link })).status).toBe(404);
    expect((await send('POST', '/auth/set-password', { link, password: 'another long password' })).status).toBe(401);
  });

  it('refuses the API without a session, and a wrong password, recording both outcomes with the address', async () => {
    const { api, signIn, person, audit } = await setup();
    const first = await person('Ana', 'owner');
    expect((await api('status', {}, '')).status).toBe(401);
    expect((await api('status', {}, 'callaider_session_1=forged')).status).toBe(401);
    const wrong = await signIn('ana', 'not the password at all');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatch(/do not match/);
    expect((await signIn('nobody', PASSWORD)).body.error).toBe(wrong.body.error);
    const right = await signIn('ANA', PASSWORD);
    expect(right.status).toBe(200);
    expect(right.body.user).toEqual({ name: 'Ana', role: 'owner' });
    const log = await audit(first);
    expect(log.slice(0, 3).map((e) => [e.action, e.actor, e.address])).toEqual([
      ['sign-in', 'Ana', '127.0.0.1'],
      ['sign-in-failed', 'nobody', '127.0.0.1'],
      ['sign-in-failed', 'ana', '127.0.0.1'],
    ]);
    expect(log[2]!.detail).toBe('wrong password');
  });

  it('rate-limits failed sign-ins per name: even the right password waits, with Retry-After', async () => {
    const { signIn, person } = await setup({
      limits: { perAddress: { maxFailures: 50, windowSeconds: 900, blockSeconds: 900 }, perName: { maxFailures: 3, windowSeconds: 900, blockSeconds: 900 } },
    });
    await person('Ana', 'owner');
    for (let i = 0; i < 4; i++) expect((await signIn('Ana', `wrong password ${i}`)).status).toBe(401);
    const blocked = await signIn('Ana', PASSWORD);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.body.error).toMatch(/Too many failed attempts/);
  });

  it('rate-limits failed sign-ins per address, across names', async () => {
    const { signIn } = await setup({
      limits: { perAddress: { maxFailures: 3, windowSeconds: 900, blockSeconds: 900 }, perName: { maxFailures: 50, windowSeconds: 900, blockSeconds: 900 } },
    });
    for (const name of ['a1', 'a2', 'a3', 'a4']) expect((await signIn(name, 'some password here')).status).toBe(401);
    expect((await signIn('a5', 'some password here')).status).toBe(429);
  });

  it('ends a session after 12 idle hours and at sign-out', async () => {
    const { api, person, signIn, cookieOf, advance, send, audit } = await setup();
    const cookie = await person('Ana', 'owner');
    advance(11 * HOUR);
    expect((await api('status', {}, cookie)).status).toBe(200);
    advance(11 * HOUR);
    // 22 hours after signing in, but only 11 idle: still in.
    expect((await api('status', {}, cookie)).status).toBe(200);
    advance(13 * HOUR);
    const expired = await api('status', {}, cookie);
    expect(expired.status).toBe(401);
    expect(expired.body.error).toMatch(/Sign in/);
    const again = cookieOf(await signIn('Ana', PASSWORD));
    expect((await api('status', {}, again)).status).toBe(200);
    expect((await send('POST', '/auth/sign-out', {}, { cookie: again })).status).toBe(200);
    expect((await api('status', {}, again)).status).toBe(401);
    const owner = cookieOf(await signIn('Ana', PASSWORD));
    expect((await audit(owner)).map((e) => e.action).slice(0, 3)).toEqual(['sign-in', 'sign-out', 'sign-in']);
  });

  it('a live stream lasts as long as its sign-in session', async () => {
    const { person, send, stream } = await setup();
    const cookie = await person('Ana', 'owner');
    expect(await stream('', 300)).toEqual({ status: 401, ended: 'ended' });
    expect(await stream(cookie, 600)).toEqual({ status: 200, ended: 'open' });
    const live = stream(cookie, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await send('POST', '/auth/sign-out', {}, { cookie })).status).toBe(200);
    expect(await live).toEqual({ status: 200, ended: 'ended' });
  });

  it('staff read and work the follow-up list as themselves; owner-only calls are refused with forbidden and audited', async () => {
    const { engine, api, person, audit } = await setup();
    const owner = await person('Ana', 'owner');
    const staff = await person('Bo', 'staff');
    const { started, ended } = sessionPair({ seed: 5 });
    for (const payload of [started, ended]) await engine.archive.ingest({ payload, body: Buffer.from(JSON.stringify(payload)), receivedAt: Date.now(), source: 'import' });
    await engine.archive.settled();
    const sessionId = started.sessionId;

    expect((await api('listSessions', {}, staff)).status).toBe(200);
    expect((await api('getSession', { sessionId }, staff)).status).toBe(200);
    expect((await api('inbox', {}, staff)).status).toBe(200);
    const noted = await api('addNote', { sessionId, text: 'Called back, booked for Friday' }, staff);
    expect(noted.status).toBe(200);
    expect((noted.body.notes as Array<{ author: string }>)[0]!.author).toBe('Bo');
    const followed = await api('setFollowUp', { sessionId, state: 'done' }, staff);
    expect(followed.status).toBe(200);

    for (const [method, args] of [
      ['exportSession', { sessionId, format: 'md' }],
      ['eraseSession', { sessionId }],
      ['revealSecret', {}],
      ['getSettings', {}],
      ['backupNow', {}],
      ['listAuditLog', {}],
    ] as const) {
      const refused = await api(method, args, staff);
      expect(refused.status, method).toBe(403);
      expect(refused.body.code).toBe('forbidden');
      expect(refused.body.error).toMatch(/Only an owner/);
    }
    expect((await api('getSession', { sessionId }, owner)).status).toBe(200);

    expect((await api('exportSession', { sessionId, format: 'json' }, owner)).status).toBe(200);
    expect((await api('revealSecret', {}, owner)).body).toEqual({ secret: SECRET });
    expect((await api('eraseSession', { sessionId }, owner)).body).toEqual({ erased: true });
    const log = await audit(owner);
    const rows = log.map((e) => `${e.actor} ${e.action} ${e.target ?? '-'} ${e.detail ?? '-'}`);
    // The erased session's id left the log with it; that it was exported stays.
    expect(rows.slice(0, 3)).toEqual(['Ana erase - 1 session', 'Ana reveal webhook secret -', 'Ana export (an erased session) json']);
    expect(JSON.stringify(log)).not.toContain(sessionId);
    expect(rows).toContain('Bo forbidden eraseSession needs the owner role');
    expect(rows).toContain('Bo forbidden exportSession needs the owner role');
    // Never message contents: the note's text is nowhere in the log.
    expect(JSON.stringify(log)).not.toContain('booked for Friday');
  });

  it('keeps refusing foreign origins and unknown Host names with accounts', async () => {
    const { send, person, port } = await setup();
    const cookie = await person('Ana', 'owner');
    expect((await send('POST', '/api/status', {}, { cookie, origin: 'https://evil.example' })).status).toBe(403);
    expect((await send('POST', '/auth/sign-in', { name: 'Ana', password: PASSWORD }, { origin: `http://127.0.0.1:${port}` })).status).toBe(403);
    expect((await send('POST', '/api/status', {}, { cookie, origin: `https://127.0.0.1:${port}` })).status).toBe(200);
    expect((await send('POST', '/api/status', {}, { cookie, host: 'evil.example' })).status).toBe(421);
  });

  it('never listens beyond loopback without accounts and HTTPS', async () => {
    const engine = await Engine.start(defaultConfig({ dataDir: tempDir(), port: 0, secret: SECRET }));
    onCleanup(() => engine.stop());
    const service = new ArchiveService(engine, { host: 'serve' });
    await expect(startUiServer({ service, port: 0, host: '0.0.0.0', staticDir: tempDir() })).rejects.toThrow(/only over HTTPS and with accounts/);
  });
});
