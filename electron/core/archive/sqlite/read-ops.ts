/** The store's read operations over one read-only connection: what the reader thread serves. */
import type { StoreReads } from '../store.js';
import type { ReadableDB } from './database.js';
import { getDelivery, listDeliveries, listQuarantine } from './reads/deliveries.js';
import { getCaller } from './reads/callers.js';
import { exportSessions } from './reads/export.js';
import { callerSettings, followUpCounts, getFollowUp, listRules, listTags, triagePending } from './reads/follow-ups.js';
import { flaggedCalls } from './reads/flagged-calls.js';
import { inbox } from './reads/inbox.js';
import { overview } from './reads/overview.js';
import { activityProfile, periodSummary } from './reads/insights.js';
import { previewRule } from './reads/rule-preview.js';
import { getFacets, getMessages, getSession, listSessions } from './reads/sessions.js';
import { backupTo } from './backup.js';
import { counts, recentOutages, storedEvents } from './reads/status.js';
import { retention } from './reads/retention.js';
import { auditLog, listUsers, signInLinkUser, signInSession, userCredentials } from './reads/accounts.js';
import { forwardAttempts, forwardCounts, forwardTargets } from './reads/forwarding.js';

/** StoreReads, answering synchronously on the connection's own thread (a backup copies in steps: a promise). */
export type SyncReads = { [K in Exclude<keyof StoreReads, 'backupTo'>]: (...args: Parameters<StoreReads[K]>) => Awaited<ReturnType<StoreReads[K]>> } & Pick<StoreReads, 'backupTo'>;

export function sqliteReads(db: ReadableDB): SyncReads {
  return {
    counts: (options) => counts(db, options),
    recentOutages: (options) => recentOutages(db, options),
    facets: () => getFacets(db),
    listSessions: (options) => listSessions(db, options),
    getSession: (sessionId, staleAfterMs) => getSession(db, sessionId, staleAfterMs),
    getMessages: (sessionId, offset, limit) => getMessages(db, sessionId, offset, limit),
    listDeliveries: (options) => listDeliveries(db, options),
    getDelivery: (id) => getDelivery(db, id),
    listQuarantine: (options) => listQuarantine(db, options),
    storedEvents: (sessionId) => storedEvents(db, sessionId),
    exportSessions: (options) => exportSessions(db, options),
    getFollowUp: (sessionId) => getFollowUp(db, sessionId),
    flaggedCalls: (sessionIds) => flaggedCalls(db, sessionIds, Date.now()),
    inbox: (options) => inbox(db, options),
    followUpCounts: (now) => followUpCounts(db, now),
    listTags: () => listTags(db),
    listRules: () => listRules(db),
    triagePending: () => triagePending(db),
    callerSettings: () => callerSettings(db),
    previewRule: (rule, options) => previewRule(db, rule, options),
    getCaller: (key, options) => getCaller(db, key, options),
    periodSummary: (options) => periodSummary(db, options),
    activityProfile: (options) => activityProfile(db, options),
    overview: (options) => overview(db, options),
    backupTo: (file) => backupTo(db, file),
    retention: (options) => retention(db, options),
    listUsers: () => listUsers(db),
    userCredentials: (name) => userCredentials(db, name),
    signInLinkUser: (options) => signInLinkUser(db, options),
    signInSession: (options) => signInSession(db, options),
    auditLog: (options) => auditLog(db, options),
    forwardTargets: () => forwardTargets(db),
    forwardAttempts: (query) => forwardAttempts(db, query),
    forwardCounts: () => forwardCounts(db),
  };
}
