/**
 * The ArchiveApi over IPC: one handler per contract method ("archive:<method>"). Every call is
 * checked twice: the sender must be the archive window's own page (not a navigated-away or
 * embedded frame), and the arguments must pass the shared schema (ArchiveService.call does that).
 * Errors cross the bridge as data, so the renderer sees the same messages as over HTTP.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { ARCHIVE_METHODS, type ArchiveChange } from '../../shared/api.js';
import { ApiError, type ArchiveService } from '../core/archive-service.js';
import { JsonText } from '../core/json-text.js';
import { originOf } from './origin.js';

export const CHANGE_CHANNEL = 'archive:changed';

/** `json`: the result as JSON text made on the archive's reader thread; the renderer parses it. */
export type IpcResult = { ok: true; value: unknown } | { ok: true; json: string } | { ok: false; error: string; code: string };

export interface IpcDeps {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  service: Pick<ArchiveService, 'answer' | 'subscribe'>;
  /** The page origin the archive window loads from, e.g. "app://archive". */
  trustedOrigin: string;
  /** Windows that receive live changes. */
  windows: () => Array<{ webContents: Pick<WebContents, 'send' | 'isDestroyed'> }>;
  log?: (message: string) => void;
}

export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>, trustedOrigin: string): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false; // only the top frame of the window
  return originOf(frame.url) === trustedOrigin;
}

/** Registers the handlers; returns a function that removes them and the change subscription. */
export function registerArchiveIpc(deps: IpcDeps): () => void {
  for (const method of ARCHIVE_METHODS) {
    deps.ipcMain.handle(`archive:${method}`, async (event, args: unknown): Promise<IpcResult> => {
      if (!isTrustedSender(event, deps.trustedOrigin)) {
        deps.log?.(`refused archive:${method} from ${event.senderFrame?.url ?? 'an unknown frame'}`);
        return { ok: false, error: 'refused: this page may not use the archive', code: 'unauthorized' };
      }
      try {
        const answer = await deps.service.answer(method, args);
        return answer instanceof JsonText ? { ok: true, json: answer.text } : { ok: true, value: answer };
      } catch (error) {
        if (error instanceof ApiError) return { ok: false, error: error.message, code: error.code };
        deps.log?.(`archive:${method} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        return { ok: false, error: 'the archive could not answer; see the log', code: 'failed' };
      }
    });
  }
  const unsubscribe = deps.service.subscribe((change: ArchiveChange) => {
    for (const window of deps.windows()) {
      if (!window.webContents.isDestroyed()) window.webContents.send(CHANGE_CHANNEL, change);
    }
  });
  return () => {
    unsubscribe();
    for (const method of ARCHIVE_METHODS) deps.ipcMain.removeHandler(`archive:${method}`);
  };
}
