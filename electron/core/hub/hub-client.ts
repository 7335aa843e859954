/**
 * The desktop app's connection to an office hub (`serve` with accounts, over HTTPS): it signs in
 * as one person, keeps the session cookie, answers the window's ArchiveApi calls by calling the
 * hub's (so the hub enforces that person's role), and listens to the hub's live stream.
 *
 * The stream is what notices a hub that restarted or a laptop that slept: when it drops, or stays
 * silent past two keep-alives, the client reconnects with growing waits (1 s up to 30 s) and says
 * since when the hub is unreachable. A session the hub ended (expired, signed out, disabled) is
 * signed in again with the password only when the person chose to remember it; otherwise the
 * client stops and says to sign in again. Never a password kept in memory that was not meant to be.
 */
import { EventEmitter } from 'node:events';
import { request, type Agent } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { ApiErrorBody, ArchiveChange } from '../../../shared/api.js';
import type { SignedInUser } from '../../../shared/accounts.js';
import { ApiError } from '../archive-service.js';
import { JsonText } from '../json-text.js';
import { silentLogger, type Logger } from '../log.js';
import { EventStreamParser } from './event-stream.js';
import { HubCertificateError, hubAgent, probeCertificate } from './hub-tls.js';

export type HubState =
  | { kind: 'connecting' }
  | { kind: 'connected'; since: number; user: SignedInUser }
  | { kind: 'unreachable'; since: number; message: string }
  | { kind: 'sign-in-needed'; message: string }
  | { kind: 'certificate-changed'; message: string }
  | { kind: 'closed' };

export interface HubClientOptions {
  /** https://host:port, as checked by parseHubUrl. */
  url: URL;
  name: string;
  password: string;
  /** Sign in again by itself with `password` when the hub ends the session. */
  remember: boolean;
  /** The confirmed SHA-256 of a self-signed hub; null for a certificate the system trusts. */
  fingerprint: string | null;
  log?: Logger;
  /** Waits between reconnection attempts: from `firstMs`, doubling, up to `maxMs`. */
  retry?: { firstMs: number; maxMs: number };
  /** A stream silent for this long is taken as dropped (the hub sends a keep-alive every 15 s). */
  silenceMs?: number;
  requestTimeoutMs?: number;
  now?: () => number;
}

export const SIGN_IN_AGAIN = 'Your session on the office hub ended. Sign in again in Setup → Office hub.';

interface HubEvents {
  state: [HubState];
  change: [ArchiveChange];
}

interface Answer {
  status: number;
  text: string;
  setCookie: string[];
}

/** A hub address as the person typed it, or a clear reason why it is not one. */
export function parseHubUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ApiError('bad-request', `"${text.slice(0, 100)}" is not an address; give the hub's address as its serve banner prints it, like https://frontdesk.local:4319`);
  }
  if (url.protocol !== 'https:') throw new ApiError('bad-request', 'An office hub is reached over HTTPS only (its address starts with https://).');
  if (url.username || url.password) throw new ApiError('bad-request', 'Give the name and password in their own fields, not in the address.');
  return new URL(url.origin);
}

export class HubClient extends EventEmitter<HubEvents> {
  private readonly agent: Agent;
  private readonly log: Logger;
  private readonly now: () => number;
  private password: string | null;
  private cookie: string | null = null;
  private user: SignedInUser | null = null;
  private current: HubState = { kind: 'connecting' };
  private stream: { destroy(): void } | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private attempts = 0;
  private signingIn: Promise<void> | null = null;

  constructor(private readonly options: HubClientOptions) {
    super();
    this.agent = hubAgent(options.fingerprint);
    this.log = options.log ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.password = options.password;
  }

  get state(): HubState {
    return this.current;
  }

  /** Who signed in (null before the first sign-in). */
  get signedIn(): SignedInUser | null {
    return this.user;
  }

  get host(): string {
    return this.options.url.host;
  }

  /** Signs in and opens the live stream. Rejects (with the hub's reason) when the sign-in fails. */
  async start(): Promise<SignedInUser> {
    try {
      await this.signIn();
    } catch (error) {
      this.close();
      throw error;
    }
    if (!this.options.remember) this.password = null;
    this.openStream();
    return this.user!;
  }

  /** Ends the hub session (best effort: a hub that is down has nothing to end) and stops. */
  async signOut(): Promise<void> {
    const cookie = this.cookie;
    this.close();
    if (!cookie) return;
    await this.send('POST', '/auth/sign-out', {}, cookie).catch(() => undefined);
  }

  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.stream?.destroy();
    this.stream = null;
    this.setState({ kind: 'closed' });
    this.agent.destroy();
  }

  /** One ArchiveApi call on the hub, as the signed-in person: the answer as the hub's JSON text. */
  async answer(method: string, args: unknown): Promise<JsonText> {
    if (this.current.kind === 'closed') throw new ApiError('failed', 'Not connected to an office hub.');
    if (this.current.kind === 'sign-in-needed' || this.current.kind === 'certificate-changed') throw new ApiError('unauthorized', this.current.message);
    let answer = await this.apiRequest(method, args);
    if (answer.status === 401) {
      await this.recoverSession();
      answer = await this.apiRequest(method, args);
      if (answer.status === 401) throw this.needSignIn();
    }
    if (answer.status >= 200 && answer.status < 300) return new JsonText(answer.text);
    const body = safeParse(answer.text) as Partial<ApiErrorBody> | null;
    throw new ApiError(body?.code ?? 'failed', body?.error ?? `the office hub answered HTTP ${answer.status}`);
  }

  /** answer(), parsed: for the app's own reads (a notification's session). */
  async call<T>(method: string, args: unknown): Promise<T> {
    return (await this.answer(method, args)).parse() as T;
  }

  private async apiRequest(method: string, args: unknown): Promise<Answer> {
    try {
      return await this.send('POST', `/api/${encodeURIComponent(method)}`, args ?? {}, this.cookie);
    } catch (error) {
      throw this.transportError(error);
    }
  }

  private transportError(error: unknown): ApiError {
    if (error instanceof HubCertificateError) {
      this.certificateChanged(error.message);
      return new ApiError('failed', error.message);
    }
    return new ApiError('failed', `The office hub at ${this.host} is not answering (${describe(error)}).`);
  }

  private async signIn(): Promise<void> {
    if (this.password === null) throw this.needSignIn();
    let answer: Answer;
    try {
      answer = await this.send('POST', '/auth/sign-in', { name: this.options.name, password: this.password }, null);
    } catch (error) {
      throw this.transportError(error);
    }
    const body = safeParse(answer.text) as ({ user?: SignedInUser } & Partial<ApiErrorBody>) | null;
    if (answer.status !== 200 || !body?.user) {
      const reason = body?.error ?? `HTTP ${answer.status}`;
      if (answer.status === 401 || answer.status === 429) throw new ApiError('unauthorized', `The office hub refused the sign-in: ${reason}`);
      if (answer.status === 404) throw new ApiError('bad-request', `${this.host} does not offer sign-in: is it an office hub (serve with accounts)?`);
      throw new ApiError(body?.code ?? 'failed', `The office hub refused the sign-in: ${reason}`);
    }
    const cookie = answer.setCookie.map((line) => line.split(';')[0]!).find((pair) => pair.startsWith('callaider_session_'));
    if (!cookie) throw new ApiError('failed', `${this.host} signed in without a session cookie: is it an office hub?`);
    this.cookie = cookie;
    this.user = body.user;
  }

  /** After a 401: sign in again with a remembered password (once at a time), or ask the person. */
  private async recoverSession(): Promise<void> {
    if (!this.options.remember || this.password === null) throw this.needSignIn();
    this.signingIn ??= this.signIn().finally(() => (this.signingIn = null));
    try {
      await this.signingIn;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'unauthorized') throw this.needSignIn(error.message);
      throw error;
    }
  }

  private needSignIn(reason?: string): ApiError {
    const message = reason ? `${reason}. ${SIGN_IN_AGAIN}` : SIGN_IN_AGAIN;
    if (this.current.kind !== 'closed') {
      this.stopStream();
      this.setState({ kind: 'sign-in-needed', message });
    }
    return new ApiError('unauthorized', message);
  }

  private certificateChanged(message: string): void {
    if (this.current.kind === 'closed') return;
    this.stopStream();
    this.setState({ kind: 'certificate-changed', message });
  }

  private stopStream(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.stream?.destroy();
    this.stream = null;
  }

  // ---- the live stream ---------------------------------------------------------------------

  private openStream(): void {
    if (this.current.kind === 'closed' || this.current.kind === 'sign-in-needed' || this.current.kind === 'certificate-changed') return;
    const silenceMs = this.options.silenceMs ?? 40_000;
    let settled = false;
    let watchdog: ReturnType<typeof setTimeout> | null = null;
    const req = request(this.requestOptions('GET', '/api/events', this.cookie, null));
    const dropped = (why: string) => {
      if (watchdog) clearTimeout(watchdog);
      if (settled) return;
      settled = true;
      if (this.stream === handle) this.stream = null;
      req.destroy();
      this.streamDropped(why);
    };
    const handle = { destroy: () => ((settled = true), watchdog && clearTimeout(watchdog), req.destroy()) };
    this.stream = handle;
    const feed = () => {
      if (watchdog) clearTimeout(watchdog);
      watchdog = setTimeout(() => dropped(`no word from the hub for ${Math.round(silenceMs / 1000)} s`), silenceMs);
    };
    feed();
    req.on('response', (res: IncomingMessage) => {
      if (res.statusCode === 401) {
        res.resume();
        settled = true;
        if (watchdog) clearTimeout(watchdog);
        if (this.stream === handle) this.stream = null;
        req.destroy();
        this.recoverSession().then(
          () => this.openStream(),
          (error: unknown) => {
            if (!(error instanceof ApiError && error.code === 'unauthorized')) this.streamDropped(describe(error));
          },
        );
        return;
      }
      if (res.statusCode !== 200) {
        res.resume();
        dropped(`the live stream answered HTTP ${res.statusCode}`);
        return;
      }
      const reconnected = this.current.kind !== 'connected';
      this.attempts = 0;
      this.setState({ kind: 'connected', since: this.now(), user: this.user! });
      // Changes made while the stream was down are unknown: the window reads everything again.
      if (reconnected) {
        this.emit('change', { type: 'sessions-changed' });
        this.emit('change', { type: 'status' });
      }
      const parser = new EventStreamParser((data) => {
        const change = safeParse(data) as ArchiveChange | null;
        if (change && typeof change === 'object' && typeof change.type === 'string') this.emit('change', change);
      });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        feed();
        parser.push(chunk);
      });
      res.on('end', () => dropped('the hub ended the live stream'));
      res.on('error', (error) => dropped(describe(error)));
    });
    req.on('error', (error) => {
      if (error instanceof HubCertificateError) {
        settled = true;
        if (watchdog) clearTimeout(watchdog);
        this.certificateChanged(error.message);
        return;
      }
      dropped(describe(error));
    });
    req.end();
  }

  private streamDropped(why: string): void {
    if (this.current.kind === 'closed' || this.current.kind === 'sign-in-needed' || this.current.kind === 'certificate-changed') return;
    const retry = this.options.retry ?? { firstMs: 1_000, maxMs: 30_000 };
    // A stream that was up gets one immediate try (the hub ends streams at sign-out and expiry,
    // which the reconnect's 401 sorts out); only a failed attempt makes the hub "unreachable".
    const wasUp = this.current.kind === 'connected';
    if (!wasUp || this.attempts > 0) {
      const since = this.current.kind === 'unreachable' ? this.current.since : this.now();
      this.setState({ kind: 'unreachable', since, message: `The office hub at ${this.host} is unreachable (${why}).` });
    }
    const delay = wasUp && this.attempts === 0 ? 0 : Math.min(retry.maxMs, retry.firstMs * 2 ** Math.max(0, this.attempts - 1));
    this.attempts += 1;
    this.log.warn(`office hub ${this.host}: ${why}; trying again in ${Math.round(delay / 1000)} s`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.openStream();
    }, delay);
    this.retryTimer.unref?.();
  }

  private setState(state: HubState): void {
    this.current = state;
    this.emit('state', state);
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  private requestOptions(method: 'GET' | 'POST', path: string, cookie: string | null, body: string | null) {
    const url = this.options.url;
    return {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 443),
      path,
      method,
      agent: this.agent,
      headers: {
        accept: method === 'GET' ? 'text/event-stream' : 'application/json',
        ...(body !== null ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}),
        ...(cookie ? { cookie } : {}),
      },
    };
  }

  private send(method: 'GET' | 'POST', path: string, payload: unknown, cookie: string | null): Promise<Answer> {
    const body = JSON.stringify(payload);
    const timeoutMs = this.options.requestTimeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const req = request(this.requestOptions(method, path, cookie, body), (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), setCookie: res.headers['set-cookie'] ?? [] }));
        res.on('error', reject);
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}

/**
 * Before the first connection: what certificate the hub presents, and whether it needs the
 * person's confirmation (self-signed) or not (the system trusts it).
 */
export async function inspectHub(url: URL): Promise<{ fingerprint: string; trustedBySystem: boolean }> {
  try {
    return await probeCertificate(url);
  } catch (error) {
    throw new ApiError('failed', `Cannot reach ${url.host} (${describe(error)}). Check the address, and that the hub's serve is running.`);
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: string }).code;
    return code && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
