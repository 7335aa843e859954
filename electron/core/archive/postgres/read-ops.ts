/** The store's read operations over the pool (each query on whichever connection is free). */
import type pg from 'pg';
import type { StoreReads } from '../store.js';
import { auditLog, listUsers, signInLinkUser, signInSession, userCredentials } from './reads/accounts.js';
import { getCaller } from './reads/callers.js';
import { getDelivery, listDeliveries, listQuarantine } from './reads/deliveries.js';
import { exportSessions } from './reads/export.js';
import { callerSettings, followUpCounts, getFollowUp, listRules, listTags, triagePending } from './reads/follow-ups.js';
import { flaggedCalls } from './reads/flagged-calls.js';
import { forwardAttempts, forwardCounts, forwardTargets } from './reads/forwarding.js';
import { inbox } from './reads/inbox.js';
import { activityProfile, periodSummary } from './reads/insights.js';
import { overview } from './reads/overview.js';
import { retention } from './reads/retention.js';
import { previewRule } from './reads/rule-preview.js';
import { getFacets, getMessages, getSession, listSessions } from './reads/sessions.js';
import { counts, recentOutages, storedEvents } from './reads/status.js';

export function postgresReads(db: pg.Pool, backupTo: StoreReads['backupTo']): StoreReads {
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
    triagePending: () => triagePending(db),
    inbox: (options) => inbox(db, options),
    followUpCounts: (now) => followUpCounts(db, now),
    listTags: () => listTags(db),
    listRules: () => listRules(db),
    callerSettings: () => callerSettings(db),
    previewRule: (rule, options) => previewRule(db, rule, options),
    getCaller: (key, options) => getCaller(db, key, options),
    periodSummary: (options) => periodSummary(db, options),
    activityProfile: (options) => activityProfile(db, options),
    overview: (options) => overview(db, options),
    backupTo,
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
