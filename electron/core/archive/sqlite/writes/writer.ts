/**
 * The archive's one writer: every write goes through the group committer, so a caller's promise
 * resolves only once its rows are durable. It runs on the writer thread (sqlite/threads), or on
 * the calling thread for tests, the CLI, and when a thread cannot start.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { KnownPayload } from '../../../../../shared/payload.js';
import type { StoreWrites } from '../../store.js';
import type { CallerSettings, ExportedFollowUp, FollowUpView, Rule, Tag, TagColor } from '../../../../../shared/follow-up.js';
import type {
  EraseOptions,
  ErasePage,
  ErasureStart,
  AddNoteInput,
  ArchiveLimits,
  DeliveryRecord,
  EditNoteInput,
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
import { statement, type WritableDB } from '../database.js';
import { GroupCommitter } from './group-commit.js';
import * as edits from './owner-edits.js';
import * as accounts from './accounts.js';
import type { AddUserInput, AuditInput, RedeemLinkInput, SignInLinkInput, SignInSessionInput, UserRecord } from '../../account-types.js';
import { Triage } from './triage.js';

import { projectEvent } from './projection.js';
import { eraseOne, erasePage, eraseTraces, recordErased, scrubStep } from './erasure.js';
import type { RetentionPeriod } from '../../../../../shared/retention.js';
import { Projector } from './projector.js';
import * as forwarding from './forwarding.js';
import type { ForwardTarget } from '../../../../../shared/forwarding.js';

export class SqliteWriter implements StoreWrites {
  private readonly committer: GroupCommitter;
  private readonly projector: Projector | null;
  private readonly statements;
  private readonly triage: Triage;
  private deliveriesSincePrune = 0;
  private readonly listeners: Array<(events: ProjectedEvent[]) => void> = [];

  constructor(
    private readonly db: WritableDB,
    private readonly limits: ArchiveLimits,
    deferProjection: boolean,
  ) {
    this.committer = new GroupCommitter(db);
    this.triage = new Triage(db);
    this.triage.seed(Date.now());
    this.projector = deferProjection
      ? new Projector(db, this.committer, (events) => this.emitProjected(events), (projectedDb, payload) => this.attentionAfter(projectedDb, payload))
      : null;
    this.statements = {
      insertEvent: db.prepare(
        `INSERT INTO events (session_id, event, event_at, received_at, source, body, body_sha256, projected, redactions)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, event) DO NOTHING`,
      ),
      // Positional parameters: one of these runs for every request, and binding by name costs more.
      insertDelivery: db.prepare(
        `INSERT INTO deliveries (received_at, method, path, remote, event_header, event, session_id, outcome,
           status_code, reason, size, latency_ms, headers, quarantine_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      pruneDeliveries: db.prepare(`DELETE FROM deliveries WHERE id <= (SELECT max(id) FROM deliveries) - ?`),
      insertQuarantine: db.prepare(
        `INSERT INTO quarantine (received_at, failure, reason, event_header, signature_header, event, session_id,
           headers, body, size)
         VALUES (@receivedAt, @failure, @reason, @eventHeader, @signatureHeader, @event, @sessionId, @headers, @body, @size)`,
      ),
      quarantineTotals: db.prepare(`SELECT (SELECT value FROM counters WHERE name = 'quarantined') AS n, (SELECT value FROM counters WHERE name = 'quarantined_bytes') AS bytes`),
      dropOldestQuarantined: db.prepare(`DELETE FROM quarantine WHERE id = (SELECT min(id) FROM quarantine)`),
    };
  }

  /**
   * Triage runs in the transaction that projected the event; the desktop hears what it concluded
   * when a call ends. "Needs follow-up" is only known here, after the rules ran over the projected
   * session (never at ingest, whose transaction has not read the payload), so the forwards of
   * ended sessions that need follow-up are enqueued in this transaction: the state and its
   * forward are committed together, and an event whose projection fails forwards nothing of this kind.
   */
  private attentionAfter(db: WritableDB, payload: Pick<KnownPayload, 'sessionId' | 'event'>): ProjectedEvent['attention'] {
    const now = Date.now();
    const attention = this.triage.afterProjection(db, payload.sessionId, now);
    if (attention?.followUp && payload.event === 'session.ended') forwarding.enqueueFollowUp(db, payload.sessionId, now);
    return attention && payload.event === 'session.ended' ? attention : undefined;
  }

  saveForwardTarget(input: SaveForwardTargetInput): Promise<ForwardTarget> {
    return this.committer.submit((db) => forwarding.saveTarget(db, input));
  }

  deleteForwardTarget(id: number): Promise<boolean> {
    return this.committer.submit((db) => forwarding.deleteTarget(db, id));
  }

  pauseForwardTarget(input: { id: number; reason: string; at: number }): Promise<ForwardTarget> {
    return this.committer.submit((db) => forwarding.pauseTarget(db, input.id, input.reason, input.at));
  }

  resumeForwardTarget(input: { id: number; at: number }): Promise<ForwardTarget> {
    return this.committer.submit((db) => forwarding.resumeTarget(db, input.id, input.at));
  }

  /**
   * Claims and attempt records are a few indexed statements: they join the webhooks' group commit
   * (sharing its fsync) rather than run as background work, whose every job is a transaction and an
   * fsync of its own, one per forward, that a webhook arriving meanwhile would wait behind.
   */
  claimForwards(options: ClaimForwardsOptions): Promise<ClaimedForward[]> {
    return this.committer.submit((db) => forwarding.claimDue(db, options));
  }

  recordForwardAttempt(result: ForwardAttemptRecord): Promise<ForwardAttemptRecorded | null> {
    return this.committer.submit((db) => forwarding.recordAttempt(db, result));
  }

  resendForward(input: { outboxId: number; at: number }): Promise<boolean> {
    return this.committer.submit((db) => forwarding.resendOne(db, input.outboxId, input.at));
  }

  resendPeriod(options: ResendPeriodOptions): Promise<ResendPeriodPage> {
    return this.committer.submit((db) => forwarding.resendPeriod(db, options), { background: true });
  }

  setFollowUp(input: SetFollowUpInput): Promise<FollowUpView> {
    return this.committer.submit((db) => edits.setFollowUp(db, input));
  }

  addNote(input: AddNoteInput): Promise<FollowUpView> {
    return this.committer.submit((db) => edits.addNote(db, input));
  }

  editNote(input: EditNoteInput): Promise<FollowUpView> {
    return this.committer.submit((db) => edits.editNote(db, input));
  }

  deleteNote(input: { noteId: number; author: string }): Promise<FollowUpView> {
    return this.committer.submit((db) => edits.deleteNote(db, input));
  }

  saveTag(tag: { id?: number | undefined; name: string; color: TagColor }): Promise<Tag> {
    return this.committer.submit((db) => edits.saveTag(db, tag));
  }

  deleteTag(id: number): Promise<boolean> {
    return this.committer.submit((db) => edits.deleteTag(db, id));
  }

  tagSession(input: TagSessionInput): Promise<FollowUpView> {
    return this.committer.submit((db) => edits.tagSession(db, input));
  }

  restoreFollowUp(sessionId: string, followUp: ExportedFollowUp): Promise<void> {
    return this.committer.submit((db) => edits.restoreFollowUp(db, sessionId, followUp, Date.now()));
  }

  saveRule(rule: SaveRuleInput, at: number): Promise<Rule> {
    return this.committer.submit((db) => this.triage.saveRule(db, rule, at));
  }

  deleteRule(id: string): Promise<boolean> {
    return this.committer.submit((db) => this.triage.deleteRule(db, id));
  }

  saveCallerSettings(settings: CallerSettings): Promise<CallerSettings> {
    return this.committer.submit((db) => this.triage.saveCallerSettings(db, settings));
  }

  /** Background work: webhooks waiting for their commit go first. */
  retriage(options: RetriageOptions): Promise<RetriagePage> {
    return this.committer.submit((db) => this.triage.page(db, options), { background: true });
  }

  triageStale(options: { staleBefore: number; now: number }): Promise<{ changed: number }> {
    return this.committer.submit((db) => this.triage.stale(db, options), { background: true });
  }

  addUser(input: AddUserInput): Promise<UserRecord> {
    return this.committer.submit((db) => accounts.addUser(db, input));
  }

  createSignInLink(input: SignInLinkInput): Promise<UserRecord> {
    return this.committer.submit((db) => accounts.createSignInLink(db, input));
  }

  redeemSignInLink(input: RedeemLinkInput): Promise<UserRecord | null> {
    return this.committer.submit((db) => accounts.redeemSignInLink(db, input));
  }

  startSignInSession(input: SignInSessionInput): Promise<void> {
    return this.committer.submit((db) => accounts.startSignInSession(db, input));
  }

  touchSignInSession(input: { tokenHash: string; at: number }): Promise<void> {
    return this.committer.submit((db) => accounts.touchSignInSession(db, input));
  }

  endSignInSession(tokenHash: string): Promise<boolean> {
    return this.committer.submit((db) => accounts.endSignInSession(db, tokenHash));
  }

  disableUser(input: { name: string; at: number }): Promise<UserRecord> {
    return this.committer.submit((db) => accounts.disableUser(db, input));
  }

  removeUser(name: string): Promise<UserRecord> {
    return this.committer.submit((db) => accounts.removeUser(db, name));
  }

  recordAudit(input: AuditInput): Promise<void> {
    return this.committer.submit((db) => accounts.recordAudit(db, input));
  }

  async commitStats(): Promise<GroupCommitStats> {
    return { ...this.committer.stats };
  }

  onProjected(listener: (events: ProjectedEvent[]) => void): void {
    this.listeners.push(listener);
  }

  async ingest(input: IngestInput): Promise<IngestResult> {
    const deferred = this.projector !== null;
    const result = await this.committer.submit((db) => {
      const { payload } = input;
      const inserted = this.statements.insertEvent.run(
        payload.sessionId,
        payload.event,
        payload.timestamp,
        input.receivedAt,
        input.source,
        input.body,
        createHash('sha256').update(input.body).digest('hex'),
        deferred ? 0 : 1,
        input.redactions ?? 0,
      );
      const duplicate = inserted.changes === 0;
      // An import brings back old calls: handing them on again is the owner's choice (resend a period).
      if (!duplicate && input.source !== 'import') {
        forwarding.enqueueStored(db, Number(inserted.lastInsertRowid), payload.sessionId, payload.event, input.receivedAt);
      }
      let attention: ProjectedEvent['attention'];
      // Across a thread only the event's identity travels (a payload can be nested deeper than a
      // structured clone goes); the caller validated the body, so it is read back from the bytes.
      if (!duplicate && !deferred) {
        projectEvent(db, 'data' in payload ? payload : (JSON.parse(Buffer.from(input.body).toString('utf8')) as KnownPayload), input.receivedAt);
        attention = this.attentionAfter(db, payload);
      }
      const delivery = input.delivery;
      if (delivery) {
        this.insertDelivery({
          receivedAt: delivery.receivedAt,
          method: delivery.method,
          path: delivery.path,
          remote: delivery.remote,
          eventHeader: delivery.eventHeader,
          event: payload.event,
          sessionId: payload.sessionId,
          outcome: duplicate ? 'duplicate' : 'stored',
          statusCode: 200,
          reason: delivery.reason,
          size: delivery.size,
          latencyMs: performance.timeOrigin + performance.now() - delivery.startedAt,
          headersJson: delivery.headersJson,
        });
      }
      return { duplicate, attention };
    });
    if (!result.duplicate) {
      if (this.projector) this.projector.noteIngest();
      else this.emitProjected([{ sessionId: input.payload.sessionId, event: input.payload.event, ...(result.attention ? { attention: result.attention } : {}) }]);
    }
    return { duplicate: result.duplicate };
  }

  logDelivery(delivery: DeliveryRecord, quarantined?: QuarantineRecord): Promise<void> {
    return this.committer.submit(() => {
      const quarantineId = quarantined ? this.insertQuarantine(quarantined) : null;
      this.insertDelivery(delivery, quarantineId);
    });
  }

  /**
   * Erases one session with its traces (see erasure.ts); with `erasure`, records that it happened
   * in the same transaction. Its search-index leftovers go with the next scrub (scrubErased).
   */
  eraseSession(sessionId: string, erasure?: ErasureStart): Promise<boolean> {
    return this.committer.submit((db) => {
      const erased = eraseOne(db, sessionId);
      eraseTraces(db, [sessionId], true);
      if (erasure) recordErased(db, null, erasure, erased ? 1 : 0);
      return erased;
    });
  }

  /** Background work, one page at a time, like a re-run of the rules: webhooks go first. */
  eraseSessions(options: EraseOptions): Promise<ErasePage> {
    return this.committer.submit((db) => erasePage(db, options), { background: true });
  }

  /** Indexing waits while the scrub runs (see Projector.holdFor); a scrub that stops calling lets it go after 2 s. */
  async scrubErased(options: { budgetMs: number }): Promise<{ done: boolean }> {
    this.projector?.holdFor(2_000);
    try {
      const step = await this.committer.submit((db) => scrubStep(db, options.budgetMs), { background: true });
      if (step.done) this.projector?.holdFor(0);
      return step;
    } catch (error) {
      this.projector?.holdFor(0);
      throw error;
    }
  }

  /**
   * The last trace of an erasure: old page images in the write-ahead log. A TRUNCATE checkpoint
   * copies the log into the file and cuts it to nothing. It runs outside any transaction, between
   * two group commits, and waits at most briefly for readers: when one holds an old snapshot it
   * answers false and is tried again later, rather than holding up acknowledgements.
   */
  async finishErasures(options: { at: number }): Promise<{ finished: boolean }> {
    await this.committer.drain();
    const previous = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 100');
    let busy: number;
    try {
      busy = (this.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>)[0]?.busy ?? 0;
    } finally {
      this.db.pragma(`busy_timeout = ${previous}`);
    }
    if (busy !== 0) return { finished: false };
    await this.committer.submit((db) => statement(db, 'UPDATE erasures SET finished_at = ? WHERE finished_at IS NULL').run(options.at));
    return { finished: true };
  }

  setRetention(period: RetentionPeriod): Promise<RetentionPeriod> {
    return this.committer.submit((db) => {
      statement(db, "INSERT INTO archive_settings (name, value) VALUES ('retention', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value").run(JSON.stringify(period));
      return period;
    });
  }

  releaseFromQuarantine(ids: number[]): Promise<void> {
    return this.committer.submit((db) => {
      const remove = statement(db, 'DELETE FROM quarantine WHERE id = ?');
      for (const id of ids) remove.run(id);
    });
  }

  recordOutage(outage: Outage): Promise<void> {
    return this.committer.submit((db) => {
      statement(db, 'INSERT INTO tunnel_outages (started_at, ended_at, reason) VALUES (?, ?, ?)').run(outage.startedAt, outage.endedAt, outage.reason);
      statement(db, 'DELETE FROM tunnel_outages WHERE id <= (SELECT max(id) FROM tunnel_outages) - 1000').run();
    });
  }

  async settled(): Promise<void> {
    // Commit first: ingests still queued are not yet waiting to be indexed, so draining the
    // projector before them would resolve with their indexing still to come.
    await this.committer.drain();
    await this.projector?.drain();
    await this.committer.drain();
  }

  /** Finishes pending commits and, for a few seconds, pending indexing (the rest waits for the next start). */
  async close(): Promise<void> {
    await this.projector?.stop(5_000);
    await this.committer.close();
  }

  private emitProjected(events: ProjectedEvent[]): void {
    for (const listener of this.listeners) {
      try {
        listener(events);
      } catch {
        // A listener's failure must never disturb the writer.
      }
    }
  }

  private insertDelivery(delivery: DeliveryRecord, quarantineId: number | null = null): void {
    const d = delivery;
    this.statements.insertDelivery.run(
      d.receivedAt, d.method, d.path, d.remote, d.eventHeader, d.event, d.sessionId, d.outcome,
      d.statusCode, d.reason, d.size, d.latencyMs, d.headersJson, quarantineId,
    );
    this.deliveriesSincePrune += 1;
    if (this.deliveriesSincePrune >= 100) {
      this.deliveriesSincePrune = 0;
      this.statements.pruneDeliveries.run(this.limits.maxDeliveries);
    }
  }

  private insertQuarantine(record: QuarantineRecord): number {
    const result = this.statements.insertQuarantine.run({
      ...record,
      headers: record.headers ? JSON.stringify(record.headers) : null,
      size: record.body.length,
    });
    for (;;) {
      const totals = this.statements.quarantineTotals.get() as { n: number; bytes: number };
      if (totals.n <= this.limits.maxQuarantined && totals.bytes <= this.limits.maxQuarantineBytes) break;
      if (totals.n <= 1) break;
      this.statements.dropOldestQuarantined.run();
    }
    return Number(result.lastInsertRowid);
  }
}
