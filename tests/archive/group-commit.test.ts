import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { CommitError } from '../../electron/core/archive/errors.js';
import { GroupCommitter } from '../../electron/core/archive/sqlite/writes/group-commit.js';
import { onCleanup, tempDir } from '../support/fixtures.js';

/** A real WAL + synchronous=FULL database with one table whose NOT NULL column lets a job fail on demand. */
function tempDb(): Database.Database {
  const db = new Database(join(tempDir(), 'commit.sqlite'));
  onCleanup(() => db.close());
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, value TEXT NOT NULL) STRICT');
  return db;
}

const insert = (value: string | null) => (db: Database.Database) => Number(db.prepare('INSERT INTO t (value) VALUES (?)').run(value).lastInsertRowid);
const rows = (db: Database.Database) => db.prepare('SELECT value FROM t ORDER BY id').pluck().all();

describe('group commit', () => {
  it('runs background work in a transaction of its own, after the jobs waiting with it', async () => {
    const db = tempDb();
    const committer = new GroupCommitter(db);
    const order: string[] = [];
    const background = committer.submit((d) => (order.push('index'), insert('index')(d)), { background: true });
    const webhooks = ['a', 'b'].map((value) => committer.submit((d) => (order.push(value), insert(value)(d))));
    await Promise.all([background, ...webhooks]);
    expect(order).toEqual(['a', 'b', 'index']);
    expect(committer.stats).toMatchObject({ transactions: 2, jobs: 3, largestBatch: 2 });
    await committer.drain();
    expect(rows(db)).toEqual(['a', 'b', 'index']);
  });

  it('commits the jobs submitted together in one transaction, and resolves them only after it', async () => {
    const db = tempDb();
    const committer = new GroupCommitter(db);
    const jobs = ['a', 'b', 'c', 'd'].map((value) => committer.submit(insert(value)));
    expect(rows(db)).toEqual([]); // nothing runs before the batch is flushed
    await expect(Promise.all(jobs)).resolves.toEqual([1, 2, 3, 4]);
    expect(committer.stats).toMatchObject({ transactions: 1, jobs: 4, largestBatch: 4 });
    expect(rows(db)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('fails only the job that throws: the others commit exactly once, in order', async () => {
    const db = tempDb();
    const committer = new GroupCommitter(db);
    const results = await Promise.allSettled([committer.submit(insert('a')), committer.submit(insert(null)), committer.submit(insert('c'))]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    // The job's own error comes back (a 4xx-style problem), not a CommitError (which would mean "retry").
    const failure = (results[1] as PromiseRejectedResult).reason as Error & { code?: string };
    expect(failure).not.toBeInstanceOf(CommitError);
    expect(failure.code).toBe('SQLITE_CONSTRAINT_NOTNULL');
    // The first attempt was rolled back and the batch redone job by job: no row twice.
    expect(rows(db)).toEqual(['a', 'c']);
    expect(committer.stats).toMatchObject({ transactions: 1, jobs: 3 });
  });

  it('rejects every job of a batch with a CommitError when the database cannot write', async () => {
    const db = tempDb();
    const committer = new GroupCommitter(db);
    db.pragma('query_only = 1'); // every write now fails the way a read-only or broken disk does
    const results = await Promise.allSettled([committer.submit(insert('a')), committer.submit(insert('b'))]);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(CommitError);
    }
    db.pragma('query_only = 0');
    expect(rows(db)).toEqual([]);
  });
});
