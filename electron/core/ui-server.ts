/**
 * The archive window's HTTP server for browsers (headless mode): the built React app, the
 * ArchiveApi as POST /api/<method>, and live updates as Server-Sent Events. A separate listener
 * from the webhook: it binds loopback only, is never tunnelled, and requires a token.
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

export interface UiServerOptions {
  service: ArchiveService;
  port: number;
  token?: string | undefined;
  staticDir?: string;
  log?: Logger;
}

export interface UiServer {
  /** The URL to open, token included. */
  url: string;
  baseUrl: string;
  token: string;
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** A handler's deliberate error as an HTTP status (conflict: changed meanwhile elsewhere). */
const HTTP_STATUS: Record<ApiErrorBody['code'], number> = { 'bad-request': 400, 'not-found': 404, unauthorized: 401, conflict: 409, failed: 500 };

function sameToken(a: string, b: string): boolean {
  const hash = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(hash(a), hash(b));
}

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const log = options.log ?? silentLogger;
  const token = options.token || randomBytes(24).toString('base64url');
  const staticDir = options.staticDir ?? rendererDir();
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 1024 * 1024, exposeHeadRoutes: false });
  await app.register(cookie);

  let allowedHosts = new Set<string>();
  let cookieName = 'callaider_archive';

  app.addHook('onRequest', async (request, reply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 still sends Host: evil.example.
    if (!allowedHosts.has((request.headers.host ?? '').toLowerCase())) {
      return reply.code(421).send({ error: 'this server only answers to its loopback address', code: 'unauthorized' });
    }
    return undefined;
  });

  const authorized = (request: FastifyRequest): boolean => {
    const bearer = request.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
    const presented = bearer ?? request.cookies[cookieName];
    return typeof presented === 'string' && sameToken(presented, token);
  };
  /** Why a request cannot be the window's own, or null when it can. */
  const foreignReason = (request: FastifyRequest): string | null => {
    const ownOrigin = `http://${(request.headers.host ?? '').toLowerCase()}`;
    const origin = request.headers.origin;
    if (origin !== undefined && origin.toLowerCase() !== ownOrigin) return `requests from ${origin.slice(0, 100)} may not use the archive`;
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return `cross-site requests (${String(site).slice(0, 20)}) may not use the archive`;
    if (request.method === 'POST' && mediaType(request.headers['content-type']) !== 'application/json') return 'the archive API takes application/json only';
    return null;
  };
  const requireAuth = async (request: FastifyRequest, reply: FastifyReply) => {
    const foreign = foreignReason(request);
    if (foreign) {
      log.warn(`archive window API: refused ${request.method} ${request.url.slice(0, 100)}: ${foreign}`);
      return reply.code(403).send({ error: foreign, code: 'unauthorized' });
    }
    if (!authorized(request)) {
      return reply.code(401).send({ error: 'open the archive with the link that `callaider-archive serve` printed (it carries the access token)', code: 'unauthorized' });
    }
    return undefined;
  };

  app.post<{ Params: { method: string } }>('/api/:method', { onRequest: requireAuth }, async (request, reply) => {
    try {
      const answer = await options.service.answer(request.params.method, request.body ?? {});
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
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    request.raw.on('close', () => {
      streams.delete(res);
      clearInterval(heartbeat);
      unsubscribe();
    });
  });

  app.all('/api/*', { onRequest: requireAuth }, async (_request, reply) => reply.code(404).send({ error: 'no such API route', code: 'not-found' }));

  // The token in the URL becomes a cookie, and the URL is cleaned so it does not linger in history.
  app.get<{ Querystring: { token?: string } }>('/', async (request, reply) => {
    const presented = request.query.token;
    if (typeof presented === 'string') {
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
    await app.listen({ host: LOOPBACK, port: options.port });
  } catch (error) {
    if ((error as { code?: string }).code === 'EADDRINUSE') {
      throw new PortInUseError(`port ${options.port} on ${LOOPBACK} (the archive window) is already in use; choose another with --ui-port`);
    }
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  allowedHosts = new Set([`${LOOPBACK}:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  cookieName = `callaider_archive_${port}`;
  const baseUrl = `http://${LOOPBACK}:${port}`;
  return { url: `${baseUrl}/?token=${token}`, baseUrl, token, close: () => app.close() };
}

function mediaType(header: string | undefined): string | null {
  return header ? (header.split(';')[0]!.trim().toLowerCase() || null) : null;
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${body}</p></body></html>`;
}
