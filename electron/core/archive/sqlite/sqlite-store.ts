/**
 * The SQLite implementation of ArchiveStore. One writer (its own thread: commits, fsyncs and
 * indexing never run where webhooks are answered) and one reader (its own thread, a read-only
 * connection: WAL lets it read while the writer commits). Both are driven through the same
 * generated proxy; without threads (tests, CLI tools, or when a thread cannot start) the same
 * code runs on the calling thread instead.
 */
import { EventEmitter } from 'node:events';
import type { ArchiveKey } from '../archive-key.js';
import { ArchiveKeyError, ArchiveVersionError, CommitError } from '../errors.js';
import { READ_OPERATIONS, WRITE_OPERATIONS, type ArchiveStore, type StoreEvents, type StoreJsonReads, type StoreReads, type StoreWrites } from '../store.js';
import { DEFAULT_LIMITS, type ArchiveLimits, type IngestInput, type ProjectedEvent } from '../types.js';
import { closeWritable, openDatabase, openReader, type WritableDB } from './database.js';
import { sqliteReads } from './read-ops.js';
import { checkArchiveFile, replaceArchiveFile, type ArchiveCheck } from './backup.js';
import { changeArchiveKey, resolveArchiveKey, type KeyChange, type KeyChanged } from './rekey.js';

export type { ArchiveCheck, KeyChange, KeyChanged };
import { OpThread, onThisThread, remote, remoteJson, threadEntry, type OpCall, type Remote } from './threads/op-thread.js';
import type { WriterThreadOptions } from './threads/thread-main.js';
import { SqliteWriter } from './writes/writer.js';

export interface SqliteStoreOptions {
  /** Run the writer and the reader on threads of their own (the engine). Default: this thread. */
  threads?: boolean;
  /** Reads only (exports while an engine runs elsewhere): writes are refused. */
  readonly?: boolean;
  /**
   * Acknowledge as soon as the raw event is durable and index it right after, in the background
   * (the webhook path). Without it, an event is indexed in the same transaction (import, demo).
   */
  deferProjection?: boolean;
  limits?: Partial<ArchiveLimits>;
  /** Stop migrating at this version (tests of individual migrations). */
  migrateTo?: number;
  /** better-sqlite3 nativeBinding: lets Electron load a build made for its own ABI. */
  nativeBinding?: string | undefined;
  /** The archive's encryption key (see archive-key.ts); none: a plaintext archive. */
  key?: ArchiveKey | null | undefined;
  /** The archive file may not grow past this size: writes beyond it fail as on a full disk (503). */
  maxBytes?: number;
  /** Told when a thread could not start and the work runs on this thread instead. */
  onFallback?: (reason: string) => void;
}

interface Side {
  call: OpCall;
  close(): Promise<void>;
}

export class SqliteStore extends EventEmitter<StoreEvents> implements ArchiveStore {
  static async open(file: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    const store = new SqliteStore();
    try {
      // The writer first: it migrates the schema before any reader opens the file. Then the
      // reader and the checkpointer start side by side (a thread's start is mostly module loading).
      if (!options.readonly) store.writer = await store.openWriter(file, options);
      const entry = options.threads ? threadEntry() : null;
      if (entry) store.spareReader = () => OpThread.start(entry, { role: 'reader', file, nativeBinding: options.nativeBinding, key: options.key }, { lost: (cause) => new Error(`the backup's reader thread stopped: ${errorText(cause)}`) });
      const reads = store.openReads(file, options).then((reader) => {
        store.reader = reader;
      });
      await Promise.all([reads, store.writer instanceof OpThread ? store.handOverCheckpoints(file, options) : undefined]);
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  private writer: Side | null = null;
  private reader: Side | null = null;
  private checkpointer: Side | null = null;
  /** Reader threads started for one backup each (closed with it, or with the store). */
  private readonly spareReaders = new Set<OpThread>();
  private spareReader: (() => Promise<OpThread>) | null = null;
  private readonly writes: Remote<StoreWrites>;
  private readonly reads: Remote<StoreReads>;
  readonly json: StoreJsonReads;

  private constructor() {
    super();
    this.writes = remote<StoreWrites>(WRITE_OPERATIONS, (op, args) => {
      if (!this.writer) return Promise.reject(new CommitError(new Error('this archive was opened read-only')));
      return this.writer.call(op, args);
    });
    const read: OpCall = (op, args, json) => {
      if (!this.reader) return Promise.reject(new Error('the archive is closed'));
      return this.reader.call(op, args, json);
    };
    this.reads = remote<StoreReads>(READ_OPERATIONS, read);
    this.json = remoteJson<StoreReads>(READ_OPERATIONS, read);
  }

  private async openWriter(file: string, options: SqliteStoreOptions, checkpoints: 'auto' | 'thread' = 'thread'): Promise<Side> {
    const entry = options.threads ? threadEntry() : null;
    const writerOptions: WriterThreadOptions = {
      limits: { ...DEFAULT_LIMITS, ...options.limits },
      deferProjection: options.deferProjection ?? false,
      maxBytes: options.maxBytes,
      checkpoints: entry ? checkpoints : 'auto',
    };
    if (entry) {
      try {
        return await OpThread.start(
          entry,
          { role: 'writer', file, nativeBinding: options.nativeBinding, key: options.key, options: writerOptions },
          { lost: (cause) => new CommitError(cause), onEvent: (name, payload) => this.onWriterEvent(name, payload) },
        );
      } catch (error) {
        // A thread that cannot start (a packaging that hides its files, say) must not stop the
        // archive: the same writer runs on this thread instead, slower under load but just as safe.
        // An archive from a newer version, or one the key does not open, is refused by every
        // connection alike: say so, do not fall back.
        if (error instanceof ArchiveVersionError || error instanceof ArchiveKeyError) throw error;
        options.onFallback?.(`the archive writer thread could not start (${errorText(error)}); writing on this thread instead`);
      }
    }
    const db = openDatabase(file, { nativeBinding: options.nativeBinding, key: options.key, migrateTo: options.migrateTo, maxBytes: options.maxBytes });
    const writer = new SqliteWriter(db, writerOptions.limits, writerOptions.deferProjection);
    writer.onProjected((events) => this.emit('projected', events));
    return { call: onThisThread(writer), close: () => closeLocalWriter(writer, db) };
  }

  private async openReads(file: string, options: SqliteStoreOptions): Promise<Side> {
    const entry = options.threads ? threadEntry() : null;
    if (entry) {
      try {
        return await OpThread.start(entry, { role: 'reader', file, nativeBinding: options.nativeBinding, key: options.key }, { lost: (cause) => new Error(`the archive could not be read: ${errorText(cause)}`) });
      } catch (error) {
        if (error instanceof ArchiveKeyError) throw error;
        options.onFallback?.(`the archive reader thread could not start (${errorText(error)}); reading on this thread instead`);
      }
    }
    const db = openReader(file, { nativeBinding: options.nativeBinding, key: options.key });
    return { call: onThisThread(sqliteReads(db)), close: async () => void (db as WritableDB).close() };
  }

  /**
   * The writer thread leaves checkpoints to a thread of their own. If that thread cannot start, the
   * writer is started again with SQLite's own checkpoints, so the WAL never grows without bound.
   */
  private async handOverCheckpoints(file: string, options: SqliteStoreOptions): Promise<void> {
    try {
      this.checkpointer = await OpThread.start(threadEntry()!, { role: 'checkpointer', file, nativeBinding: options.nativeBinding, key: options.key }, { lost: (cause) => new Error(errorText(cause)) });
    } catch (error) {
      options.onFallback?.(`the archive checkpoint thread could not start (${errorText(error)}); the writer checkpoints in its commits instead`);
      await this.writer?.close();
      this.writer = await this.openWriter(file, options, 'auto');
    }
  }

  private onWriterEvent(name: string, payload: unknown): void {
    if (name === 'projected') this.emit('projected', payload as ProjectedEvent[]);
  }

  ingest(input: IngestInput) {
    if (!(this.writer instanceof OpThread)) return this.writes.ingest(input);
    // Only the identity crosses to the writer thread: it reads the rest from the stored bytes, so
    // the listener's thread does not copy a big transcript, and a payload nested deeper than a
    // structured clone can go (thousands of levels) is stored like any other.
    const { event, sessionId, timestamp } = input.payload;
    return this.writes.ingest({ ...input, payload: { event, sessionId, timestamp } as IngestInput['payload'] });
  }

  readonly logDelivery: StoreWrites['logDelivery'] = (...args) => this.writes.logDelivery(...args);
  readonly eraseSession: StoreWrites['eraseSession'] = (...args) => this.writes.eraseSession(...args);
  readonly eraseSessions: StoreWrites['eraseSessions'] = (...args) => this.writes.eraseSessions(...args);
  readonly scrubErased: StoreWrites['scrubErased'] = (...args) => this.writes.scrubErased(...args);
  readonly finishErasures: StoreWrites['finishErasures'] = (...args) => this.writes.finishErasures(...args);
  readonly setRetention: StoreWrites['setRetention'] = (...args) => this.writes.setRetention(...args);
  readonly releaseFromQuarantine: StoreWrites['releaseFromQuarantine'] = (...args) => this.writes.releaseFromQuarantine(...args);
  readonly recordOutage: StoreWrites['recordOutage'] = (...args) => this.writes.recordOutage(...args);
  readonly commitStats: StoreWrites['commitStats'] = () => (this.writer ? this.writes.commitStats() : Promise.resolve({ transactions: 0, jobs: 0, largestBatch: 0 }));
  readonly settled: StoreWrites['settled'] = () => (this.writer ? this.writes.settled() : Promise.resolve());
  readonly setFollowUp: StoreWrites['setFollowUp'] = (...args) => this.writes.setFollowUp(...args);
  readonly addNote: StoreWrites['addNote'] = (...args) => this.writes.addNote(...args);
  readonly editNote: StoreWrites['editNote'] = (...args) => this.writes.editNote(...args);
  readonly deleteNote: StoreWrites['deleteNote'] = (...args) => this.writes.deleteNote(...args);
  readonly saveTag: StoreWrites['saveTag'] = (...args) => this.writes.saveTag(...args);
  readonly deleteTag: StoreWrites['deleteTag'] = (...args) => this.writes.deleteTag(...args);
  readonly tagSession: StoreWrites['tagSession'] = (...args) => this.writes.tagSession(...args);
  readonly restoreFollowUp: StoreWrites['restoreFollowUp'] = (...args) => this.writes.restoreFollowUp(...args);
  readonly saveRule: StoreWrites['saveRule'] = (...args) => this.writes.saveRule(...args);
  readonly deleteRule: StoreWrites['deleteRule'] = (...args) => this.writes.deleteRule(...args);
  readonly saveCallerSettings: StoreWrites['saveCallerSettings'] = (...args) => this.writes.saveCallerSettings(...args);
  readonly retriage: StoreWrites['retriage'] = (...args) => this.writes.retriage(...args);
  readonly triageStale: StoreWrites['triageStale'] = (...args) => this.writes.triageStale(...args);
  readonly addUser: StoreWrites['addUser'] = (...args) => this.writes.addUser(...args);
  readonly createSignInLink: StoreWrites['createSignInLink'] = (...args) => this.writes.createSignInLink(...args);
  readonly redeemSignInLink: StoreWrites['redeemSignInLink'] = (...args) => this.writes.redeemSignInLink(...args);
  readonly startSignInSession: StoreWrites['startSignInSession'] = (...args) => this.writes.startSignInSession(...args);
  readonly touchSignInSession: StoreWrites['touchSignInSession'] = (...args) => this.writes.touchSignInSession(...args);
  readonly endSignInSession: StoreWrites['endSignInSession'] = (...args) => this.writes.endSignInSession(...args);
  readonly disableUser: StoreWrites['disableUser'] = (...args) => this.writes.disableUser(...args);
  readonly removeUser: StoreWrites['removeUser'] = (...args) => this.writes.removeUser(...args);
  readonly recordAudit: StoreWrites['recordAudit'] = (...args) => this.writes.recordAudit(...args);
  readonly saveForwardTarget: StoreWrites['saveForwardTarget'] = (...args) => this.writes.saveForwardTarget(...args);
  readonly deleteForwardTarget: StoreWrites['deleteForwardTarget'] = (...args) => this.writes.deleteForwardTarget(...args);
  readonly pauseForwardTarget: StoreWrites['pauseForwardTarget'] = (...args) => this.writes.pauseForwardTarget(...args);
  readonly resumeForwardTarget: StoreWrites['resumeForwardTarget'] = (...args) => this.writes.resumeForwardTarget(...args);
  readonly claimForwards: StoreWrites['claimForwards'] = (...args) => this.writes.claimForwards(...args);
  readonly recordForwardAttempt: StoreWrites['recordForwardAttempt'] = (...args) => this.writes.recordForwardAttempt(...args);
  readonly resendForward: StoreWrites['resendForward'] = (...args) => this.writes.resendForward(...args);
  readonly resendPeriod: StoreWrites['resendPeriod'] = (...args) => this.writes.resendPeriod(...args);

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
  readonly listTags: StoreReads['listTags'] = (...args) => this.reads.listTags(...args);
  readonly listRules: StoreReads['listRules'] = (...args) => this.reads.listRules(...args);
  readonly callerSettings: StoreReads['callerSettings'] = (...args) => this.reads.callerSettings(...args);
  readonly previewRule: StoreReads['previewRule'] = (...args) => this.reads.previewRule(...args);
  readonly getCaller: StoreReads['getCaller'] = (...args) => this.reads.getCaller(...args);
  readonly periodSummary: StoreReads['periodSummary'] = (...args) => this.reads.periodSummary(...args);
  readonly activityProfile: StoreReads['activityProfile'] = (...args) => this.reads.activityProfile(...args);
  readonly overview: StoreReads['overview'] = (...args) => this.reads.overview(...args);
  /**
   * A backup copies and then checks the whole file: tens of seconds on a big archive. On the reader
   * thread that would hold up every window read behind it, so it gets a reader thread of its own.
   */
  readonly backupTo: StoreReads['backupTo'] = async (...args) => {
    if (!this.spareReader || !(this.reader instanceof OpThread)) return this.reads.backupTo(...args);
    const spare = await this.spareReader();
    this.spareReaders.add(spare);
    try {
      return (await spare.call('backupTo', args)) as Awaited<ReturnType<StoreReads['backupTo']>>;
    } finally {
      this.spareReaders.delete(spare);
      await spare.close();
    }
  };
  readonly retention: StoreReads['retention'] = (...args) => this.reads.retention(...args);
  readonly listUsers: StoreReads['listUsers'] = () => this.reads.listUsers();
  readonly userCredentials: StoreReads['userCredentials'] = (...args) => this.reads.userCredentials(...args);
  readonly signInLinkUser: StoreReads['signInLinkUser'] = (...args) => this.reads.signInLinkUser(...args);
  readonly signInSession: StoreReads['signInSession'] = (...args) => this.reads.signInSession(...args);
  readonly auditLog: StoreReads['auditLog'] = (...args) => this.reads.auditLog(...args);
  readonly forwardTargets: StoreReads['forwardTargets'] = () => this.reads.forwardTargets();
  readonly forwardAttempts: StoreReads['forwardAttempts'] = (...args) => this.reads.forwardAttempts(...args);
  readonly forwardCounts: StoreReads['forwardCounts'] = () => this.reads.forwardCounts();

  /** Checks an archive file (a backup, or one about to be restored): integrity, schema, counts. */
  static checkFile(file: string, options: { expectVersion?: number; key?: ArchiveKey | null | undefined } = {}): ArchiveCheck {
    return checkArchiveFile(file, options);
  }

  /** Replaces the archive file at `target` with a copy of `backup`, keeping the old one aside. */
  static replaceFile(target: string, backup: string, stamp: string, key?: ArchiveKey | null): { replacedBy: string | null } {
    return replaceArchiveFile(target, backup, stamp, key);
  }

  /** Encrypts, re-keys or decrypts the closed archive at `file` (see rekey.ts); the caller holds the engine lock. */
  static changeKey(file: string, change: KeyChange): Promise<KeyChanged> {
    return changeArchiveKey(file, change);
  }

  /** Which of `candidates` opens the archive at `file` (null: none does). */
  static resolveKey(file: string, candidates: ReadonlyArray<ArchiveKey | null>): { key: ArchiveKey | null } | null {
    return resolveArchiveKey(file, candidates);
  }

  /** Readers first (nothing more to read), then the writer commits what is pending and checkpoints. */
  async close(): Promise<void> {
    const { reader, writer, checkpointer } = this;
    this.reader = null;
    this.writer = null;
    this.checkpointer = null;
    this.spareReader = null;
    await Promise.all([...this.spareReaders].map((spare) => spare.close()));
    await reader?.close();
    await checkpointer?.close();
    await writer?.close();
  }
}

async function closeLocalWriter(writer: SqliteWriter, db: WritableDB): Promise<void> {
  await writer.close();
  closeWritable(db);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
