/**
 * Deferred projection: the webhook is acknowledged as soon as its raw event is durable (the
 * CallAIder guidance: "return 2xx quickly, move heavy processing to a queue"); the projector then
 * indexes waiting events into sessions, messages, files and search, in small time-boxed
 * transactions that give way to incoming webhooks. The queue is the events table itself
 * (projected = 0), so it survives crashes: whatever is waiting at start-up is indexed then.
 *
 * Each event is projected in its own savepoint together with its projected = 1 flag, so an event
 * is projected exactly once. One that cannot be projected is marked -1 with the reason: it stays
 * stored and exported, and the app says so.
 */
import type * as PayloadModuleType from '../../../../../shared/payload.js';
import type { KnownPayload } from '../../../../../shared/payload.js';
import type { ProjectedEvent } from '../../types.js';
import { statement, type WritableDB } from '../database.js';
import type { GroupCommitter } from './group-commit.js';
import { projectEvent } from './projection.js';

/** Work per turn, and the pause before the next turn while webhooks are waiting. */
const SLICE_MS = 4;
const YIELD_MS = 12;
const BATCH = 64;
/**
 * Indexing waits for a quiet moment (no webhook for QUIET_MS), so a burst is acknowledged at full
 * speed and indexed right after it; but never longer than MAX_LAG_MS behind, or MAX_BACKLOG events.
 * A steady stream (50 calls a second never leaves 25 ms of quiet) still gets one slice every
 * STEADY_EVERY_MS, so its backlog does not pile up into a long catch-up that delays webhooks; a
 * burst (over BURST_PER_SECOND) is left alone until it ends, as before.
 */
const QUIET_MS = 25;
const STEADY_EVERY_MS = 50;
const BURST_PER_SECOND = 200;
const MAX_LAG_MS = 30_000;
const MAX_BACKLOG = 100_000;

type PayloadModule = typeof PayloadModuleType;
let payloadModule: Promise<PayloadModule> | null = null;
/** The schema is loaded when the first event is indexed, not while the engine starts. */
const loadPayloadSchema = () => (payloadModule ??= import('../../../../../shared/payload.js'));

export class Projector {
  private scheduled = false;
  private running: Promise<void> | null = null;
  private stopped = false;
  private lastIngestAt = 0;
  private lastSliceAt = 0;
  /** Indexing waits until then (an erasure's scrub is rewriting the search index). */
  private heldUntil = 0;
  /** Webhooks stored in the current and the previous second: the stream's rate. */
  private ingests = { second: 0, current: 0, previous: 0 };

  constructor(
    private readonly db: WritableDB,
    private readonly committer: GroupCommitter,
    private readonly onProjected: (events: ProjectedEvent[]) => void,
    /** Runs in the event's own transaction, right after its projection (triage). */
    private readonly afterProjection: (db: WritableDB, payload: KnownPayload) => ProjectedEvent['attention'] = () => undefined,
  ) {
    // Events left waiting by a crash or a quick shutdown.
    if (this.waiting() > 0) this.wake();
  }

  /** A webhook was just stored: keep out of its way for a moment. */
  noteIngest(): void {
    this.lastIngestAt = Date.now();
    const second = Math.floor(this.lastIngestAt / 1000);
    if (second !== this.ingests.second) {
      this.ingests = { second, current: 0, previous: second === this.ingests.second + 1 ? this.ingests.current : 0 };
    }
    this.ingests.current += 1;
    this.wake();
  }

  private inBurst(): boolean {
    return Math.max(this.ingests.current, this.ingests.previous) > BURST_PER_SECOND;
  }

  wake(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    // Webhooks first: while some wait for their commit, index a little later.
    if (this.committer.pending > 0) setTimeout(() => this.turn(), YIELD_MS);
    else setImmediate(() => this.turn());
  }

  /**
   * Holds indexing for `ms` (renewed by each call; 0 lets go). An erasure's scrub rewrites the
   * search index by incremental merges: every slice indexed meanwhile adds a segment, and a new
   * segment makes FTS5 start the rewrite over (on 100,000 sessions under a steady stream it never
   * finished and the index grew sevenfold). Webhooks are still acknowledged; they are indexed
   * once the rewrite is done, or when the hold runs out because no scrub step renewed it.
   */
  holdFor(ms: number): void {
    this.heldUntil = Date.now() + ms;
    if (ms <= 0 && this.waiting() > 0) this.wake();
  }

  /** Resolves when nothing waits to be projected (or nothing more can be: the archive cannot write). */
  async drain(): Promise<void> {
    let before = Number.POSITIVE_INFINITY;
    while (!this.stopped) {
      if (this.running) {
        await this.running;
        continue;
      }
      const held = this.heldUntil - Date.now();
      if (held > 0) {
        await new Promise((resolve) => setTimeout(resolve, held));
        continue;
      }
      const waiting = this.waiting();
      if (waiting === 0 || waiting >= before) return;
      before = waiting;
      await this.runSlice(Number.POSITIVE_INFINITY);
    }
  }

  /** Projects for at most `graceMs` more, then stops (the rest waits for the next start). */
  async stop(graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs;
    while (this.waiting() > 0 && Date.now() < deadline) {
      if (this.running) await this.running;
      else await this.runSlice(SLICE_MS * 10);
    }
    this.stopped = true;
    await this.running;
  }

  private waiting(): number {
    return (statement(this.db, "SELECT value AS n FROM counters WHERE name = 'events_waiting'").get() as { n: number }).n;
  }

  private mustWait(): boolean {
    const now = Date.now();
    if (now - this.lastIngestAt >= QUIET_MS) return false;
    if (now - this.lastSliceAt >= STEADY_EVERY_MS && !this.inBurst()) return false;
    // Runs every QUIET_MS during a burst, so it reads two index ends rather than counting the
    // backlog: ids grow with arrival, so newest id - oldest waiting id bounds the backlog.
    const oldest = statement(
      this.db,
      'SELECT id, received_at, (SELECT max(id) FROM events) AS newest FROM events WHERE projected = 0 ORDER BY id LIMIT 1',
    ).get() as { id: number; received_at: number; newest: number } | undefined;
    if (!oldest) return true;
    if (Date.now() - oldest.received_at > MAX_LAG_MS) return false;
    return oldest.newest - oldest.id + 1 < MAX_BACKLOG;
  }

  private turn(): void {
    this.scheduled = false;
    if (this.stopped || this.running) return;
    const held = this.heldUntil - Date.now();
    if (held > 0) {
      this.scheduled = true;
      setTimeout(() => this.turn(), held);
      return;
    }
    if (this.mustWait()) {
      this.scheduled = true;
      setTimeout(() => this.turn(), QUIET_MS);
      return;
    }
    void this.runSlice(SLICE_MS).then(() => {
      if (this.waiting() > 0) this.wake();
    });
  }

  private runSlice(budgetMs: number): Promise<void> {
    this.lastSliceAt = Date.now();
    const slice = loadPayloadSchema()
      .then(({ checkPayload }) => this.committer.submit((db) => this.projectSome(db, budgetMs, checkPayload), { background: true }))
      .then(
        (events) => {
          if (events.length > 0) this.onProjected(events);
        },
        () => undefined, // a failed commit leaves the events waiting; the next turn retries
      )
      .finally(() => {
        this.running = null;
      });
    this.running = slice;
    return slice;
  }

  private projectSome(db: WritableDB, budgetMs: number, checkPayload: PayloadModule['checkPayload']): ProjectedEvent[] {
    const started = performance.now();
    // Ids only (the events_waiting index): a body is read when its turn comes, so a slice that the
    // time box ends after a few events has not read 64 bodies for nothing.
    const rows = statement(db, 'SELECT id FROM events WHERE projected = 0 ORDER BY id LIMIT ?').all(BATCH) as Array<{ id: number }>;
    const readEvent = statement(db, 'SELECT body, received_at FROM events WHERE id = ?');
    const done: ProjectedEvent[] = [];
    const projectOne = db.transaction((row: (typeof rows)[number]) => {
      const event = readEvent.get(row.id) as { body: Buffer; received_at: number };
      const checked = checkPayload(JSON.parse(event.body.toString('utf8')));
      if (checked.kind !== 'known') throw new Error(checked.kind === 'invalid' ? checked.reason : `unknown event ${checked.event}`);
      projectEvent(db, checked.payload, event.received_at);
      const attention = this.afterProjection(db, checked.payload);
      statement(db, 'UPDATE events SET projected = 1 WHERE id = ?').run(row.id);
      return { payload: checked.payload, attention };
    });
    for (const row of rows) {
      try {
        const { payload, attention } = projectOne(row);
        done.push({ sessionId: payload.sessionId, event: payload.event, ...(attention ? { attention } : {}) });
      } catch (error) {
        if (!db.inTransaction) throw error;
        statement(db, 'UPDATE events SET projected = -1, projection_error = ? WHERE id = ?').run(
          (error instanceof Error ? error.message : String(error)).slice(0, 500),
          row.id,
        );
      }
      if (performance.now() - started > budgetMs) break;
    }
    return done;
  }
}
