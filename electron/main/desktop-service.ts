/**
 * What the IPC handlers talk to in the desktop app. With an engine running it is the engine's
 * ArchiveService. Without one (it failed to start: port taken, archive locked; or start-up waits
 * for the keychain) the window must still open and let the owner fix the cause, so status says
 * what failed, getSettings and updateSettings work as soon as the settings are loaded (the update
 * is what retries the engine), and every other call answers with a clear error.
 *
 * Connected to an office hub, the window's calls go to the hub instead (as the signed-in person,
 * whose role the hub enforces); the hub connection itself and this computer's encryption are
 * still answered here.
 */
import { z } from 'zod';
import { ARCHIVE_API, isArchiveMethod, type ArchiveChange, type ArchiveMethod, type ArchiveResults, type ArchiveStatus } from '../../shared/api.js';
import type { ConnectHubResult, HubView } from '../../shared/hub.js';
import { ApiError, type ArchiveService, type SettingsHost } from '../core/archive-service.js';
import type { ConnectRequest } from '../core/hub/hub-link.js';

export interface DesktopServiceDeps {
  /** The running engine's service, or null while there is no engine. */
  running: () => ArchiveService | null;
  /** The editable settings, or null until they are loaded. */
  settings: () => SettingsHost | null;
  /** The status to show while there is no engine (with a 'not-running' warning saying why). */
  standbyStatus: () => ArchiveStatus;
  /** Encryption at rest: answered here, engine or not (a key change stops and restarts the engine). */
  encryption: EncryptionHost;
  hub: HubHost;
}

/** The office hub connection (electron/core/hub/hub-link.ts, with the engine stopped or started around it). */
export interface HubHost {
  /** Showing a hub's archive rather than this computer's own. */
  active(): boolean;
  view(): HubView;
  connect(request: ConnectRequest): Promise<ConnectHubResult>;
  disconnect(): Promise<HubView>;
  answer(method: string, args: unknown): Promise<unknown>;
}

const HUB_METHODS = new Set<ArchiveMethod>(['hubConnection', 'connectHub', 'disconnectHub']);

export interface EncryptionHost {
  view(): ArchiveResults['encryptionStatus'];
  encrypt(): Promise<ArchiveResults['encryptArchive']>;
  changeKey(): Promise<ArchiveResults['changeArchiveKey']>;
  reveal(): ArchiveResults['revealArchiveKey'];
  useKey(key: string): Promise<ArchiveResults['useArchiveKey']>;
}

const ENCRYPTION_METHODS = new Set<ArchiveMethod>(['encryptionStatus', 'encryptArchive', 'changeArchiveKey', 'revealArchiveKey', 'useArchiveKey']);

export class DesktopService {
  private readonly listeners = new Set<(change: ArchiveChange) => void>();
  private forwarding: { service: ArchiveService; stop: () => void } | null = null;

  constructor(private readonly deps: DesktopServiceDeps) {}

  async answer(method: string, rawArgs: unknown): Promise<unknown> {
    this.follow();
    if (isArchiveMethod(method) && ENCRYPTION_METHODS.has(method)) return this.encryption(method, rawArgs);
    if (isArchiveMethod(method) && HUB_METHODS.has(method)) return this.hubConnection(method, rawArgs);
    if (this.deps.hub.active()) {
      try {
        return await this.deps.hub.answer(method, rawArgs);
      } catch (error) {
        // The window must still open, and Setup say what is wrong with the connection.
        if (method === 'status') return this.deps.standbyStatus();
        throw error;
      }
    }
    const service = this.deps.running();
    if (service) return service.answer(method, rawArgs);
    if (!isArchiveMethod(method)) throw new ApiError('not-found', `unknown method "${method}"`);
    const parsed = ARCHIVE_API[method].safeParse(rawArgs ?? {});
    if (!parsed.success) throw new ApiError('bad-request', `${method}: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
    const status = this.deps.standbyStatus();
    const settings = this.deps.settings();
    switch (method) {
      case 'status':
        return status;
      case 'getSettings':
        if (!settings) throw new ApiError('failed', notRunning(status));
        return settings.view();
      case 'updateSettings':
        if (!settings) throw new ApiError('failed', notRunning(status));
        try {
          return await settings.update(parsed.data as Parameters<SettingsHost['update']>[0]);
        } catch (error) {
          if (error instanceof z.ZodError) throw new ApiError('bad-request', z.prettifyError(error).replace(/\n/g, ' '));
          throw error;
        } finally {
          this.emit({ type: 'status' });
        }
      default:
        throw new ApiError('failed', notRunning(status));
    }
  }

  private async encryption(method: ArchiveMethod, rawArgs: unknown): Promise<unknown> {
    const parsed = ARCHIVE_API[method].safeParse(rawArgs ?? {});
    if (!parsed.success) throw new ApiError('bad-request', `${method}: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
    const host = this.deps.encryption;
    try {
      switch (method) {
        case 'encryptionStatus':
          return host.view();
        case 'encryptArchive':
          return await host.encrypt();
        case 'changeArchiveKey':
          return await host.changeKey();
        case 'revealArchiveKey':
          return host.reveal();
        default:
          return await host.useKey((parsed.data as { key: string }).key);
      }
    } catch (error) {
      // These messages are for the owner (a wrong key, a keychain that is not there): pass them on.
      if (error instanceof ApiError) throw error;
      throw new ApiError('failed', error instanceof Error ? error.message : String(error));
    } finally {
      if (method !== 'encryptionStatus' && method !== 'revealArchiveKey') this.emit({ type: 'status' });
    }
  }

  private async hubConnection(method: ArchiveMethod, rawArgs: unknown): Promise<unknown> {
    const parsed = ARCHIVE_API[method].safeParse(rawArgs ?? {});
    if (!parsed.success) throw new ApiError('bad-request', `${method}: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
    const hub = this.deps.hub;
    try {
      if (method === 'hubConnection') return hub.view();
      if (method === 'connectHub') return await hub.connect(parsed.data as ConnectRequest);
      return await hub.disconnect();
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError('failed', error instanceof Error ? error.message : String(error));
    } finally {
      if (method !== 'hubConnection') {
        this.emit({ type: 'status' });
        this.emit({ type: 'sessions-changed' });
      }
    }
  }

  subscribe(listener: (change: ArchiveChange) => void): () => void {
    this.follow();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells open windows to read the status again (the engine started, stopped or failed). */
  emit(change: ArchiveChange): void {
    this.follow();
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A closed window must not stop the others.
      }
    }
  }

  /** Passes on the changes of the engine's service, whichever one is current. */
  private follow(): void {
    const service = this.deps.running();
    if (this.forwarding?.service === service) return;
    this.forwarding?.stop();
    this.forwarding = service ? { service, stop: service.subscribe((change) => this.emit(change)) } : null;
  }
}

function notRunning(status: ArchiveStatus): string {
  return status.warnings.find((warning) => warning.code === 'not-running')?.message ?? 'The archive is not running.';
}
