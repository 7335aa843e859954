/** An in-memory ArchiveApi for component tests: the components are real, the archive behind them is a stub. */
import type { ArchiveApi, ArchiveChange, SessionSummary } from '../../shared/api';
import { status } from '../support/archive-status.js';

export { status };

export function session(i: number, overrides: Partial<SessionSummary> = {}): SessionSummary {
  return {
    sessionId: `session-${i}`,
    assistantId: '101',
    status: 'ended',
    stale: false,
    startedAt: new Date(Date.UTC(2026, 4, 28, 12, 0, 0) - i * 60_000).toISOString(),
    endedAt: new Date(Date.UTC(2026, 4, 28, 12, 1, 0) - i * 60_000).toISOString(),
    sortAt: Date.UTC(2026, 4, 28, 12, 0, 0) - i * 60_000,
    durationSeconds: 60,
    reason: 'user_ended',
    mode: 'voice',
    firstUserLine: `Caller line ${i}`,
    messageCount: 4,
    toolCallCount: 0,
    toolErrorCount: 0,
    fileCount: 0,
    ...overrides,
  };
}

export function fakeApi(overrides: Partial<ArchiveApi> = {}): ArchiveApi & { emit(change: ArchiveChange): void } {
  const listeners = new Set<(change: ArchiveChange) => void>();
  const notImplemented = (name: string) => () => Promise.reject(new Error(`${name} not used in this test`));
  const api = {
    status: () => Promise.resolve(status()),
    facets: () => Promise.resolve({ reasons: ['user_ended'], assistants: ['101'], oldestSortAt: null, newestSortAt: null }),
    listSessions: () => Promise.resolve({ items: [], nextCursor: null, total: 0 }),
    getSession: notImplemented('getSession'),
    getMessages: notImplemented('getMessages'),
    exportSession: notImplemented('exportSession'),
    deleteSession: notImplemented('deleteSession'),
    listDeliveries: () => Promise.resolve({ items: [], nextBeforeId: null }),
    getDelivery: notImplemented('getDelivery'),
    reverifyQuarantine: notImplemented('reverifyQuarantine'),
    revealSecret: () => Promise.resolve({ secret: 'the-secret' }),
    sendTestEvent: notImplemented('sendTestEvent'),
    loadDemoData: notImplemented('loadDemoData'),
    getSettings: () =>
      Promise.resolve({
        settings: { port: 4318, tunnel: 'ngrok', ngrokDomain: null, publicUrl: null, requiredHeaderName: null, notifyOnEnded: true, notifyOnStarted: false, notificationsPaused: false, startAtLogin: false, staleAfterMinutes: 120 },
        secretsSet: { webhookSecret: true, previousSecret: false, ngrokAuthtoken: false, requiredHeaderValue: false },
        secretProtection: { kind: 'os', warning: null },
        dataDir: '/data',
        editable: true,
      }),
    updateSettings: notImplemented('updateSettings'),
    subscribe: (listener: (change: ArchiveChange) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit: (change: ArchiveChange) => listeners.forEach((l) => l(change)),
    ...overrides,
  } as ArchiveApi & { emit(change: ArchiveChange): void };
  return api;
}
