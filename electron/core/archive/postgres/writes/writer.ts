/**
 * The PostgreSQL store's writes: every one goes through the group committer, so a promise resolves
 * only once its rows are committed (synchronous_commit on: flushed to the server's WAL).
 *
 * Projection is inline: an event is projected into sessions, messages, files, search and triage
 * in the transaction that stores it, set-based for all the ingests of a batch (ingest-batch.ts). The SQLite store defers it to keep fsyncs short on one
 * laptop disk; here the cost of a commit is the round trip and the server's WAL flush, which one
 * batch pays once for all its events, and a deferred queue would have to be shared and claimed
 * between hubs. Inline, every hub's commit is complete: what it announces (NOTIFY) is readable.
 */
import type pg from 'pg';
import type { RetentionPeriod } from '../../../../../shared/retention.js';
import type { CallerSettings, ExportedFollowUp, FollowUpView, Rule, Tag, TagColor } from '../../../../../shared/follow-up.js';
import type { StoreWrites } from '../../store.js';
import type {
  AddNoteInput,
  ArchiveLimits,
  DeliveryRecord,
  EditNoteInput,
  EraseOptions,
  ErasePage,
  ErasureStart,
  GroupCommitStats,
  IngestInput,
  IngestResult,
  Outage,
  ProjectedEvent,
  QuarantineRecord,
  RetriageOptions,
  RetriagePage,
  SaveRuleInput,
  SetFollowUpInput,
  TagSessionInput,
  ClaimedForward,
  ClaimForwardsOptions,
  ForwardAttemptRecord,
  ForwardAttemptRecorded,
  ResendPeriodOptions,
  ResendPeriodPage,
  SaveForwardTargetInput,
} from '../../types.js';
import type { AddUserInput, AuditInput, RedeemLinkInput, SignInLinkInput, SignInSessionInput, UserRecord } from '../../account-types.js';
import type { ForwardTarget } from '../../../../../shared/forwarding.js';
import { run, value, type Db } from '../db.js';
import * as accounts from './accounts.js';
import { ERASED_TABLES, eraseOne, erasePage, eraseTraces, recordErased } from './erasure.js';
import { GroupCommitter, isRetryable, isStorageFailure, type JobContext } from './group-commit.js';
import { deliveriesOf, insertDeliveries, storeEvents } from './ingest-batch.js';
import * as edits from './owner-edits.js';
import * as forwarding from './forwarding.js';
import * as triage from './triage.js';

interface WaitingIngest {
  input: IngestInput;
  resolve: (result: IngestResult) => void;
  reject: (error: unknown) => void;
}

/** Deliveries between two prunings of the log (a DELETE per request would double its cost). */
const PRUNE_EVERY = 100;

export class PostgresWriter implements Omit<StoreWrites, 'settled'> {
  private readonly committer: GroupCommitter;
  private deliveriesSincePrune = 0;
  private readonly waitingIngests: WaitingIngest[] = [];

  constructor(
    private readonly pool: pg.Pool,
    private readonly limits: ArchiveLimits,
    announce: (db: Db, events: ProjectedEvent[]) => Promise<void>,
    onProjected: (events: ProjectedEvent[]) => void,
  ) {
    this.committer = new GroupCommitter(pool, announce, onProjected);
  }

  /**
   * Ingests wait here for the next transaction, which takes all of them as one job (ingest-batch.ts):
   * one statement per table for the batch rather than about fifteen per event.
   */
  ingest(input: IngestInput): Promise<IngestResult> {
    return new Promise<IngestResult>((resolve, reject) => {
      this.waitingIngests.push({ input, resolve, reject });
      if (this.waitingIngests.length > 1) return;
      let batch: WaitingIngest[] | null = null;
      this.committer
        .submit(async (context) => {
          // Taken when the transaction runs (all that arrived meanwhile), kept if it is run again.
          batch ??= this.waitingIngests.splice(0);
          context.countAs(batch.length);
          return this.ingestBatch(context, batch);
        })
        .then(
          (results) => results.forEach((result, n) => (result.ok ? batch![n]!.resolve(result.value) : batch![n]!.reject(result.error))),
          (error: unknown) => (batch ?? this.waitingIngests.splice(0)).forEach((waiting) => waiting.reject(error)),
        );
    });
  }

  /**
   * The whole batch set-based, in a savepoint; should one event make it fail (anything but the
   * server), the batch is rolled back and each event stored on its own, so only that one fails.
   */
  private async ingestBatch({ db, projected }: JobContext, batch: readonly WaitingIngest[]): Promise<Array<{ ok: true; value: IngestResult } | { ok: false; error: unknown }>> {
    const inputs = batch.map((waiting) => waiting.input);
    await db.query('SAVEPOINT ingest_batch');
    try {
      const stored = await storeEvents(db, inputs, Date.now());
      await this.insertDeliveries(db, deliveriesOf(inputs, stored.duplicate));
      await db.query('RELEASE SAVEPOINT ingest_batch');
      projected(stored.projected);
      return stored.duplicate.map((duplicate) => ({ ok: true, value: { duplicate } }));
    } catch (error) {
      if (isStorageFailure(error) || isRetryable(error) || inputs.length === 1) throw error;
      await db.query('ROLLBACK TO SAVEPOINT ingest_batch');
    }
    const results: Array<{ ok: true; value: IngestResult } | { ok: false; error: unknown }> = [];
    for (const input of inputs) {
      await db.query('SAVEPOINT ingest_one');
      try {
        const stored = await storeEvents(db, [input], Date.now());
        await this.insertDeliveries(db, deliveriesOf([input], stored.duplicate));
        await db.query('RELEASE SAVEPOINT ingest_one');
        projected(stored.projected);
        results.push({ ok: true, value: { duplicate: stored.duplicate[0]! } });
      } catch (error) {
        if (isStorageFailure(error) || isRetryable(error)) throw error;
        await db.query('ROLLBACK TO SAVEPOINT ingest_one');
        results.push({ ok: false, error });
      }
    }
    return results;
  }

  logDelivery(delivery: DeliveryRecord, quarantined?: QuarantineRecord): Promise<void> {
    return this.committer.submit(async ({ db }) => {
      const quarantineId = quarantined ? await this.insertQuarantine(db, quarantined) : null;
      await this.insertDeliveries(db, [delivery], quarantineId);
    });
  }

  eraseSession(sessionId: string, erasure?: ErasureStart): Promise<boolean> {
    return this.committer.submit(async ({ db }) => {
      const erased = await eraseOne(db, sessionId);
      await eraseTraces(db, [sessionId], true);
      if (erasure) await recordErased(db, null, erasure, erased ? 1 : 0);
      return erased;
    });
  }

  eraseSessions(options: EraseOptions): Promise<ErasePage> {
    return this.committer.submit(({ db }) => erasePage(db, options), { background: true });
  }

  /** Nothing to rewrite: a GIN index keeps no words of a deleted row once it is vacuumed (finishErasures). */
  async scrubErased(_options: { budgetMs: number }): Promise<{ done: boolean }> {
    return { done: true };
  }

  /**
   * VACUUM the tables erasures delete from, so deleted tuples and their index entries do not stay
   * in the files until autovacuum gets to them; then the erasures are marked finished. VACUUM
   * cannot run in a transaction: it runs on a connection of its own, beside the group commits.
   */
  async finishErasures(options: { at: number }): Promise<{ finished: boolean }> {
    await this.committer.drain();
    const client = await this.pool.connect();
    try {
      await client.query(`VACUUM ${ERASED_TABLES.join(', ')}`);
    } finally {
      client.release();
    }
    await this.committer.submit(({ db }) => run(db, 'UPDATE erasures SET finished_at = ? WHERE finished_at IS NULL', [options.at]));
    return { finished: true };
  }

  setRetention(period: RetentionPeriod): Promise<RetentionPeriod> {
    return this.committer.submit(async ({ db }) => {
      await run(db, "INSERT INTO archive_settings (name, value) VALUES ('retention', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", [JSON.stringify(period)]);
      return period;
    });
  }

  releaseFromQuarantine(ids: number[]): Promise<void> {
    return this.committer.submit(async ({ db }) => {
      await run(db, 'DELETE FROM quarantine WHERE id = ANY(?::bigint[])', [ids]);
    });
  }

  recordOutage(outage: Outage): Promise<void> {
    return this.committer.submit(async ({ db }) => {
      await run(db, 'INSERT INTO tunnel_outages (started_at, ended_at, reason) VALUES (?, ?, ?)', [outage.startedAt, outage.endedAt, outage.reason]);
      await run(db, 'DELETE FROM tunnel_outages WHERE id <= (SELECT max(id) FROM tunnel_outages) - 1000');
    });
  }

  async commitStats(): Promise<GroupCommitStats> {
    return { ...this.committer.stats };
  }

  setFollowUp(input: SetFollowUpInput): Promise<FollowUpView> {
    return this.committer.submit(({ db }) => edits.setFollowUp(db, input));
  }

  addNote(input: AddNoteInput): Promise<FollowUpView> {
    return this.committer.submit(({ db }) => edits.addNote(db, input));
  }

  editNote(input: EditNoteInput): Promise<FollowUpView> {
    return this.committer.submit(({ db }) => edits.editNote(db, input));
  }

  deleteNote(input: { noteId: number; author: string }): Promise<FollowUpView> {
    return this.committer.submit(({ db }) => edits.deleteNote(db, input));
  }

  saveTag(tag: { id?: number | undefined; name: string; color: TagColor }): Promise<Tag> {
    return this.committer.submit(({ db }) => edits.saveTag(db, tag));
  }

  deleteTag(id: number): Promise<boolean> {
    return this.committer.submit(({ db }) => edits.deleteTag(db, id));
  }

  tagSession(input: TagSessionInput): Promise<FollowUpView> {
    return this.committer.submit(({ db }) => edits.tagSession(db, input));
  }

  restoreFollowUp(sessionId: string, followUp: ExportedFollowUp): Promise<void> {
    return this.committer.submit(({ db }) => edits.restoreFollowUp(db, sessionId, followUp, Date.now()));
  }

  saveRule(rule: SaveRuleInput, at: number): Promise<Rule> {
    return this.committer.submit(({ db }) => triage.saveRule(db, rule, at));
  }

  deleteRule(id: string): Promise<boolean> {
    return this.committer.submit(({ db }) => triage.deleteRule(db, id));
  }

  saveCallerSettings(settings: CallerSettings): Promise<CallerSettings> {
    return this.committer.submit(({ db }) => triage.saveCallerSettings(db, settings));
  }

  retriage(options: RetriageOptions): Promise<RetriagePage> {
    return this.committer.submit(({ db }) => triage.retriagePage(db, options), { background: true });
  }

  triageStale(options: { staleBefore: number; now: number }): Promise<{ changed: number }> {
    return this.committer.submit(({ db }) => triage.triageStale(db, options), { background: true });
  }

  addUser(input: AddUserInput): Promise<UserRecord> {
    return this.committer.submit(({ db }) => accounts.addUser(db, input));
  }

  createSignInLink(input: SignInLinkInput): Promise<UserRecord> {
    return this.committer.submit(({ db }) => accounts.createSignInLink(db, input));
  }

  redeemSignInLink(input: RedeemLinkInput): Promise<UserRecord | null> {
    return this.committer.submit(({ db }) => accounts.redeemSignInLink(db, input));
  }

  startSignInSession(input: SignInSessionInput): Promise<void> {
    return this.committer.submit(({ db }) => accounts.startSignInSession(db, input));
  }

  touchSignInSession(input: { tokenHash: string; at: number }): Promise<void> {
    return this.committer.submit(({ db }) => accounts.touchSignInSession(db, input));
  }

  endSignInSession(tokenHash: string): Promise<boolean> {
    return this.committer.submit(({ db }) => accounts.endSignInSession(db, tokenHash));
  }

  disableUser(input: { name: string; at: number }): Promise<UserRecord> {
    return this.committer.submit(({ db }) => accounts.disableUser(db, input));
  }

  removeUser(name: string): Promise<UserRecord> {
    return this.committer.submit(({ db }) => accounts.removeUser(db, name));
  }

  recordAudit(input: AuditInput): Promise<void> {
    return this.committer.submit(({ db }) => accounts.recordAudit(db, input));
  }

  saveForwardTarget(input: SaveForwardTargetInput): Promise<ForwardTarget> {
    return this.committer.submit(({ db }) => forwarding.saveTarget(db, input));
  }

  deleteForwardTarget(id: number): Promise<boolean> {
    return this.committer.submit(({ db }) => forwarding.deleteTarget(db, id));
  }

  pauseForwardTarget(input: { id: number; reason: string; at: number }): Promise<ForwardTarget> {
    return this.committer.submit(({ db }) => forwarding.pauseTarget(db, input.id, input.reason, input.at));
  }

  resumeForwardTarget(input: { id: number; at: number }): Promise<ForwardTarget> {
    return this.committer.submit(({ db }) => forwarding.resumeTarget(db, input.id, input.at));
  }

  /** Claims and attempt records are a few indexed statements: they join the webhooks' batches. */
  claimForwards(options: ClaimForwardsOptions): Promise<ClaimedForward[]> {
    return this.committer.submit(({ db }) => forwarding.claimDue(db, options));
  }

  recordForwardAttempt(result: ForwardAttemptRecord): Promise<ForwardAttemptRecorded | null> {
    return this.committer.submit(({ db }) => forwarding.recordAttempt(db, result));
  }

  resendForward(input: { outboxId: number; at: number }): Promise<boolean> {
    return this.committer.submit(({ db }) => forwarding.resendOne(db, input.outboxId, input.at));
  }

  resendPeriod(options: ResendPeriodOptions): Promise<ResendPeriodPage> {
    return this.committer.submit(({ db }) => forwarding.resendPeriod(db, options), { background: true });
  }

  /** Seeds the built-in rules (a new archive, or a new built-in) in a transaction of its own. */
  seed(now: number): Promise<void> {
    return this.committer.submit(({ db }) => triage.seedRules(db, now));
  }

  settled(): Promise<void> {
    return this.committer.drain();
  }

  close(): Promise<void> {
    return this.committer.close();
  }

  private async insertDeliveries(db: Db, rows: readonly DeliveryRecord[], quarantineId: number | null = null): Promise<void> {
    await insertDeliveries(db, rows, quarantineId);
    this.deliveriesSincePrune += rows.length;
    if (this.deliveriesSincePrune >= PRUNE_EVERY) {
      this.deliveriesSincePrune = 0;
      await run(db, 'DELETE FROM deliveries WHERE id <= (SELECT max(id) FROM deliveries) - ?', [this.limits.maxDeliveries]);
    }
  }

  private async insertQuarantine(db: Db, record: QuarantineRecord): Promise<number> {
    const id = await value<number>(
      db,
      `INSERT INTO quarantine (received_at, failure, reason, event_header, signature_header, event, session_id, headers, body, size)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [
        record.receivedAt,
        record.failure,
        record.reason,
        record.eventHeader,
        record.signatureHeader,
        record.event,
        record.sessionId,
        record.headers ? JSON.stringify(record.headers) : null,
        record.body,
        record.body.length,
      ],
    );
    for (;;) {
      const totals = (await db.query<{ n: number; bytes: number }>(
        "SELECT (SELECT value FROM counters WHERE name = 'quarantined') AS n, (SELECT value FROM counters WHERE name = 'quarantined_bytes') AS bytes",
      )).rows[0]!;
      if (totals.n <= this.limits.maxQuarantined && totals.bytes <= this.limits.maxQuarantineBytes) break;
      if (totals.n <= 1) break;
      await run(db, 'DELETE FROM quarantine WHERE id = (SELECT min(id) FROM quarantine)');
    }
    return id;
  }
}
