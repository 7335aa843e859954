/**
 * Whether the desktop app shows its own archive or an office hub's, and the hub connection itself:
 * connecting (trust on first use of a self-signed certificate), the saved choice across restarts,
 * signing in again, and disconnecting. The Electron layer only asks it and follows its events.
 */
import { EventEmitter } from 'node:events';
import type { ArchiveChange } from '../../../shared/api.js';
import type { ConnectHubResult, HubView } from '../../../shared/hub.js';
import { ApiError } from '../archive-service.js';
import type { JsonText } from '../json-text.js';
import { silentLogger, type Logger } from '../log.js';
import type { SecretCodec } from '../settings-store.js';
import { HubClient, inspectHub, parseHubUrl, SIGN_IN_AGAIN, type HubClientOptions, type HubState } from './hub-client.js';
import { HubConnectionFile, type SavedHub } from './hub-connection-file.js';

export interface HubLinkOptions {
  dataDir: string;
  codec: SecretCodec;
  log?: Logger;
  /** For tests: the client's waits. */
  client?: Pick<HubClientOptions, 'retry' | 'silenceMs'>;
  /** Waits between attempts to sign in at start-up while the hub is unreachable. */
  startRetryMs?: number[];
}

export interface ConnectRequest {
  url: string;
  name: string;
  password: string;
  remember: boolean;
  fingerprint: string | null;
}

interface HubLinkEvents {
  /** The connection changed (connected, unreachable, sign in again, or back to local). */
  state: [HubView];
  change: [ArchiveChange];
}

export class HubLink extends EventEmitter<HubLinkEvents> {
  private readonly file: HubConnectionFile;
  private readonly log: Logger;
  private saved: SavedHub | null = null;
  private client: HubClient | null = null;
  /** While there is no client: why (unreachable at start-up, or the password is not remembered). */
  private pending: { state: 'unreachable' | 'sign-in-needed' | 'certificate-changed'; since: number | null; message: string } | null = null;
  private startRetry: ReturnType<typeof setTimeout> | null = null;
  private startAttempts = 0;

  constructor(private readonly options: HubLinkOptions) {
    super();
    this.file = new HubConnectionFile(options.dataDir, options.codec);
    this.log = options.log ?? silentLogger;
  }

  /** Connected (or trying to be) to a hub, rather than keeping this computer's own archive. */
  get active(): boolean {
    return this.saved !== null;
  }

  /** At start-up: the saved choice. True when the app should show the hub and not start its engine. */
  async resume(): Promise<boolean> {
    this.saved = await this.file.load();
    if (!this.saved) return false;
    if (this.saved.password === null) {
      this.pending = { state: 'sign-in-needed', since: null, message: SIGN_IN_AGAIN };
      this.changed();
      return true;
    }
    await this.resumeSignIn();
    return true;
  }

  private async resumeSignIn(): Promise<void> {
    const saved = this.saved;
    if (!saved || saved.password === null) return;
    try {
      await this.open(saved, saved.password);
      this.pending = null;
      this.startAttempts = 0;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof ApiError && error.code === 'unauthorized') {
        this.pending = { state: 'sign-in-needed', since: null, message };
      } else if (/different certificate/.test(message)) {
        this.pending = { state: 'certificate-changed', since: null, message };
      } else {
        this.pending = { state: 'unreachable', since: this.pending?.since ?? Date.now(), message };
        const waits = this.options.startRetryMs ?? [1_000, 5_000, 15_000, 30_000];
        const wait = waits[Math.min(this.startAttempts, waits.length - 1)]!;
        this.startAttempts += 1;
        this.startRetry = setTimeout(() => {
          this.startRetry = null;
          void this.resumeSignIn();
        }, wait);
        this.startRetry.unref?.();
      }
      this.log.warn(`office hub: ${message}`);
      this.changed();
    }
  }

  view(): HubView {
    const saved = this.saved;
    if (!saved) return { mode: 'local', url: null, name: null, remember: false, fingerprint: null, state: null, since: null, message: null, user: null };
    const base = { mode: 'hub' as const, url: saved.url, name: saved.name, remember: saved.remember, fingerprint: saved.fingerprint };
    if (!this.client || this.client.state.kind === 'closed') {
      const pending = this.pending ?? { state: 'unreachable' as const, since: null, message: 'Connecting…' };
      return { ...base, state: pending.state, since: pending.since, message: pending.message, user: null };
    }
    return { ...base, ...describeState(this.client.state), user: this.client.state.kind === 'connected' || this.client.state.kind === 'connecting' ? this.client.signedIn : null };
  }

  /**
   * Connects, or signs in again. A self-signed hub first answers with the fingerprint it presents,
   * to be compared with the one its serve banner printed and sent back confirmed.
   */
  async connect(request: ConnectRequest): Promise<ConnectHubResult> {
    const url = parseHubUrl(request.url);
    const seen = await inspectHub(url);
    let fingerprint: string | null = null;
    if (!seen.trustedBySystem) {
      if (!request.fingerprint) return { outcome: 'confirm-fingerprint', fingerprint: seen.fingerprint, hub: this.view() };
      if (request.fingerprint.toUpperCase() !== seen.fingerprint.toUpperCase()) {
        throw new ApiError(
          'bad-request',
          `The hub presents the certificate SHA-256 ${seen.fingerprint}, not the one confirmed (${request.fingerprint}). Compare it with the fingerprint the hub's serve banner prints; do not connect if they differ.`,
        );
      }
      fingerprint = seen.fingerprint;
    }
    const saved: SavedHub = { url: url.origin, name: request.name, remember: request.remember, fingerprint, password: request.remember ? request.password : null };
    await this.open(saved, request.password);
    await this.file.save(saved);
    this.saved = saved;
    this.pending = null;
    this.changed();
    return { outcome: 'connected', hub: this.view() };
  }

  /** Signs out at the hub and forgets it: this computer shows its own archive again. */
  async disconnect(): Promise<HubView> {
    this.stopRetry();
    const client = this.client;
    this.client = null;
    await client?.signOut();
    this.file.clear();
    this.saved = null;
    this.pending = null;
    this.changed();
    return this.view();
  }

  /** A window's call, answered by the hub as the signed-in person. */
  async answer(method: string, args: unknown): Promise<JsonText> {
    if (!this.client || this.client.state.kind === 'closed') throw new ApiError('unauthorized', this.pending?.message ?? SIGN_IN_AGAIN);
    return this.client.answer(method, args);
  }

  async call<T>(method: string, args: unknown): Promise<T> {
    return (await this.answer(method, args)).parse() as T;
  }

  close(): void {
    this.stopRetry();
    this.client?.close();
    this.client = null;
  }

  private async open(saved: SavedHub, password: string): Promise<void> {
    this.stopRetry();
    const client = new HubClient({ url: new URL(saved.url), name: saved.name, password, remember: saved.remember, fingerprint: saved.fingerprint, log: this.log, ...this.options.client });
    client.on('change', (change) => {
      if (this.client === client) this.emit('change', change);
    });
    client.on('state', () => {
      if (this.client === client) this.changed();
    });
    await client.start();
    const previous = this.client;
    this.client = client;
    previous?.close();
  }

  private stopRetry(): void {
    if (this.startRetry) clearTimeout(this.startRetry);
    this.startRetry = null;
  }

  private changed(): void {
    this.emit('state', this.view());
  }
}

function describeState(state: HubState): Pick<HubView, 'state' | 'since' | 'message' | 'user'> {
  switch (state.kind) {
    case 'connecting':
      return { state: 'connecting', since: null, message: null, user: null };
    case 'connected':
      return { state: 'connected', since: state.since, message: null, user: state.user };
    case 'unreachable':
      return { state: 'unreachable', since: state.since, message: state.message, user: null };
    case 'sign-in-needed':
    case 'certificate-changed':
      return { state: state.kind, since: null, message: state.message, user: null };
    case 'closed':
      return { state: null, since: null, message: null, user: null };
  }
}

/** What the tray says about the hub: "Connected to host" or "Hub unreachable since 14:05". */
export function hubTrayLine(view: HubView, formatTime: (at: number) => string): string | null {
  if (view.mode !== 'hub') return null;
  const host = view.url ? new URL(view.url).host : 'the office hub';
  switch (view.state) {
    case 'connected':
      return `Connected to ${host}${view.user ? ` as ${view.user.name}` : ''}`;
    case 'unreachable':
      return view.since ? `Hub unreachable since ${formatTime(view.since)}` : `Hub unreachable`;
    case 'sign-in-needed':
      return `Sign in again to ${host}`;
    case 'certificate-changed':
      return `${host} presented a different certificate: not connected`;
    default:
      return `Connecting to ${host}…`;
  }
}
