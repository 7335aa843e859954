/**
 * The engine: the archive, the webhook listener and (optionally) a tunnel, started and stopped
 * in the right order. Hosts (the CLI's `serve`, the Electron main process) create one Engine and
 * listen to its events; they never reach into the parts.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { Archive } from './archive/archive.js';
import type { EngineConfig } from './config.js';
import { EngineLock } from './engine-lock.js';
import { silentLogger, type Logger } from './log.js';
import { archivePath } from './paths.js';
import { createReceiver, WEBHOOK_PATH, type IngestedEvent } from './receiver.js';
import { createNgrokAdapter } from './tunnel/ngrok.js';
import type { Tunnel, TunnelAdapter } from './tunnel/tunnel.js';

export interface EngineEvents {
  ingested: [IngestedEvent];
  /** A request was recorded in the delivery log. */
  delivery: [];
}

export interface EngineDeps {
  log?: Logger;
  /** Replaces the ngrok adapter (tests, other tunnel providers). */
  tunnelAdapter?: TunnelAdapter;
  /** better-sqlite3 native binding built for Electron's ABI. */
  nativeBinding?: string;
}

export class PortInUseError extends Error {}

export class Engine extends EventEmitter<EngineEvents> {
  private constructor(
    readonly config: EngineConfig,
    readonly archive: Archive,
    private readonly receiver: FastifyInstance,
    private readonly lock: EngineLock,
    private readonly log: Logger,
    /** The local webhook URL, e.g. http://127.0.0.1:4318/webhook */
    readonly localWebhookUrl: string,
    private tunnel: Tunnel | null,
  ) {
    super();
  }

  get tunnelStatus(): { state: 'off' | 'connecting' | 'online' | 'error'; error: string | null } {
    if (this.config.tunnel === 'none') return { state: 'off', error: null };
    return this.tunnel ? { state: 'online', error: null } : { state: 'error', error: 'the tunnel is closed' };
  }

  /** The URL to paste into CallAIder's webhookUrl, when one is known. */
  get publicWebhookUrl(): string | null {
    if (this.tunnel) return `${this.tunnel.url}${WEBHOOK_PATH}`;
    if (this.config.publicUrl) return `${this.config.publicUrl}${WEBHOOK_PATH}`;
    return null;
  }

  static async start(config: EngineConfig, deps: EngineDeps = {}): Promise<Engine> {
    const log = deps.log ?? silentLogger;
    mkdirSync(config.dataDir, { recursive: true });
    const lock = EngineLock.acquire(config.dataDir, { pid: process.pid, startedAt: new Date().toISOString() });
    let archive: Archive | null = null;
    let receiver: FastifyInstance | null = null;
    try {
      archive = Archive.open(archivePath(config.dataDir), { nativeBinding: deps.nativeBinding });
      let engine: Engine | null = null;
      receiver = createReceiver({
        archive,
        secret: config.secret,
        previousSecret: config.previousSecret,
        requiredHeader: config.requiredHeader,
        bodyLimit: config.bodyLimit,
        requestTimeoutMs: config.requestTimeoutMs,
        log,
        onIngested: (event) => engine?.emit('ingested', event),
        onDelivery: () => engine?.emit('delivery'),
      });
      const address = await listen(receiver, config.host, config.port);
      const localWebhookUrl = `http://${formatHost(address.host)}:${address.port}${WEBHOOK_PATH}`;
      lock.describe({ pid: process.pid, startedAt: new Date().toISOString(), webhook: localWebhookUrl });

      let tunnel: Tunnel | null = null;
      if (config.tunnel === 'ngrok') {
        const adapter = deps.tunnelAdapter ?? createNgrokAdapter({ authtoken: config.ngrokAuthtoken, domain: config.ngrokDomain });
        tunnel = await adapter.open({ host: address.host, port: address.port });
        log.info(`tunnel open: ${tunnel.url} -> ${address.host}:${address.port}`);
      }
      engine = new Engine(config, archive, receiver, lock, log, localWebhookUrl, tunnel);
      if (!config.secret) {
        log.warn('no webhook secret configured: unsigned events are accepted from anyone who can reach the webhook URL');
      }
      log.info(`receiving CallAIder webhooks on ${localWebhookUrl}; archive ${archivePath(config.dataDir)}`);
      return engine;
    } catch (error) {
      await receiver?.close().catch(() => undefined);
      await archive?.close().catch(() => undefined);
      lock.release();
      throw error;
    }
  }

  /** Stops taking requests, lets in-flight ones finish and commit, then closes the archive. */
  async stop(): Promise<void> {
    await this.tunnel?.close().catch((error: unknown) => this.log.warn(`closing the tunnel: ${String(error)}`));
    this.tunnel = null;
    await this.receiver.close();
    await this.archive.close();
    this.lock.release();
    this.log.info('engine stopped; archive closed cleanly');
  }
}

async function listen(app: FastifyInstance, host: string, port: number): Promise<{ host: string; port: number }> {
  try {
    await app.listen({ host, port });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE') {
      throw new PortInUseError(`port ${port} on ${host} is already in use (another engine, or another program); choose one with --port`);
    }
    if (code === 'EADDRNOTAVAIL' || code === 'EACCES') {
      throw new PortInUseError(`cannot listen on ${host}:${port} (${code}); check --host and --port`);
    }
    throw error;
  }
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the webhook listener has no TCP address');
  return { host: address.address, port: address.port };
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
