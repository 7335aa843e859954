/**
 * The webhook listener: POST /webhook and GET /healthz, nothing else. This is the only listener
 * the public tunnel points at, so everything a stranger can send ends here with a 4xx and a line
 * in the delivery log; only a failed COMMIT produces a 5xx (so CallAIder retries).
 *
 * Order of checks (cheap before expensive, nothing read before it is needed):
 *   method/path -> failure rate limit -> content-type -> content-length   (before the body)
 *   -> body budget: room in memory for Content-Length bytes               (503 + Retry-After, before the body;
 *      a chunked body is counted as it streams and cut off when it does not fit)
 *   -> signature over the raw bytes (hashed as they stream in) -> required header (401)
 *   -> safe JSON parse -> schema -> event header agreement                (400)
 *   -> card numbers and security codes replaced (the signature was checked on the original bytes)
 *   -> one group-committed transaction                                    (200 after COMMIT)
 */
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { checkPayload, type KnownPayload } from '../../shared/payload.js';
import { CommitError } from './archive/errors.js';
import type { ArchiveStore, DeliveryOutcome, PendingDelivery, QuarantineFailure } from './archive/store.js';
import { BodyBudget, checkBodyBudget, DEFAULT_BODY_BUDGET, type BodyLease } from './body-budget.js';
import { peekDelivery } from './delivery-peek.js';
import { redactBody, redactQuarantined } from './redaction/index.js';
import { FailureLimiter } from './failure-limiter.js';
import { silentLogger, type Logger } from './log.js';
import { parseJsonSafely } from './safe-json.js';
import {
  EVENT_HEADER,
  SIGNATURE_FAILURE_TEXT,
  SIGNATURE_HEADER,
  SignatureCheck,
  headerValueEquals,
  verifySignature,
  type SignatureVerdict,
} from './signature.js';

import { HEALTH_PATH, WEBHOOK_PATH } from './webhook-paths.js';

export { HEALTH_PATH, WEBHOOK_PATH };

export interface RequiredHeader {
  name: string;
  value: string;
}

export interface ReceiverOptions {
  archive: ArchiveStore;
  secret?: string | undefined;
  previousSecret?: string | undefined;
  requiredHeader?: RequiredHeader | undefined;
  bodyLimit: number;
  /**
   * Bytes of request bodies held in memory at once, across all requests (default 64 MiB). Over it,
   * 503 + Retry-After before the body is read. Must hold at least one body at `bodyLimit` besides
   * the share kept for small bodies (see body-budget.ts): `checkBodyBudget` says so, and
   * createReceiver throws otherwise.
   */
  bodyBudget?: number | undefined;
  /** A request (headers and body) must arrive within this time. */
  requestTimeoutMs: number;
  failureLimiter?: FailureLimiter;
  log?: Logger;
  /**
   * Replace card numbers and security codes before anything is stored (default true). Only an
   * archive that must keep them, knowingly, turns this off (`serve --keep-card-numbers`).
   */
  redactCards?: boolean | undefined;
  /** Called after an event is durably stored (or found to be a duplicate). */
  onIngested?: (event: IngestedEvent) => void;
  /** Called after any request has been written to the delivery log. */
  onDelivery?: (notice: DeliveryNotice) => void;
}

/** What listeners learn about a logged request (alerts watch runs of refusals). */
export interface DeliveryNotice {
  receivedAt: number;
  outcome: DeliveryOutcome;
  statusCode: number;
  /** Why it was quarantined (a bad signature means the secrets differ), or null. */
  quarantineFailure: QuarantineFailure | null;
}

export interface IngestedEvent {
  payload: KnownPayload;
  duplicate: boolean;
}

interface RequestContext {
  startedAt: number;
  receivedAt: number;
  /** This request's share of the body budget, from its headers until its body is let go. */
  lease: BodyLease | null;
  /** The signature check, fed as the body streams in (when a secret is configured). */
  signature: SignatureCheck | null;
}

/** Seconds a sender refused for lack of memory is asked to wait. */
const BUDGET_RETRY_AFTER_SECONDS = 5;

class BodyReadError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly code: string,
  ) {
    super(message);
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    archiveContext: RequestContext;
  }
}

const MASKED_HEADERS = new Set([SIGNATURE_HEADER, 'authorization', 'cookie', 'proxy-authorization']);

export function createReceiver(options: ReceiverOptions): FastifyInstance {
  const log = options.log ?? silentLogger;
  const limiter = options.failureLimiter ?? new FailureLimiter();
  const { archive } = options;
  const maskedHeaders = new Set(MASKED_HEADERS);
  if (options.requiredHeader) maskedHeaders.add(options.requiredHeader.name.toLowerCase());
  const redactCards = options.redactCards !== false;
  const budget = new BodyBudget(options.bodyBudget ?? DEFAULT_BODY_BUDGET);
  const budgetProblem = checkBodyBudget(options.bodyLimit, budget.total);
  if (budgetProblem) throw new RangeError(budgetProblem);

  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit,
    // Slow senders are cut off with a 408: the whole request within requestTimeoutMs, headers within
    // 10 s. Node checks these on a timer (30 s by default), so the check runs every second here.
    serverFactory: (handler) =>
      createServer(
        {
          requestTimeout: options.requestTimeoutMs,
          headersTimeout: Math.min(options.requestTimeoutMs, 10_000),
          connectionsCheckingInterval: 1_000,
          keepAliveTimeout: 10_000,
        },
        handler,
      ),
    return503OnClosing: true,
    // Never trust proxy headers for anything that matters; the client key below is only a rate-limit key.
    trustProxy: false,
    // Avoid the default "ajv" compile step and stray routes: this server has exactly two.
    exposeHeadRoutes: false,
  });

  app.decorateRequest('archiveContext', null as unknown as RequestContext);
  app.addHook('onRequest', async (request, reply) => {
    request.archiveContext = { startedAt: preciseNow(), receivedAt: Date.now(), lease: null, signature: null };
    // The body's share of the budget is given back when the answer is sent or the connection drops
    // (or later, when the body is still on its way to the quarantine: see record()).
    reply.raw.once('close', () => request.archiveContext.lease?.release());
  });

  // Only JSON is accepted, as raw bytes: the signature covers exactly what was sent. The bytes are
  // read here rather than by Fastify's buffer parser so that every byte held is counted in the
  // budget (one buffer of Content-Length bytes, no chunk list and copy) and hashed as it arrives.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', (request, payload, done) => {
    readBody(request, payload, options.bodyLimit, done);
  });

  /** The one place a request becomes a delivery-log record; the outcome is added where it is decided. */
  const draft = (request: FastifyRequest, reason: string | null): PendingDelivery => {
    const context = request.archiveContext ?? { startedAt: preciseNow(), receivedAt: Date.now() };
    return {
      receivedAt: context.receivedAt,
      startedAt: context.startedAt,
      method: request.method,
      path: request.url.slice(0, 500),
      remote: clientKey(request),
      eventHeader: singleHeader(request.headers[EVENT_HEADER]),
      reason,
      size: sizeOf(request),
      headersJson: JSON.stringify(describeHeaders(request, maskedHeaders)),
    };
  };

  const record = (
    request: FastifyRequest,
    outcome: DeliveryOutcome,
    statusCode: number,
    reason: string | null,
    extra: { event?: string | null; sessionId?: string | null; quarantine?: QuarantineDraft } = {},
  ): void => {
    const delivery = draft(request, reason);
    const quarantined = extra.quarantine && redactCards && !extra.quarantine.redacted ? redactQuarantined(extra.quarantine.body, extra.quarantine.parsed).body : extra.quarantine?.body;
    const written = archive
      .logDelivery(
        {
          ...delivery,
          event: extra.event ?? null,
          sessionId: extra.sessionId ?? null,
          outcome,
          statusCode,
          latencyMs: preciseNow() - delivery.startedAt,
        },
        extra.quarantine && {
          receivedAt: delivery.receivedAt,
          failure: extra.quarantine.failure,
          reason: reason ?? extra.quarantine.failure,
          eventHeader: delivery.eventHeader,
          signatureHeader: singleHeader(request.headers[SIGNATURE_HEADER]),
          event: extra.event ?? null,
          sessionId: extra.sessionId ?? null,
          headers: describeHeaders(request, new Set()),
          body: quarantined!,
        },
      )
      .then(() => options.onDelivery?.({ receivedAt: delivery.receivedAt, outcome, statusCode, quarantineFailure: extra.quarantine?.failure ?? null }))
      .catch((error: unknown) => log.error(`could not write the delivery log: ${errorText(error)}`));
    // A quarantined body is held until the archive has it: it still counts in the budget.
    if (extra.quarantine) request.archiveContext?.lease?.holdUntil(written);
  };

  const reject = (
    request: FastifyRequest,
    reply: FastifyReply,
    statusCode: number,
    reason: string,
    extra: Parameters<typeof record>[4] = {},
  ): FastifyReply => {
    record(request, statusCode >= 500 ? 'failed' : 'rejected', statusCode, reason, extra);
    return reply.code(statusCode).send({ ok: false, error: reason });
  };

  // A flood of big bodies is refused thousands of times a second: the log keeps the first refusals
  // of each second and one line counting the rest, so the flood neither pushes real deliveries out
  // of the bounded log nor spends the listener's and the writer's time writing rows about itself.
  const refusals = new RefusalSampler(REFUSALS_LOGGED_PER_SECOND, (count) =>
    archive
      .logDelivery({
        receivedAt: Date.now(),
        method: 'POST',
        path: WEBHOOK_PATH,
        remote: null,
        eventHeader: null,
        event: null,
        sessionId: null,
        outcome: 'failed',
        statusCode: 503,
        reason: `${count} more request${count === 1 ? '' : 's'} refused in that second, not logged one by one: too many request bodies in memory at once`,
        size: null,
        latencyMs: null,
        headersJson: null,
      })
      .catch((error: unknown) => log.error(`could not write the delivery log: ${errorText(error)}`)),
  );
  app.addHook('onClose', async () => refusals.flush());

  app.get(HEALTH_PATH, async () => ({ ok: true }));

  app.post(WEBHOOK_PATH, {
    // Everything that can be decided from the request line and headers is decided before the body is read.
    onRequest: async (request, reply) => {
      const retryAfterMs = await limiter.retryAfterMs(clientKey(request));
      if (retryAfterMs > 0) {
        reply.header('retry-after', Math.ceil(retryAfterMs / 1000));
        return reject(request, reply, 429, 'too many failed verifications from this client; try again later');
      }
      const type = mediaType(request.headers['content-type']);
      if (type !== 'application/json') {
        return reject(request, reply, 415, `content type must be application/json (got ${type ?? 'none'})`);
      }
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared) && declared > options.bodyLimit) {
        closeWithoutReading(request, reply);
        return reject(request, reply, 413, `body of ${declared} bytes is over the limit of ${options.bodyLimit} bytes`);
      }
      // Room in memory for the whole body, or a 503 now: nothing is read that cannot be held.
      // Without Content-Length (chunked), the lease starts empty and grows as the bytes arrive.
      const lease = budget.lease(Number.isFinite(declared) ? declared : 0);
      if (!lease) {
        reply.header('retry-after', BUDGET_RETRY_AFTER_SECONDS);
        closeWithoutReading(request, reply);
        const reason = budgetRefusal(budget, declared);
        if (refusals.keep()) return reject(request, reply, 503, reason);
        return reply.code(503).send({ ok: false, error: reason });
      }
      request.archiveContext.lease = lease;
      if (options.secret) request.archiveContext.signature = new SignatureCheck({ current: options.secret, previous: options.previousSecret });
      return undefined;
    },
    handler: async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (body.length === 0) return reject(request, reply, 400, 'empty body');

      if (options.secret) {
        const streamed = request.archiveContext.signature;
        const verdict: SignatureVerdict = streamed
          ? streamed.verdict(request.headers[SIGNATURE_HEADER])
          : verifySignature(body, request.headers[SIGNATURE_HEADER], { current: options.secret, previous: options.previousSecret });
        if (!verdict.ok) {
          await limiter.recordFailure(clientKey(request));
          return reject(request, reply, 401, SIGNATURE_FAILURE_TEXT[verdict.reason], quarantineIfPlausible(body, 'signature'));
        }
      }
      if (options.requiredHeader && !headerValueEquals(request.headers[options.requiredHeader.name.toLowerCase()], options.requiredHeader.value)) {
        await limiter.recordFailure(clientKey(request));
        return reject(
          request,
          reply,
          401,
          `missing or wrong ${options.requiredHeader.name} header`,
          quarantineIfPlausible(body, 'required-header'),
        );
      }

      const parsed = parseJsonSafely(body);
      if (!parsed.ok) return reject(request, reply, 400, parsed.reason);
      const checked = checkPayload(parsed.value);
      const eventHeader = singleHeader(request.headers[EVENT_HEADER]);

      if (checked.kind === 'invalid') {
        const reason = `payload does not match the CallAIder schema: ${checked.reason}`;
        return reject(request, reply, 400, reason, {
          event: checked.event,
          sessionId: checked.sessionId,
          ...(checked.event ? { quarantine: { failure: 'payload', body, parsed: parsed.value } } : {}),
        });
      }
      const event = checked.kind === 'known' ? checked.payload.event : checked.event;
      const sessionId = checked.kind === 'known' ? checked.payload.sessionId : checked.sessionId;
      if (eventHeader !== null && eventHeader !== event) {
        return reject(request, reply, 400, `X-Callaider-Event header "${eventHeader}" disagrees with payload event "${event}"`, {
          event,
          sessionId,
        });
      }
      if (checked.kind === 'unknown') {
        log.info(`acknowledged unknown event type "${event}" (not stored)`);
        record(request, 'ignored', 200, `unknown event type "${event}"`, { event, sessionId });
        return reply.code(200).send({ ok: true, event, duplicate: false, ignored: true });
      }

      // Card data goes now, after the signature was checked on the bytes as sent and before the
      // archive keeps anything: the stored body is the redacted payload (see redaction/body.ts).
      const redacted = redactCards ? redactBody(parsed.value, body) : { value: parsed.value, body, redactions: 0 };
      const recheck = redacted.redactions > 0 ? checkPayload(redacted.value) : checked;
      if (recheck.kind !== 'known') {
        // A field the schema types (a number) held a card number: kept masked in the quarantine, never as sent.
        return reject(request, reply, 422, 'payload could not be archived once its card numbers were removed', {
          event,
          sessionId,
          quarantine: { failure: 'payload', body: redacted.body, redacted: true },
        });
      }
      const payload = recheck.payload;
      try {
        const { duplicate } = await archive.ingest({
          payload,
          body: redacted.body,
          redactions: redacted.redactions,
          source: 'webhook',
          receivedAt: request.archiveContext.receivedAt,
          delivery: draft(request, options.secret ? null : 'unsigned (no webhook secret configured)'),
        });
        options.onIngested?.({ payload, duplicate });
        options.onDelivery?.({ receivedAt: request.archiveContext.receivedAt, outcome: duplicate ? 'duplicate' : 'stored', statusCode: 200, quarantineFailure: null });
        return reply.code(200).send({ ok: true, event: payload.event, duplicate });
      } catch (error) {
        if (error instanceof CommitError) {
          log.error(`${payload.event} for session ${payload.sessionId} NOT stored: ${error.message}`);
          reply.header('retry-after', 5);
          return reject(request, reply, 503, 'the archive could not store this event; please retry', { event, sessionId });
        }
        // A payload that passed the schema but could not be projected: keep its bytes, tell the sender.
        log.error(`${payload.event} for session ${payload.sessionId} could not be archived: ${errorText(error)}`);
        return reject(request, reply, 422, `payload could not be archived: ${errorText(error).slice(0, 200)}`, {
          event,
          sessionId,
          // Its card data is already gone (redacted.body is the body it would have been stored as).
          quarantine: { failure: 'payload', body: redacted.body, redacted: true },
        });
      }
    },
  });

  app.setNotFoundHandler((request, reply) => {
    if (request.url.split('?')[0] === WEBHOOK_PATH) {
      reply.header('allow', 'POST');
      return reject(request, reply, 405, `method ${request.method} is not allowed on ${WEBHOOK_PATH}; use POST`);
    }
    return reject(request, reply, 404, 'not found');
  });

  // Fastify's own errors (body too large, bad content type, aborted bodies, timeouts) are the
  // sender's problem: they answer with their 4xx. Anything else is our bug, still never a crash.
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof BodyReadError) {
      // The rest of the body is not read: the connection closes once the answer is out.
      closeWithoutReading(request, reply);
      if (error.statusCode === 503) reply.header('retry-after', BUDGET_RETRY_AFTER_SECONDS);
      return reject(request, reply, error.statusCode, error.message);
    }
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
    if (!error.statusCode || error.statusCode >= 500) log.error(`receiver error on ${request.method} ${request.url}: ${errorText(error)}`);
    return reject(request, reply, status, clientErrorText(error));
  });

  return app;
}

interface QuarantineDraft {
  failure: QuarantineFailure;
  body: Buffer;
  /** The body parsed, when it was (a schema failure): card data is then masked in the payload, not the text. */
  parsed?: unknown;
  /** `body` is already the redacted payload (it failed after redaction): kept as it is. */
  redacted?: boolean;
}

/**
 * Bodies that failed verification are kept only when they look like a CallAIder delivery (a JSON
 * object with an event name): a user who mistyped the secret loses nothing, while random junk
 * from strangers cannot push real deliveries out of the bounded quarantine.
 */
function quarantineIfPlausible(body: Buffer, failure: QuarantineFailure) {
  // A bounded peek (the first 64 KiB), never a parse of the whole body: a stranger's 19 MiB body
  // costs microseconds here, not a JSON.parse on the listener's thread.
  const identity = peekDelivery(body);
  if (!identity) return {};
  return { ...identity, quarantine: { failure, body } };
}

const REFUSALS_LOGGED_PER_SECOND = 20;

/**
 * Answers, then drops the connection instead of reading the body that is still coming. Node
 * otherwise reads and discards an unread request body to keep the connection usable: under a flood
 * of 19 MiB bodies the listener spent its time swallowing megabytes it had already refused, and
 * real deliveries waited behind them.
 */
function closeWithoutReading(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('connection', 'close');
  reply.raw.once('finish', () => request.raw.socket?.destroy());
}

/** Keeps the first `perSecond` events of each second; counts the rest and reports the count once. */
export class RefusalSampler {
  private second = 0;
  private kept = 0;
  private skipped = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly perSecond: number,
    private readonly report: (skipped: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  keep(): boolean {
    const second = Math.floor(this.now() / 1000);
    if (second !== this.second) {
      this.flush();
      this.second = second;
      this.kept = 0;
    }
    if (this.kept < this.perSecond) {
      this.kept += 1;
      return true;
    }
    this.skipped += 1;
    // The count is reported when the second is over, even if nothing else arrives.
    this.timer ??= setTimeout(() => this.flush(), 1000 - (this.now() % 1000)).unref();
    return false;
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.skipped === 0) return;
    const skipped = this.skipped;
    this.skipped = 0;
    this.report(skipped);
  }
}

function budgetRefusal(budget: BodyBudget, declared: number): string {
  const size = Number.isFinite(declared) ? `${declared} more bytes` : 'another body';
  return `too many request bodies in memory at once (${budget.held.bytes} of ${budget.total} bytes held; ${size} do not fit); retry later`;
}

/**
 * Reads a request body into one buffer, counting it in the request's budget lease and feeding the
 * signature check chunk by chunk. With Content-Length, the lease already covers the buffer; a
 * chunked body grows its lease with each chunk and is cut off (503) as soon as it does not fit,
 * or (413) when it passes the body limit. Rejections stop reading: the connection closes after the answer.
 */
function readBody(
  request: FastifyRequest,
  payload: NodeJS.ReadableStream & { receivedEncodedLength?: number },
  bodyLimit: number,
  done: (error: Error | null, body?: Buffer) => void,
): void {
  const context = request.archiveContext;
  const lease = context.lease;
  const declared = Number(request.headers['content-length']);
  const known = Number.isFinite(declared);
  const buffer = known ? Buffer.allocUnsafeSlow(declared) : null;
  const chunks: Buffer[] = [];
  let received = 0;
  let finished = false;

  const finish = (error: Error | null, body?: Buffer) => {
    if (finished) return;
    finished = true;
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    payload.removeListener('error', onError);
    chunks.length = 0;
    done(error, body);
  };
  const onData = (data: Buffer | string) => {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    if (received + chunk.length > (known ? declared : bodyLimit)) {
      const tooLarge = known
        ? new BodyReadError('content-length does not match the body', 400, 'FST_ERR_CTP_INVALID_CONTENT_LENGTH')
        : new BodyReadError(`body is over the limit of ${bodyLimit} bytes`, 413, 'FST_ERR_CTP_BODY_TOO_LARGE');
      finish(tooLarge);
      return;
    }
    if (buffer) {
      chunk.copy(buffer, received);
    } else {
      if (lease && !lease.grow(chunk.length)) {
        finish(new BodyReadError(`too many request bodies in memory at once (this body was cut off after ${received} bytes); retry later`, 503, 'BODY_BUDGET'));
        return;
      }
      chunks.push(chunk);
    }
    received += chunk.length;
    context.signature?.update(chunk);
  };
  const onEnd = () => {
    if (buffer) {
      if (received !== declared) return finish(new BodyReadError('content-length does not match the body', 400, 'FST_ERR_CTP_INVALID_CONTENT_LENGTH'));
      return finish(null, buffer);
    }
    // The chunks become one buffer of our own (never a view over the socket's read buffer): for a
    // moment both exist, and both count.
    if (lease && !lease.grow(received)) {
      return finish(new BodyReadError(`too many request bodies in memory at once (this body was cut off after ${received} bytes); retry later`, 503, 'BODY_BUDGET'));
    }
    const body = Buffer.concat(chunks, received);
    lease?.shrink(received);
    return finish(null, body);
  };
  const onError = (error: Error & { statusCode?: number }) => {
    finish(new BodyReadError(error.message.slice(0, 200) || 'the body could not be read', error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400, 'BODY_READ'));
  };
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onError);
  payload.resume();
}

/** Milliseconds since the epoch with sub-millisecond precision, comparable across threads. */
function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

function mediaType(header: string | undefined): string | null {
  if (!header) return null;
  return header.split(';')[0]!.trim().toLowerCase() || null;
}

function singleHeader(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return (Array.isArray(value) ? value.join(', ') : value).slice(0, 200);
}

function sizeOf(request: FastifyRequest): number | null {
  if (Buffer.isBuffer(request.body)) return request.body.length;
  const declared = Number(request.headers['content-length']);
  return Number.isFinite(declared) ? declared : null;
}

/**
 * The key failures are counted under. Through the in-process tunnel every request comes from
 * loopback, so the client is the address the tunnel appended last to X-Forwarded-For (a sender
 * can prepend fake entries, not append).
 */
function clientKey(request: FastifyRequest): string {
  const forwarded = singleHeader(request.headers['x-forwarded-for']);
  const socketAddress = request.socket.remoteAddress ?? 'unknown';
  if (forwarded && isLoopback(socketAddress)) {
    const last = forwarded.split(',').pop()?.trim();
    if (last) return last.slice(0, 100);
  }
  return socketAddress;
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

function describeHeaders(request: FastifyRequest, masked: Set<string>): Record<string, string> {
  const result: Record<string, string> = {};
  let budget = 16_384;
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    let text = Array.isArray(value) ? value.join(', ') : String(value);
    if (masked.has(name)) text = maskSecret(text);
    text = text.slice(0, 1024);
    budget -= name.length + text.length;
    if (budget < 0) break;
    result[name] = text;
  }
  return result;
}

function maskSecret(value: string): string {
  const visible = value.startsWith('sha256=') ? 13 : 4;
  return value.length <= visible ? '••••' : `${value.slice(0, visible)}••••`;
}

function clientErrorText(error: Error & { code?: string; statusCode?: number }): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'body is over the size limit';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'content type must be application/json';
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'content-length does not match the body';
    default:
      return error.statusCode && error.statusCode < 500 ? error.message.slice(0, 200) : 'bad request';
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
