/**
 * Keeps the public URL alive: opens the tunnel, reconnects with exponential backoff (with
 * jitter) when it drops or fails, records the periods it was down (so the app can say "you may
 * have missed calls between X and Y"), and after a resume from sleep reconnects and runs a
 * signed self-test through the public URL.
 *
 * Errors a retry cannot fix (no authtoken, a rejected authtoken) stop the retries and say so.
 */
import { EventEmitter } from 'node:events';
import type { TunnelState } from '../../../shared/api.js';
import { TunnelError, type Tunnel, type TunnelAdapter, type TunnelTarget } from './tunnel.js';

export interface TunnelStatus {
  state: TunnelState;
  url: string | null;
  error: string | null;
  /** When the current outage began (epoch ms), or null while online. */
  downSince: number | null;
  attempts: number;
}

export interface OutageRecorder {
  /** A period the public URL did not reach this machine. */
  recordOutage(outage: { startedAt: number; endedAt: number; reason: string | null }): void;
}

export interface TunnelManagerOptions {
  adapter: TunnelAdapter;
  target: TunnelTarget;
  outages?: OutageRecorder;
  /** Sends a signed test delivery to `url` and says whether it was stored. */
  selfTest?: (publicWebhookBase: string) => Promise<{ ok: boolean; message: string }>;
  initialDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export interface TunnelManagerEvents {
  status: [TunnelStatus];
  selfTest: [{ ok: boolean; message: string; at: number }];
}

const PERMANENT = new Set(['missing-authtoken', 'pooling-needs-domain', 'ERR_NGROK_105', 'ERR_NGROK_107']);

export class TunnelManager extends EventEmitter<TunnelManagerEvents> {
  private tunnel: Tunnel | null = null;
  private timer: unknown = null;
  private stopped = false;
  private connecting: Promise<void> | null = null;
  private hadBeenOnline = false;
  private current: TunnelStatus = { state: 'off', url: null, error: null, downSince: null, attempts: 0 };
  private readonly initialDelay: number;
  private readonly maxDelay: number;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(private readonly options: TunnelManagerOptions) {
    super();
    this.initialDelay = options.initialDelayMs ?? 1_000;
    this.maxDelay = options.maxDelayMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms).unref());
    this.clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as NodeJS.Timeout));
  }

  /** Whether a retry is scheduled (false after an error that retrying cannot fix). */
  get willRetry(): boolean {
    return this.timer !== null;
  }

  get status(): TunnelStatus {
    return { ...this.current };
  }

  /** Opens the tunnel; resolves after the first attempt, whatever its outcome (retries continue). */
  async start(): Promise<TunnelStatus> {
    this.stopped = false;
    this.current.downSince ??= this.now();
    await this.connect();
    return this.status;
  }

  /** Call when the tunnel is known to be broken (e.g. the agent reported a disconnect). */
  reportDown(reason: string): void {
    if (this.stopped || this.current.state !== 'online') return;
    this.tunnel?.close().catch(() => undefined);
    this.tunnel = null;
    this.update({ state: 'error', url: null, error: reason, downSince: this.now() });
    this.scheduleRetry();
  }

  /** After a resume from sleep: reconnect, then prove the public URL works end to end. */
  async handleResume(): Promise<void> {
    if (this.stopped) return;
    const wasOnline = this.current.state === 'online';
    if (wasOnline) {
      await this.tunnel?.close().catch(() => undefined);
      this.tunnel = null;
      this.update({ state: 'error', url: null, error: 'reconnecting after sleep', downSince: this.now() });
    }
    this.cancelRetry();
    this.current.attempts = 0;
    await this.connect();
    if (this.current.state === 'online' && this.current.url && this.options.selfTest) {
      const result = await this.options.selfTest(this.current.url).catch((error: unknown) => ({ ok: false, message: String(error) }));
      this.emit('selfTest', { ...result, at: this.now() });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelRetry();
    await this.connecting?.catch(() => undefined);
    await this.tunnel?.close().catch(() => undefined);
    this.tunnel = null;
    this.update({ state: 'off', url: null, error: null, downSince: null });
  }

  private connect(): Promise<void> {
    this.connecting ??= this.attempt().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async attempt(): Promise<void> {
    this.update({ state: 'connecting', attempts: this.current.attempts + 1 });
    try {
      const tunnel = await this.options.adapter.open(this.options.target);
      if (this.stopped) {
        await tunnel.close().catch(() => undefined);
        return;
      }
      this.tunnel = tunnel;
      const downSince = this.current.downSince;
      // A first connection that works at once is no outage; anything else was time CallAIder could not reach us.
      if (downSince !== null && (this.hadBeenOnline || this.current.attempts > 1)) {
        this.options.outages?.recordOutage({ startedAt: downSince, endedAt: this.now(), reason: this.current.error });
      }
      this.hadBeenOnline = true;
      this.update({ state: 'online', url: tunnel.url, error: null, downSince: null, attempts: 0 });
    } catch (error) {
      const explained = error instanceof TunnelError ? error : new TunnelError(error instanceof Error ? error.message : String(error));
      this.update({ state: 'error', url: null, error: explained.message, downSince: this.current.downSince ?? this.now() });
      if (!PERMANENT.has(explained.code ?? '')) this.scheduleRetry();
    }
  }

  /** 1 s, 2 s, 4 s … up to maxDelay, each with ±20 % jitter so many agents do not retry in step. */
  nextDelayMs(): number {
    const exponent = Math.max(0, this.current.attempts - 1);
    const base = Math.min(this.maxDelay, this.initialDelay * 2 ** exponent);
    const jitter = 1 + ((this.options.random ?? Math.random)() * 0.4 - 0.2);
    return Math.round(Math.min(this.maxDelay, base * jitter));
  }

  private scheduleRetry(): void {
    if (this.stopped || this.timer !== null) return;
    this.timer = this.setTimer(() => {
      this.timer = null;
      void this.connect();
    }, this.nextDelayMs());
  }

  private cancelRetry(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
  }

  private update(patch: Partial<TunnelStatus>): void {
    this.current = { ...this.current, ...patch };
    this.emit('status', this.status);
  }
}
