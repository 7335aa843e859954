import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import { Archive } from '../../electron/core/archive/archive.js';
import { CommitError } from '../../electron/core/archive/group-commit.js';
import { writerWorkerEntry } from '../../electron/core/archive/worker-writer.js';
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
