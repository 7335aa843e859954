/**
 * The preload (sandboxed, CommonJS): exposes `window.archiveBridge`, a two-function bridge to the
 * ArchiveApi in the main process. No ipcRenderer reaches the page; only contract methods can be
 * invoked (the list is checked against shared/api.ts by a test), and each call is validated again
 * in the main process.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

const METHODS = [
  'status', 'facets', 'listSessions', 'getSession', 'getMessages', 'exportSession', 'eraseSession', 'listDeliveries',
  'getDelivery', 'reverifyQuarantine', 'revealSecret', 'sendTestEvent', 'loadDemoData', 'getSettings', 'updateSettings',
  'inbox', 'getFollowUp', 'setFollowUp', 'addNote', 'editNote', 'deleteNote', 'listTags', 'saveTag', 'deleteTag', 'tagSession',
  'listRules', 'saveRule', 'deleteRule', 'previewRule', 'getCallerSettings', 'saveCallerSettings', 'getCaller', 'listAlerts',
  'listBackups', 'backupNow',
  'encryptionStatus', 'encryptArchive', 'changeArchiveKey', 'revealArchiveKey', 'useArchiveKey',
  'eraseCaller', 'getRetention', 'setRetention', 'exportBefore', 'overview',
  'whoAmI', 'listAuditLog',
  'listForwardTargets', 'saveForwardTarget', 'deleteForwardTarget', 'pauseForwardTarget', 'resumeForwardTarget',
  'listForwardAttempts', 'resendForward', 'resendForwardPeriod',
  'hubConnection', 'connectHub', 'disconnectHub',
];

const bridge = {
  invoke(method: string, args: unknown): Promise<unknown> {
    if (!METHODS.includes(method)) return Promise.resolve({ ok: false, error: `unknown method "${method}"`, code: 'not-found' });
    return ipcRenderer.invoke(`archive:${method}`, args);
  },
  onChange(listener: (change: unknown) => void): () => void {
    const handler = (_event: IpcRendererEvent, change: unknown) => listener(change);
    ipcRenderer.on('archive:changed', handler);
    return () => {
      ipcRenderer.removeListener('archive:changed', handler);
    };
  },
};

contextBridge.exposeInMainWorld('archiveBridge', bridge);
