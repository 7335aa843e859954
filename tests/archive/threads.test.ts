import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import Database from 'better-sqlite3';
import { ArchiveVersionError, CommitError } from '../../electron/core/archive/errors.js';
import { SqliteStore } from '../../electron/core/archive/sqlite/sqlite-store.js';
import { OpThread, reviveBuffers, threadEntry } from '../../electron/core/archive/sqlite/threads/op-thread.js';
import { onCleanup, sessionPair, tempDir } from '../support/fixtures.js';

const ingest = (archive: SqliteStore, payload: { event: string; sessionId: string }) =>
  archive.ingest({ payload: payload as never, body: Buffer.from(JSON.stringify(payload)), source: 'webhook', receivedAt: Date.now() });

/** The store's threads, reached the way the engine reaches them (and only for these tests). */
const threadsOf = (archive: SqliteStore) => archive as unknown as { writer: { worker: Worker | null }; reader: { worker: Worker | null } };

describe('archive threads', () => {
  beforeAll(() => {
    if (!threadEntry()) throw new Error('the archive threads are not built: run npm run build first');
  });

  async function open(onFallback?: (reason: string) => void) {
    const archive = await SqliteStore.open(join(tempDir(), 'archive.sqlite'), { threads: true, deferProjection: true, ...(onFallback ? { onFallback } : {}) });
    onCleanup(() => archive.close());
    return archive;
  }

  it('stores, deduplicates, projects and reads through the threads, never on this one', async () => {
    const archive = await open();
    expect(threadsOf(archive).writer.worker).toBeTruthy();
    expect(threadsOf(archive).reader.worker).toBeTruthy();
    const { started, ended } = sessionPair({ messages: 15 });
    const results = await Promise.all([ingest(archive, started), ingest(archive, ended), ingest(archive, ended)]);
    expect(results.map((r) => r.duplicate).sort()).toEqual([false, false, true]);
    await archive.settled();
    expect(await archive.counts({ staleBefore: 0 })).toMatchObject({ events: 2, sessions: 1, messages: 15 });
    expect((await archive.commitStats()).jobs).toBeGreaterThanOrEqual(3);
  });

  it('if a thread cannot start, the archive works on this thread instead and says so', async () => {
    const failing = vi.spyOn(OpThread, 'start').mockRejectedValue(new Error('cannot load the thread from the package'));
    const reasons: string[] = [];
    const archive = await open((reason) => reasons.push(reason));
    failing.mockRestore();
    expect(reasons).toEqual([
      'the archive writer thread could not start (cannot load the thread from the package); writing on this thread instead',
      'the archive reader thread could not start (cannot load the thread from the package); reading on this thread instead',
    ]);
    const { ended } = sessionPair({ messages: 4 });
    await expect(ingest(archive, ended)).resolves.toEqual({ duplicate: false });
    await archive.settled();
    expect(await archive.counts({ staleBefore: 0 })).toMatchObject({ events: 1, sessions: 1, messages: 4 });
  });

  it('an archive written by a newer version is refused with its own error, not retried on this thread', async () => {
    const file = join(tempDir(), 'archive.sqlite');
    const raw = new Database(file);
    raw.pragma('user_version = 999');
    raw.close();
    const reasons: string[] = [];
    await expect(SqliteStore.open(file, { threads: true, onFallback: (reason) => reasons.push(reason) })).rejects.toBeInstanceOf(ArchiveVersionError);
    expect(reasons).toEqual([]);
  });

  it('when the writer thread dies, waiting writes fail as commit failures (503) and a new thread takes over', async () => {
    const archive = await open();
    const pending = ingest(archive, sessionPair().started);
    await threadsOf(archive).writer.worker!.terminate();
    await expect(pending).rejects.toBeInstanceOf(CommitError);
    // The next write waits for the new thread, then succeeds.
    const { started } = sessionPair();
    await expect(ingest(archive, started)).resolves.toEqual({ duplicate: false });
    await archive.settled();
    expect(await archive.storedEvents(started.sessionId)).toEqual(['session.started']);
  });

  it('when the reader thread dies, reads in flight fail with a clear error and a new thread answers the next', async () => {
    const archive = await open();
    const { started } = sessionPair();
    await ingest(archive, started);
    const pending = archive.storedEvents(started.sessionId);
    await threadsOf(archive).reader.worker!.terminate();
    await expect(pending).rejects.toThrow(/the archive could not be read/);
    await expect(archive.storedEvents(started.sessionId)).resolves.toEqual(['session.started']);
  });

  it('an error class crosses the thread: a forged cursor is a BadCursorError', async () => {
    const archive = await open();
    await expect(archive.listSessions({ filters: {}, limit: 10, cursor: 'forged', staleAfterMs: 1 })).rejects.toMatchObject({ name: 'BadCursorError' });
  });

  it('a checkpoint thread folds the WAL into the archive file, outside the writer\'s commits', async () => {
    const file = join(tempDir(), 'archive.sqlite');
    const archive = await SqliteStore.open(file, { threads: true, deferProjection: true });
    onCleanup(() => archive.close());
    const before = statSync(file).size;
    // About 100 WAL pages: far below the 1,000 at which SQLite would checkpoint inside a COMMIT.
    for (let i = 0; i < 20; i += 1) await ingest(archive, sessionPair({ messages: 20 }).ended);
    await archive.settled();
    const walPages = statSync(`${file}-wal`).size / 4096;
    expect(walPages).toBeGreaterThan(20);
    expect(walPages).toBeLessThan(1000);
    await vi.waitFor(() => expect(statSync(file).size).toBeGreaterThan(before + 20 * 4096), { timeout: 3_000, interval: 100 });
  });

  it('the JSON form of a read is the same result, serialized on the reader thread', async () => {
    const archive = await open();
    const { started, ended } = sessionPair({ messages: 12 });
    await ingest(archive, started);
    await ingest(archive, ended);
    await archive.settled();
    const roundTrip = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
    const list = { filters: {}, limit: 10, staleAfterMs: 60_000, now: 1 };
    expect((await archive.json.listSessions(list)).parse()).toEqual(roundTrip(await archive.listSessions(list)));
    expect((await archive.json.getMessages(ended.sessionId, 0, 100)).parse()).toEqual(roundTrip(await archive.getMessages(ended.sessionId, 0, 100)));
    expect((await archive.json.facets()).parse()).toEqual(roundTrip(await archive.facets()));
    const missing = await archive.json.getSession('no-such-session', 60_000);
    expect(missing.isNull).toBe(true);
    expect(missing.parse()).toBeNull();
  });

  it('reads that return bodies give Buffers back, wherever they sit', () => {
    const bytes = new Uint8Array([104, 105]);
    const revived = reviveBuffers({ items: [{ body: bytes }], nested: { deeper: { body: bytes } } }) as { items: Array<{ body: Buffer }>; nested: { deeper: { body: Buffer } } };
    expect(Buffer.isBuffer(revived.items[0]!.body)).toBe(true);
    expect(revived.items[0]!.body.toString()).toBe('hi');
    expect(Buffer.isBuffer(revived.nested.deeper.body)).toBe(true);
  });
});
