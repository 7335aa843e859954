/**
 * The archive window's HTTP server for browsers (headless mode): the built React app, the
 * ArchiveApi as POST /api/<method>, and live updates as Server-Sent Events. A separate listener
 * from the webhook, never tunnelled. Two ways in:
 *
 * - Token (single user): loopback only, one access token, as described below.
 * - Accounts (the office network, or loopback once accounts exist): people sign in with a name and
 *   password (routes under /auth/), get an HttpOnly, SameSite=Strict cookie (Secure over HTTPS)
 *   holding a random session token, and every API call runs as them, with their role enforced by
 *   ArchiveService. Off loopback it listens over HTTPS only.
 *
 * Access: the printed URL carries ?token=…; the first visit trades it for an HttpOnly,
 * SameSite=Strict cookie and redirects to a clean URL. Scripts may send `Authorization: Bearer`.
 * The Host header must name this loopback listener (DNS rebinding).
 *
 * Cross-site requests: SameSite=Strict is not enough on loopback, because Chromium counts a page
 * on http://127.0.0.1:<any other port> as the same site and sends the cookie with its requests.
 * So every API request must also come from the window's own origin: an Origin header other than
 * this listener's is refused, as is a Sec-Fetch-Site other than same-origin (browsers set it and
 * pages cannot), and every API POST must be application/json, which a page on another origin
 * cannot send without a CORS preflight that this server never grants.
 */
import type { ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ApiErrorBody, ArchiveChange } from '../../shared/api.js';
import { ApiError, type ArchiveService } from './archive-service.js';
import { PortInUseError } from './errors.js';
import { JsonText } from './json-text.js';
import { silentLogger, type Logger } from './log.js';
import { rendererDir } from './paths.js';
import { hostname, networkInterfaces } from 'node:os';
import { z } from 'zod';
import { MAX_PASSWORD_LENGTH, type SignedInUser } from '../../shared/accounts.js';
import { SignInError, type Accounts, type SignedIn } from './accounts/accounts.js';

export interface UiServerOptions {
  service: ArchiveService;
  port: number;
  token?: string | undefined;
  staticDir?: string;
  log?: Logger;
  /** Where to listen (default 127.0.0.1). Anything but loopback needs `accounts` and `tls`. */
  host?: string;
  /** Sign-in with accounts instead of the token. */
  accounts?: Accounts | null;
  /** Serve HTTPS with this certificate. */
  tls?: { cert: string; key: string } | null;
  /** How often live streams send a keep-alive (and, with accounts, check their session). */
  heartbeatMs?: number;
}

export interface UiServer {
  /** The URL to open: with the token in token mode, the sign-in page with accounts. */
  url: string;
  baseUrl: string;
  token: string;
  mode: 'token' | 'accounts';
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host.toLowerCase()) || host.startsWith('127.');
}

const credentialsSchema = z.object({ name: z.string().min(1).max(200), password: z.string().min(1).max(MAX_PASSWORD_LENGTH) }).strict();
const linkSchema = z.object({ link: z.string().min(10).max(200) }).strict();
const setPasswordSchema = z.object({ link: z.string().min(10).max(200), password: z.string().max(MAX_PASSWORD_LENGTH) }).strict();
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** A handler's deliberate error as an HTTP status (conflict: changed meanwhile elsewhere). */
const HTTP_STATUS: Record<ApiErrorBody['code'], number> = { 'bad-request': 400, 'not-found': 404, unauthorized: 401, forbidden: 403, conflict: 409, failed: 500 };

declare module 'fastify' {
  interface FastifyRequest {
    /** Accounts mode: the signed-in person (set by the auth hook). */
    signedIn?: SignedInUser;
  }
}

function sameToken(a: string, b: string): boolean {
  const hash = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(hash(a), hash(b));
}

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const log = options.log ?? silentLogger;
  const token = options.token || randomBytes(24).toString('base64url');
  const staticDir = options.staticDir ?? rendererDir();
  const listenHost = options.host ?? LOOPBACK;
  const accounts = options.accounts ?? null;
  const tls = options.tls ?? null;
  // The office network sees this server only with accounts and HTTPS: never a token over plain HTTP.
  if (!isLoopbackHost(listenHost) && (!accounts || !tls)) {
    throw new Error(`the archive window listens on ${listenHost} only over HTTPS and with accounts`);
  }
  const scheme = tls ? 'https' : 'http';
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, exposeHeadRoutes: false, ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}) }) as unknown as FastifyInstance;
  await app.register(cookie);

  let allowedHosts = new Set<string>();
  let cookieName = 'callaider_archive';

  app.addHook('onRequest', async (request, reply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    if (tls) reply.header('strict-transport-security', 'max-age=31536000');
    // DNS rebinding: a page on evil.example resolving to this machine still sends Host: evil.example.
    if (!allowedHosts.has((request.headers.host ?? '').toLowerCase())) {
      return reply.code(421).send({ error: 'this server only answers to its own addresses and names', code: 'unauthorized' });
    }
    return undefined;
  });

  const authorizedByToken = (request: FastifyRequest): boolean => {
    const bearer = request.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
    const presented = bearer ?? request.cookies[cookieName];
    return typeof presented === 'string' && sameToken(presented, token);
  };
  /** Accounts mode: the person the session cookie signs in, or null. */
  const signedInBy = async (request: FastifyRequest): Promise<SignedInUser | null> => {
    const presented = request.cookies[cookieName];
    return accounts && typeof presented === 'string' && presented.length <= 200 ? accounts.session(presented) : null;
  };
  /** Why a request cannot be the window's own, or null when it can. */
  const foreignReason = (request: FastifyRequest): string | null => {
    const ownOrigin = `${scheme}://${(request.headers.host ?? '').toLowerCase()}`;
    const origin = request.headers.origin;
    if (origin !== undefined && origin.toLowerCase() !== ownOrigin) return `requests from ${origin.slice(0, 100)} may not use the archive`;
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return `cross-site requests (${String(site).slice(0, 20)}) may not use the archive`;
    if (request.method === 'POST' && mediaType(request.headers['content-type']) !== 'application/json') return 'the archive API takes application/json only';
    return null;
  };
  const refuseForeign = async (request: FastifyRequest, reply: FastifyReply) => {
    const foreign = foreignReason(request);
    if (foreign) {
      log.warn(`archive window: refused ${request.method} ${request.url.slice(0, 100)}: ${foreign}`);
      return reply.code(403).send({ error: foreign, code: 'unauthorized' });
    }
    return undefined;
  };
  const requireAuth = async (request: FastifyRequest, reply: FastifyReply) => {
    const refused = await refuseForeign(request, reply);
    if (refused) return refused;
    if (accounts) {
      const user = await signedInBy(request);
      if (!user) return reply.code(401).send({ error: 'Sign in to use the archive (your session may have ended).', code: 'unauthorized' });
      request.signedIn = user;
      return undefined;
    }
    if (!authorizedByToken(request)) {
      return reply.code(401).send({ error: 'open the archive with the link that `callaider-archive serve` printed (it carries the access token)', code: 'unauthorized' });
    }
    return undefined;
  };

  app.post<{ Params: { method: string } }>('/api/:method', { onRequest: requireAuth }, async (request, reply) => {
    try {
      const caller = request.signedIn ? { user: request.signedIn, address: request.ip } : undefined;
      const answer = await options.service.answer(request.params.method, request.body ?? {}, caller);
      // Made on the archive's reader thread: sent as it is, never parsed and serialized again here.
      if (answer instanceof JsonText) return reply.type('application/json; charset=utf-8').send(answer.text);
      return answer;
    } catch (error) {
      if (error instanceof ApiError) {
        return reply.code(HTTP_STATUS[error.code]).send({ error: error.message, code: error.code });
      }
      log.error(`archive API ${request.params.method} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return reply.code(500).send({ error: 'the archive could not answer; see the log', code: 'failed' });
    }
  });

  registerAuthRoutes(app, { accounts, refuseForeign, signedInBy, cookieName: () => cookieName, secure: Boolean(tls), log });

  // Live streams never end by themselves: closing the server ends them, or it would wait for every
  // open window (a stopped `serve` with a window open hung for two minutes).
  const streams = new Set<ServerResponse>();
  app.addHook('preClose', (done) => {
    for (const stream of streams) stream.end();
    streams.clear();
    done();
  });

  app.get('/api/events', { onRequest: requireAuth }, (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    streams.add(res);
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write('retry: 2000\n\n');
    const send = (change: ArchiveChange) => res.write(`data: ${JSON.stringify(change)}\n\n`);
    const unsubscribe = options.service.subscribe(send);
    // With accounts, a stream lasts only as long as its sign-in session: checked at each heartbeat,
    // so a signed-out, expired or disabled person stops hearing of new calls within 15 seconds.
    const session = accounts ? request.cookies[cookieName] : undefined;
    const heartbeat = setInterval(() => {
      if (session === undefined || !accounts) return void res.write(': keep-alive\n\n');
      accounts.session(session, { touch: false }).then(
        (user) => (user ? res.write(': keep-alive\n\n') : res.end()),
        () => res.end(),
      );
    }, options.heartbeatMs ?? 15_000);
    request.raw.on('close', () => {
      streams.delete(res);
      clearInterval(heartbeat);
      unsubscribe();
    });
  });

  app.all('/api/*', { onRequest: requireAuth }, async (_request, reply) => reply.code(404).send({ error: 'no such API route', code: 'not-found' }));

  // Token mode: the token in the URL becomes a cookie, and the URL is cleaned so it does not linger
  // in history. Accounts mode: the window itself shows the sign-in page when it is not signed in.
  app.get<{ Querystring: { token?: string } }>('/', async (request, reply) => {
    const presented = request.query.token;
    if (typeof presented === 'string' && !accounts) {
      if (!sameToken(presented, token)) return reply.code(401).type('text/html').send(page('This link is not valid', 'The access token in the address is wrong. Open the link that <code>callaider-archive serve</code> printed.'));
      reply.setCookie(cookieName, token, { httpOnly: true, sameSite: 'strict', path: '/' });
      return reply.redirect('/', 303);
    }
    if (!existsSync(`${staticDir}/index.html`)) {
      return reply.type('text/html').send(page('The archive window is not built', 'Run <code>npm run build</code> in the project folder, then reload.'));
    }
    return reply.header('cache-control', 'no-store').sendFile('index.html', staticDir);
  });

  if (existsSync(staticDir)) {
    await app.register(fastifyStatic, { root: staticDir, index: false, wildcard: true, serve: true, maxAge: '1h' });
  }

  try {
    await app.listen({ host: listenHost, port: options.port });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') {
      throw new PortInUseError(`port ${options.port} on ${listenHost} (the archive window) is already in use; choose another with --ui-port`);
    }
    if (code === 'EADDRNOTAVAIL') throw new PortInUseError(`${listenHost} is not an address of this machine; give --ui-host one of its addresses, or 0.0.0.0 for all`);
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  allowedHosts = new Set(hostNames(listenHost).map((name) => `${name.includes(':') ? `[${name}]` : name}:${port}`));
  cookieName = accounts ? `callaider_session_${port}` : `callaider_archive_${port}`;
  const shownHost = isLoopbackHost(listenHost) ? LOOPBACK : listenHost === '0.0.0.0' || listenHost === '::' ? hostname().toLowerCase() : listenHost;
  const baseUrl = `${scheme}://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  return { url: accounts ? `${baseUrl}/` : `${baseUrl}/?token=${token}`, baseUrl, token, mode: accounts ? 'accounts' : 'token', close: () => app.close() };
}

/** The Host names this server answers to: loopback always, and the machine's names and addresses when it listens beyond it. */
function hostNames(listenHost: string): string[] {
  const names = new Set(['127.0.0.1', 'localhost', '::1']);
  if (isLoopbackHost(listenHost)) return [...names];
  const host = hostname().toLowerCase();
  names.add(host);
  names.add(`${host}.local`);
  if (listenHost === '0.0.0.0' || listenHost === '::') {
    for (const addresses of Object.values(networkInterfaces())) for (const address of addresses ?? []) names.add(address.address.toLowerCase());
  } else {
    names.add(listenHost.toLowerCase());
  }
  return [...names];
}

interface AuthRouteDeps {
  accounts: Accounts | null;
  refuseForeign: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  signedInBy: (request: FastifyRequest) => Promise<SignedInUser | null>;
  cookieName: () => string;
  secure: boolean;
  log: Logger;
}

/** Sign-in, sign-out and the one-time link's "set your password": the only routes open before signing in. */
function registerAuthRoutes(app: FastifyInstance, deps: AuthRouteDeps): void {
  const { accounts } = deps;
  const guard = { onRequest: deps.refuseForeign };
  const signedInReply = (reply: FastifyReply, signedIn: SignedIn) => {
    reply.setCookie(deps.cookieName(), signedIn.token, { httpOnly: true, sameSite: 'strict', secure: deps.secure, path: '/', expires: new Date(signedIn.expiresAt) });
    return { user: signedIn.user };
  };
  const refused = (reply: FastifyReply, error: unknown) => {
    if (error instanceof SignInError) {
      if (error.retryAfterMs !== null) reply.header('retry-after', String(Math.ceil(error.retryAfterMs / 1000)));
      if (error.badPassword) return reply.code(400).send({ error: error.message, code: 'bad-request' });
      return reply.code(error.retryAfterMs !== null ? 429 : 401).send({ error: error.message, code: 'unauthorized' });
    }
    throw error;
  };
  const parse = <T>(schema: z.ZodType<T>, body: unknown, reply: FastifyReply): T | null => {
    const parsed = schema.safeParse(body ?? {});
    if (parsed.success) return parsed.data;
    void reply.code(400).send({ error: 'expected a name and a password (or a link)', code: 'bad-request' });
    return null;
  };

  app.get('/auth/state', guard, async (request) => ({ mode: accounts ? 'accounts' : 'token', user: accounts ? await deps.signedInBy(request) : null }));
  if (!accounts) return;

  app.post('/auth/sign-in', guard, async (request, reply) => {
    const body = parse(credentialsSchema, request.body, reply);
    if (!body) return reply;
    try {
      return signedInReply(reply, await accounts.signIn(body.name, body.password, request.ip));
    } catch (error) {
      return refused(reply, error);
    }
  });
  app.post('/auth/sign-out', guard, async (request, reply) => {
    const presented = request.cookies[deps.cookieName()];
    if (typeof presented === 'string' && presented.length <= 200) await accounts.signOut(presented, request.ip);
    reply.clearCookie(deps.cookieName(), { path: '/' });
    return { user: null };
  });
  app.post('/auth/link', guard, async (request, reply) => {
    const body = parse(linkSchema, request.body, reply);
    if (!body) return reply;
    const user = await accounts.linkUser(body.link);
    if (!user) return reply.code(404).send({ error: 'This link is not valid any more (it was used, it expired after 72 hours, or a newer one was made). Ask an owner for a new one.', code: 'not-found' });
    return { user };
  });
  app.post('/auth/set-password', guard, async (request, reply) => {
    const body = parse(setPasswordSchema, request.body, reply);
    if (!body) return reply;
    try {
      return signedInReply(reply, await accounts.setPassword(body.link, body.password, request.ip));
    } catch (error) {
      return refused(reply, error);
    }
  });
}

function mediaType(header: string | undefined): string | null {
  return header ? (header.split(';')[0]!.trim().toLowerCase() || null) : null;
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${body}</p></body></html>`;
}
