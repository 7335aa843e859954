/** An in-memory ArchiveApi for component tests: the components are real, the archive behind them is a stub. */
import type { ArchiveApi, ArchiveChange, SessionSummary } from '../../shared/api';
import { DEFAULT_CALLER_FIELDS, type CallerRef, type FollowUpView, type InboxItem } from '../../shared/follow-up';
import { configure } from '@testing-library/dom';
import { status } from '../support/archive-status.js';

// findBy* gives up after 1 s by default: on a shared 2-core machine running the whole suite, a
// first render with lazy chunks can take longer than that, which failed contact-privacy once.
configure({ asyncUtilTimeout: 10_000 });

export { status };

const BASE = Date.UTC(2026, 4, 28, 12, 0, 0);

export function session(i: number, overrides: Partial<SessionSummary> = {}): SessionSummary {
  return {
    sessionId: `session-${i}`,
    assistantId: '101',
    status: 'ended',
    stale: false,
    startedAt: new Date(BASE - i * 60_000).toISOString(),
    endedAt: new Date(BASE + 60_000 - i * 60_000).toISOString(),
    sortAt: BASE - i * 60_000,
    durationSeconds: 60,
    reason: 'user_ended',
    mode: 'voice',
    firstUserLine: `Caller line ${i}`,
    messageCount: 4,
    toolCallCount: 0,
    toolErrorCount: 0,
    fileCount: 0,
    followUpState: 'open',
    priority: null,
    snoozedUntil: null,
    tags: [],
    caller: null,
    ...overrides,
  };
}

export function caller(overrides: Partial<CallerRef> = {}): CallerRef {
  return { key: 'tel:+15550100', label: '+1 555-0100', kind: 'phone', calls7d: 1, calls30d: 1, ...overrides };
}

export function inboxItem(i: number, overrides: Partial<InboxItem> = {}): InboxItem {
  return {
    sessionId: `session-${i}`,
    state: 'follow-up',
    priority: 'normal',
    reasons: [{ ruleId: 'tool-failed', text: `Booking failed: upstream timeout ${i}`, priority: 'normal' }],
    sortAt: BASE - i * 60_000,
    snoozedUntil: null,
    mode: 'voice',
    durationSeconds: 60,
    firstUserLine: `Caller line ${i}`,
    caller: null,
    tags: [],
    noteCount: 0,
    ...overrides,
  };
}

export function followUp(sessionId: string, overrides: Partial<FollowUpView> = {}): FollowUpView {
  return {
    sessionId,
    state: 'follow-up',
    priority: 'normal',
    snoozedUntil: null,
    reasons: [{ ruleId: 'tool-failed', text: 'Booking failed: upstream timeout', priority: 'normal' }],
    changedBy: 'rules',
    changedAt: BASE,
    version: 1,
    notes: [],
    tags: [],
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
    eraseSession: notImplemented('eraseSession'),
    eraseCaller: notImplemented('eraseCaller'),
    getRetention: () => Promise.resolve({ period: 'off', preview: { period: 'off', cutoff: null, sessions: 0, oldestKeptAt: null }, erasures: [], erasureCount: 0 }),
    setRetention: notImplemented('setRetention'),
    exportBefore: notImplemented('exportBefore'),
    listDeliveries: () => Promise.resolve({ items: [], nextBeforeId: null }),
    getDelivery: notImplemented('getDelivery'),
    reverifyQuarantine: notImplemented('reverifyQuarantine'),
    revealSecret: () => Promise.resolve({ secret: 'the-secret' }),
    sendTestEvent: notImplemented('sendTestEvent'),
    loadDemoData: notImplemented('loadDemoData'),
    getSettings: () =>
      Promise.resolve({
        settings: {
          port: 4318,
          tunnel: 'ngrok',
          ngrokDomain: null,
          publicUrl: null,
          requiredHeaderName: null,
          notifyCalls: 'all',
          notifyOnStarted: false,
          dailySummaryAt: '08:30',
          quietAlerts: true,
          notificationsPaused: false,
          startAtLogin: false,
          staleAfterMinutes: 120,
          backupsFolder: null,
        },
        secretsSet: { webhookSecret: true, previousSecret: false, ngrokAuthtoken: false, requiredHeaderValue: false },
        secretProtection: { kind: 'os', warning: null },
        dataDir: '/data',
        editable: true,
      }),
    updateSettings: notImplemented('updateSettings'),
    inbox: () => Promise.resolve({ items: [], nextCursor: null, total: 0 }),
    getFollowUp: ({ sessionId }: { sessionId: string }) => Promise.resolve(followUp(sessionId, { state: 'open', priority: null, reasons: [], changedBy: null, changedAt: null, version: 0 })),
    setFollowUp: notImplemented('setFollowUp'),
    addNote: notImplemented('addNote'),
    editNote: notImplemented('editNote'),
    deleteNote: notImplemented('deleteNote'),
    listTags: () => Promise.resolve({ tags: [] }),
    saveTag: notImplemented('saveTag'),
    deleteTag: notImplemented('deleteTag'),
    tagSession: notImplemented('tagSession'),
    listRules: () => Promise.resolve({ rules: [], progress: null }),
    saveRule: notImplemented('saveRule'),
    deleteRule: notImplemented('deleteRule'),
    previewRule: notImplemented('previewRule'),
    getCallerSettings: () => Promise.resolve({ fields: DEFAULT_CALLER_FIELDS, defaultCountry: null, resolvedCountry: 'US' }),
    saveCallerSettings: notImplemented('saveCallerSettings'),
    getCaller: notImplemented('getCaller'),
    listAlerts: () => Promise.resolve({ alerts: [] }),
    listBackups: () => Promise.resolve({ folder: '/data/backups', backups: [] }),
    backupNow: notImplemented('backupNow'),
    encryptionStatus: () => Promise.resolve({ encrypted: false, keySource: null, editable: false, unavailable: null, plaintextBackups: 0, problem: null }),
    encryptArchive: notImplemented('encryptArchive'),
    changeArchiveKey: notImplemented('changeArchiveKey'),
    revealArchiveKey: notImplemented('revealArchiveKey'),
    useArchiveKey: notImplemented('useArchiveKey'),
    whoAmI: () => Promise.resolve({ user: null }),
    listAuditLog: () => Promise.resolve({ items: [], nextBeforeId: null }),
    listForwardTargets: () => Promise.resolve({ targets: [], counts: { targets: 0, paused: 0, failing: 0, queued: 0, gaveUp: 0 } }),
    saveForwardTarget: notImplemented('saveForwardTarget'),
    deleteForwardTarget: notImplemented('deleteForwardTarget'),
    pauseForwardTarget: notImplemented('pauseForwardTarget'),
    resumeForwardTarget: notImplemented('resumeForwardTarget'),
    listForwardAttempts: () => Promise.resolve({ attempts: [], nextBeforeId: null }),
    resendForward: notImplemented('resendForward'),
    resendForwardPeriod: notImplemented('resendForwardPeriod'),
    hubConnection: () => Promise.resolve({ mode: 'local', url: null, name: null, remember: false, fingerprint: null, state: null, since: null, message: null, user: null }),
    connectHub: notImplemented('connectHub'),
    disconnectHub: notImplemented('disconnectHub'),
    subscribe: (listener: (change: ArchiveChange) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit: (change: ArchiveChange) => listeners.forEach((l) => l(change)),
    ...overrides,
  } as ArchiveApi & { emit(change: ArchiveChange): void };
  return api;
}
