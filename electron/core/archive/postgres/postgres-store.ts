/**
 * The PostgreSQL implementation of ArchiveStore: the office hub's archive, shared by several
 * receivers (hubs) and people. Queries run on the server, so no thread of this process ever
 * blocks on one; writes go through a group committer (one transaction per batch, exactly-once by
 * the UNIQUE (session_id, event) key across hubs), reads through a small pool, and each store
 * LISTENs on a connection of its own for events the other hubs committed.
 *
 * The only public module of postgres/: everything else here is reached through it.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { JsonText } from '../../json-text.js';
import { CommitError } from '../errors.js';
import { READ_OPERATIONS, type ArchiveStore, type StoreEvents, type StoreJsonReads, type StoreReads, type StoreWrites } from '../store.js';
import { DEFAULT_LIMITS, type ArchiveLimits, type ProjectedEvent } from '../types.js';
import { backupTo } from './backup.js';
import { clientConfig, connectError, openPool, type ConnectOptions } from './connect.js';
import { migrate } from './migrations.js';
import { notifyProjected, ProjectedListener } from './notify.js';
import { postgresReads } from './read-ops.js';
import { verifyDatabase, type DatabaseCheck } from './verify.js';
import { PostgresWriter } from './writes/writer.js';

export { PostgresConnectError, type ConnectProblem } from './connect.js';
export { LATEST_VERSION as POSTGRES_SCHEMA_VERSION } from './migrations.js';
export type { DatabaseCheck } from './verify.js';

export interface PostgresStoreOptions extends ConnectOptions {
  limits?: Partial<ArchiveLimits>;
  /** Stop migrating at this version (tests of individual migrations). */
  migrateTo?: number;
}

export class PostgresStore extends EventEmitter<StoreEvents> implements ArchiveStore {
  /**
   * Connects (PostgresConnectError within seconds when it cannot: bad URL, unreachable server,
   * refused credentials, no such database, server too old), migrates under the advisory lock
   * (ArchiveVersionError for a database a newer version migrated), and starts listening.
   */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const pool = await openPool(url, options);
    try {
      const client = await pool.connect();
      try {
        await migrate(client, options.migrateTo);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      if (error instanceof Error && error.name === 'ArchiveVersionError') throw error;
      throw connectError(error, url);
    }
    const store = new PostgresStore(url, pool, { ...DEFAULT_LIMITS, ...options.limits }, options);
    try {
      await store.writer.seed(Date.now());
      await store.listener.ready;
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  /**
   * `verify --database`: every stored event, the projection and the counters checked in one
   * read-only snapshot, without opening a store (no migration, no listener): see verify.ts.
   */
  static verify(url: string): Promise<DatabaseCheck> {
    return verifyDatabase(url);
  }

  /** Tells this store's notifications from other hubs' (it emits its own right after COMMIT). */
  private readonly origin = randomUUID();
  private readonly writer: PostgresWriter;
  private readonly listener: ProjectedListener;
  private readonly reads: StoreReads;
  private closing: Promise<void> | null = null;
  readonly json: StoreJsonReads;

  private constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
    limits: ArchiveLimits,
    options: ConnectOptions,
  ) {
    super();
    this.writer = new PostgresWriter(
      pool,
      limits,
      (db, events) => notifyProjected(db, this.origin, events),
      (events) => this.emitProjected(events),
    );
    this.listener = new ProjectedListener(clientConfig(url, options), this.origin, (events) => this.emitProjected(events));
    this.reads = postgresReads(pool, (file) => backupTo(this.url, file));
    // Results for the window as JSON text; node-postgres has parsed the rows already, so this is one stringify.
    this.json = Object.fromEntries(
      READ_OPERATIONS.map((op) => [
        op,
        async (...args: unknown[]) => new JsonText(JSON.stringify(await (this.reads[op] as (...a: unknown[]) => Promise<unknown>)(...args)) ?? 'null'),
      ]),
    ) as unknown as StoreJsonReads;
  }

  private emitProjected(events: ProjectedEvent[]): void {
    try {
      this.emit('projected', events);
    } catch {
      // A listener's failure must never disturb the writer.
    }
  }

  private guard<T>(write: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new CommitError(new Error('the archive is closed')));
    return write();
  }

  readonly ingest: StoreWrites['ingest'] = (...args) => this.guard(() => this.writer.ingest(...args));
  readonly logDelivery: StoreWrites['logDelivery'] = (...args) => this.guard(() => this.writer.logDelivery(...args));
  readonly eraseSession: StoreWrites['eraseSession'] = (...args) => this.guard(() => this.writer.eraseSession(...args));
  readonly eraseSessions: StoreWrites['eraseSessions'] = (...args) => this.guard(() => this.writer.eraseSessions(...args));
  readonly scrubErased: StoreWrites['scrubErased'] = (...args) => this.guard(() => this.writer.scrubErased(...args));
  readonly finishErasures: StoreWrites['finishErasures'] = (...args) => this.guard(() => this.writer.finishErasures(...args));
  readonly setRetention: StoreWrites['setRetention'] = (...args) => this.guard(() => this.writer.setRetention(...args));
  readonly releaseFromQuarantine: StoreWrites['releaseFromQuarantine'] = (...args) => this.guard(() => this.writer.releaseFromQuarantine(...args));
  readonly recordOutage: StoreWrites['recordOutage'] = (...args) => this.guard(() => this.writer.recordOutage(...args));
  readonly settled: StoreWrites['settled'] = () => this.writer.settled();
  readonly commitStats: StoreWrites['commitStats'] = () => this.writer.commitStats();
  readonly setFollowUp: StoreWrites['setFollowUp'] = (...args) => this.guard(() => this.writer.setFollowUp(...args));
  readonly addNote: StoreWrites['addNote'] = (...args) => this.guard(() => this.writer.addNote(...args));
  readonly editNote: StoreWrites['editNote'] = (...args) => this.guard(() => this.writer.editNote(...args));
  readonly deleteNote: StoreWrites['deleteNote'] = (...args) => this.guard(() => this.writer.deleteNote(...args));
  readonly saveTag: StoreWrites['saveTag'] = (...args) => this.guard(() => this.writer.saveTag(...args));
  readonly deleteTag: StoreWrites['deleteTag'] = (...args) => this.guard(() => this.writer.deleteTag(...args));
  readonly tagSession: StoreWrites['tagSession'] = (...args) => this.guard(() => this.writer.tagSession(...args));
  readonly restoreFollowUp: StoreWrites['restoreFollowUp'] = (...args) => this.guard(() => this.writer.restoreFollowUp(...args));
  readonly saveRule: StoreWrites['saveRule'] = (...args) => this.guard(() => this.writer.saveRule(...args));
  readonly deleteRule: StoreWrites['deleteRule'] = (...args) => this.guard(() => this.writer.deleteRule(...args));
  readonly saveCallerSettings: StoreWrites['saveCallerSettings'] = (...args) => this.guard(() => this.writer.saveCallerSettings(...args));
  readonly retriage: StoreWrites['retriage'] = (...args) => this.guard(() => this.writer.retriage(...args));
  readonly triageStale: StoreWrites['triageStale'] = (...args) => this.guard(() => this.writer.triageStale(...args));
  readonly saveForwardTarget: StoreWrites['saveForwardTarget'] = (...args) => this.guard(() => this.writer.saveForwardTarget(...args));
  readonly deleteForwardTarget: StoreWrites['deleteForwardTarget'] = (...args) => this.guard(() => this.writer.deleteForwardTarget(...args));
  readonly pauseForwardTarget: StoreWrites['pauseForwardTarget'] = (...args) => this.guard(() => this.writer.pauseForwardTarget(...args));
  readonly resumeForwardTarget: StoreWrites['resumeForwardTarget'] = (...args) => this.guard(() => this.writer.resumeForwardTarget(...args));
  readonly claimForwards: StoreWrites['claimForwards'] = (...args) => this.guard(() => this.writer.claimForwards(...args));
  readonly recordForwardAttempt: StoreWrites['recordForwardAttempt'] = (...args) => this.guard(() => this.writer.recordForwardAttempt(...args));
  readonly resendForward: StoreWrites['resendForward'] = (...args) => this.guard(() => this.writer.resendForward(...args));
  readonly resendPeriod: StoreWrites['resendPeriod'] = (...args) => this.guard(() => this.writer.resendPeriod(...args));

  readonly addUser: StoreWrites['addUser'] = (...args) => this.guard(() => this.writer.addUser(...args));
  readonly createSignInLink: StoreWrites['createSignInLink'] = (...args) => this.guard(() => this.writer.createSignInLink(...args));
  readonly redeemSignInLink: StoreWrites['redeemSignInLink'] = (...args) => this.guard(() => this.writer.redeemSignInLink(...args));
  readonly startSignInSession: StoreWrites['startSignInSession'] = (...args) => this.guard(() => this.writer.startSignInSession(...args));
  readonly touchSignInSession: StoreWrites['touchSignInSession'] = (...args) => this.guard(() => this.writer.touchSignInSession(...args));
  readonly endSignInSession: StoreWrites['endSignInSession'] = (...args) => this.guard(() => this.writer.endSignInSession(...args));
  readonly disableUser: StoreWrites['disableUser'] = (...args) => this.guard(() => this.writer.disableUser(...args));
  readonly removeUser: StoreWrites['removeUser'] = (...args) => this.guard(() => this.writer.removeUser(...args));
  readonly recordAudit: StoreWrites['recordAudit'] = (...args) => this.guard(() => this.writer.recordAudit(...args));
  readonly counts: StoreReads['counts'] = (...args) => this.reads.counts(...args);
  readonly recentOutages: StoreReads['recentOutages'] = (...args) => this.reads.recentOutages(...args);
  readonly facets: StoreReads['facets'] = (...args) => this.reads.facets(...args);
  readonly listSessions: StoreReads['listSessions'] = (...args) => this.reads.listSessions(...args);
  readonly getSession: StoreReads['getSession'] = (...args) => this.reads.getSession(...args);
  readonly getMessages: StoreReads['getMessages'] = (...args) => this.reads.getMessages(...args);
  readonly listDeliveries: StoreReads['listDeliveries'] = (...args) => this.reads.listDeliveries(...args);
  readonly getDelivery: StoreReads['getDelivery'] = (...args) => this.reads.getDelivery(...args);
  readonly listQuarantine: StoreReads['listQuarantine'] = (...args) => this.reads.listQuarantine(...args);
  readonly storedEvents: StoreReads['storedEvents'] = (...args) => this.reads.storedEvents(...args);
  readonly exportSessions: StoreReads['exportSessions'] = (...args) => this.reads.exportSessions(...args);
  readonly getFollowUp: StoreReads['getFollowUp'] = (...args) => this.reads.getFollowUp(...args);
  readonly flaggedCalls: StoreReads['flaggedCalls'] = (...args) => this.reads.flaggedCalls(...args);
  readonly triagePending: StoreReads['triagePending'] = () => this.reads.triagePending();
  readonly inbox: StoreReads['inbox'] = (...args) => this.reads.inbox(...args);
  readonly followUpCounts: StoreReads['followUpCounts'] = (...args) => this.reads.followUpCounts(...args);
  readonly listTags: StoreReads['listTags'] = () => this.reads.listTags();
  readonly listRules: StoreReads['listRules'] = () => this.reads.listRules();
  readonly callerSettings: StoreReads['callerSettings'] = () => this.reads.callerSettings();
  readonly previewRule: StoreReads['previewRule'] = (...args) => this.reads.previewRule(...args);
  readonly getCaller: StoreReads['getCaller'] = (...args) => this.reads.getCaller(...args);
  readonly periodSummary: StoreReads['periodSummary'] = (...args) => this.reads.periodSummary(...args);
  readonly activityProfile: StoreReads['activityProfile'] = (...args) => this.reads.activityProfile(...args);
  readonly overview: StoreReads['overview'] = (...args) => this.reads.overview(...args);
  readonly backupTo: StoreReads['backupTo'] = (...args) => this.reads.backupTo(...args);
  readonly retention: StoreReads['retention'] = (...args) => this.reads.retention(...args);
  readonly listUsers: StoreReads['listUsers'] = (...args) => this.reads.listUsers(...args);
  readonly userCredentials: StoreReads['userCredentials'] = (...args) => this.reads.userCredentials(...args);
  readonly signInLinkUser: StoreReads['signInLinkUser'] = (...args) => this.reads.signInLinkUser(...args);
  readonly signInSession: StoreReads['signInSession'] = (...args) => this.reads.signInSession(...args);
  readonly auditLog: StoreReads['auditLog'] = (...args) => this.reads.auditLog(...args);
  readonly forwardTargets: StoreReads['forwardTargets'] = () => this.reads.forwardTargets();
  readonly forwardAttempts: StoreReads['forwardAttempts'] = (...args) => this.reads.forwardAttempts(...args);
  readonly forwardCounts: StoreReads['forwardCounts'] = () => this.reads.forwardCounts();

  /** Commits what is pending, stops listening, closes the pool. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.writer.close();
      await this.listener.close();
      await this.pool.end();
    })();
    return this.closing;
  }
}
