import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { Archive } from '../../electron/core/archive/archive.js';
import { CommitError } from '../../electron/core/archive/group-commit.js';
import { WorkerWriter, writerWorkerEntry } from '../../electron/core/archive/worker-writer.js';
import { onCleanup, sessionPair, tempDir } from '../support/fixtures.js';

const ingest = (archive: Archive, payload: { event: string; sessionId: string }) =>
  archive.ingest({ payload: payload as never, body: Buffer.from(JSON.stringify(payload)), source: 'webhook', receivedAt: Date.now() });

describe('writer thread', () => {
  beforeAll(() => {
    if (!writerWorkerEntry()) throw new Error('the writer thread is not built: run npm run build first');
  });

  async function open() {
    const archive = await Archive.openWithWriterThread(join(tempDir(), 'archive.sqlite'), { deferProjection: true });
    onCleanup(() => archive.close());
    return archive;
  }

  it('stores, deduplicates and projects through the thread', async () => {
    const archive = await open();
    const { started, ended } = sessionPair({ messages: 15 });
    const results = await Promise.all([ingest(archive, started), ingest(archive, ended), ingest(archive, ended)]);
    expect(results.map((r) => r.duplicate).sort()).toEqual([false, false, true]);
    await archive.settled();
    expect(archive.counts()).toMatchObject({ events: 2, sessions: 1, messages: 15 });
    expect(archive.commitStats.jobs).toBeGreaterThanOrEqual(3);
  });

  it('if the thread cannot start, the archive writes on this thread instead and says so', async () => {
    const failing = vi.spyOn(WorkerWriter, 'start').mockRejectedValueOnce(new Error('cannot load the writer from the package'));
    const reasons: string[] = [];
    const archive = await Archive.openWithWriterThread(join(tempDir(), 'archive.sqlite'), { deferProjection: true, onFallback: (reason) => reasons.push(reason) });
    onCleanup(() => archive.close());
    failing.mockRestore();
    expect(reasons).toEqual(['cannot load the writer from the package']);
    const { ended } = sessionPair({ messages: 4 });
    await expect(ingest(archive, ended)).resolves.toEqual({ duplicate: false });
    await archive.settled();
    expect(archive.counts()).toMatchObject({ events: 1, sessions: 1, messages: 4 });
  });

  it('when the thread dies, waiting writes fail as commit failures (503) and a new thread takes over', async () => {
    const archive = await open();
    const writer = (archive as unknown as { writer: { worker: Worker | null } }).writer;
    const pending = ingest(archive, sessionPair().started);
    await writer.worker!.terminate();
    await expect(pending).rejects.toBeInstanceOf(CommitError);
    // The next write waits for the new thread, then succeeds.
    const { started } = sessionPair();
    await expect(ingest(archive, started)).resolves.toEqual({ duplicate: false });
    await archive.settled();
    expect(archive.db.prepare('SELECT count(*) AS n FROM sessions WHERE session_id = ?').get(started.sessionId)).toEqual({ n: 1 });
  });
});
