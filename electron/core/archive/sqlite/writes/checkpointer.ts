/**
 * Folds the WAL into the archive file on a thread and connection of its own. Left to SQLite, the
 * COMMIT that crosses 1,000 WAL pages copies them into the file and fsyncs it, and on a 1.3 GB
 * archive that COMMIT took 20–60 ms, once 641 ms, while the webhooks behind it waited. Here the
 * writer runs with wal_autocheckpoint = 0 and this thread runs a PASSIVE checkpoint every half
 * second: PASSIVE takes no lock the writer needs, so commits go on while it copies. When it has
 * caught up with the WAL, the writer's next transaction starts the WAL from its beginning again,
 * and journal_size_limit cuts the file back.
 */
import { statement, type WritableDB } from '../database.js';

const INTERVAL_MS = 500;

export class Checkpointer {
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly db: WritableDB) {
    this.timer = setInterval(() => this.checkpoint(), INTERVAL_MS);
  }

  checkpoint(): void {
    try {
      statement(this.db, 'PRAGMA wal_checkpoint(PASSIVE)').get();
    } catch {
      // Busy or an I/O hiccup: the next turn retries. Commits never depend on a checkpoint.
    }
  }

  close(): void {
    clearInterval(this.timer);
    if (this.db.open) this.db.close();
  }
}
