/**
 * What the IPC handlers talk to in the desktop app. With an engine running it is the engine's
 * ArchiveService. Without one (it failed to start: port taken, archive locked; or start-up waits
 * for the keychain) the window must still open and let the owner fix the cause, so status says
 * what failed, getSettings and updateSettings work as soon as the settings are loaded (the update
 * is what retries the engine), and every other call answers with a clear error.
 */
import { z } from 'zod';
import { ARCHIVE_API, isArchiveMethod, type ArchiveChange, type ArchiveStatus } from '../../shared/api.js';
import { ApiError, type ArchiveService, type SettingsHost } from '../core/archive-service.js';

export interface DesktopServiceDeps {
  /** The running engine's service, or null while there is no engine. */
  running: () => ArchiveService | null;
  /** The editable settings, or null until they are loaded. */
  settings: () => SettingsHost | null;
  /** The status to show while there is no engine (with a 'not-running' warning saying why). */
  standbyStatus: () => ArchiveStatus;
}

export class DesktopService {
  private readonly listeners = new Set<(change: ArchiveChange) => void>();
  private forwarding: { service: ArchiveService; stop: () => void } | null = null;

  constructor(private readonly deps: DesktopServiceDeps) {}

  async answer(method: string, rawArgs: unknown): Promise<unknown> {
    this.follow();
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
