import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../electron/core/archive/sqlite/sqlite-store.js';
import { takeBackup } from '../../electron/core/backup/backups.js';
import { readManifest } from '../../electron/core/backup/manifest.js';
import { corrupt } from '../support/corrupt.js';
import { onCleanup, sessionPair, tempArchive, tempDir } from '../support/fixtures.js';

const body = (payload: unknown) => Buffer.from(JSON.stringify(payload));

describe('backups of a live archive', () => {
  it('copies a consistent archive during a burst of 300 ingests: every acknowledged event is in the restored copy', async () => {
    const { archive } = await tempArchive({ threads: true, deferProjection: true });
    const pairs = Array.from({ length: 150 }, (_, i) => sessionPair({ seed: 9000 + i, messages: 4 }));
    for (const { started, ended } of pairs.slice(0, 20)) {
      await archive.ingest({ payload: started, body: body(started), source: 'webhook', receivedAt: Date.now() });
      await archive.ingest({ payload: ended, body: body(ended), source: 'webhook', receivedAt: Date.now() });
    }
    const folder = tempDir();
    const burst = pairs.flatMap(({ started, ended }) => [started, ended]).map((payload) =>
      archive.ingest({ payload, body: body(payload), source: 'webhook', receivedAt: Date.now() }),
    );
    const record = await takeBackup({ store: archive, folder });
    const results = await Promise.all(burst);
    expect(results).toHaveLength(300);
    expect(record).toMatchObject({ ok: true, error: null });
    expect(existsSync(join(folder, record.file))).toBe(true);
    expect(readdirSync(folder).filter((name) => name.endsWith('.partial'))).toEqual([]);
    // The copy holds at least what was acknowledged before the backup began, and is whole.
    expect(record.counts!.events).toBeGreaterThanOrEqual(40);
    expect(SqliteStore.checkFile(join(folder, record.file)).ok).toBe(true);

    // A second backup after the burst settled, restored elsewhere: every acknowledged event is there.
    await archive.settled();
    const after = await takeBackup({ store: archive, folder, now: () => Date.now() + 1000 });
    expect(after.ok).toBe(true);
    const elsewhere = join(tempDir(), 'archive.sqlite');
    expect(SqliteStore.replaceFile(elsewhere, join(folder, after.file), 'x')).toEqual({ replacedBy: null });
    const restored = await SqliteStore.open(elsewhere, { readonly: true });
    onCleanup(() => restored.close());
    for (const { started } of pairs) expect(await restored.storedEvents(started.sessionId)).toEqual(['session.ended', 'session.started']);
    expect((await restored.counts({ staleBefore: 0 })).events).toBe(300);
    expect(readManifest(folder).map((entry) => entry.ok)).toEqual([true, true]);
  });

  it('refuses a corrupted copy with the reason, and a file that is not an archive', async () => {
    const { archive } = await tempArchive();
    for (let i = 0; i < 60; i += 1) {
      const { started, ended } = sessionPair({ seed: 100 + i, messages: 30 });
      await archive.ingest({ payload: started, body: body(started), source: 'webhook', receivedAt: 1 });
      await archive.ingest({ payload: ended, body: body(ended), source: 'webhook', receivedAt: 2 });
    }
    const folder = tempDir();
    const record = await takeBackup({ store: archive, folder });
    const copy = join(folder, record.file);
    expect(SqliteStore.checkFile(copy)).toMatchObject({ ok: true, problems: [], counts: { sessions: 60, events: 120 } });
    corrupt(copy);
    const check = SqliteStore.checkFile(copy);
    expect(check.ok).toBe(false);
    expect(check.problems.join('\n')).toMatch(/integrity|malformed|cannot read/);
    const notArchive = join(folder, 'notes.sqlite');
    writeFileSync(notArchive, 'hello');
    expect(SqliteStore.checkFile(notArchive).ok).toBe(false);
  });
});

describe('backups folder', () => {
  it('rotates its own files day after day, keeps files it did not make, and numbers two backups in one second', async () => {
    const { archive } = await tempArchive();
    const { started } = sessionPair({ seed: 1, messages: 2 });
    await archive.ingest({ payload: started, body: body(started), source: 'webhook', receivedAt: 1 });
    const folder = tempDir();
    writeFileSync(join(folder, 'callaider-archive-20200101-000000.sqlite'), 'made by hand, not recorded');
    writeFileSync(join(folder, 'notes.txt'), 'mine');
    const day0 = new Date(2026, 0, 1, 3, 0, 0).getTime();
    for (let day = 0; day < 10; day += 1) {
      const record = await takeBackup({ store: archive, folder, now: () => day0 + day * 86_400_000, keep: { daily: 3, weekly: 0, monthly: 0 } });
      expect(record.ok).toBe(true);
    }
    const twin = await takeBackup({ store: archive, folder, now: () => day0 + 9 * 86_400_000, keep: { daily: 3, weekly: 0, monthly: 0 } });
    expect(twin.file).toBe('callaider-archive-20260110-030000-2.sqlite');
    expect(readdirSync(folder).sort()).toEqual([
      'backups.json',
      'callaider-archive-20200101-000000.sqlite',
      'callaider-archive-20260108-030000.sqlite',
      'callaider-archive-20260109-030000.sqlite',
      'callaider-archive-20260110-030000-2.sqlite',
      'notes.txt',
    ]);
    const manifest = readManifest(folder);
    expect(manifest).toHaveLength(11);
    expect(manifest.filter((record) => record.removedAt).map((record) => record.file)).toHaveLength(8);
  });
});

describe('a backup that fails verification', () => {
  it('is deleted and recorded as failed with the reason; the good ones stay', async () => {
    const { archive, file } = await tempArchive();
    const { started } = sessionPair({ seed: 77, messages: 3 });
    await archive.ingest({ payload: started, body: body(started), source: 'webhook', receivedAt: 1 });
    const folder = tempDir();
    const good = await takeBackup({ store: archive, folder, now: () => 1_000 });
    // A kept counter that disagrees with the rows (as after a bug, or a disk that lost a page):
    // the copy carries it faithfully, and its check must catch it.
    const tamper = new Database(file);
    tamper.prepare("UPDATE counters SET value = value + 5 WHERE name = 'events'").run();
    tamper.close();
    const failed = await takeBackup({ store: archive, folder, now: () => 90_000_000 });
    expect(failed).toMatchObject({ ok: false, bytes: null, counts: null, error: expect.stringMatching(/failed verification: counts: the kept counter says 6 events, the file holds 1/) });
    expect(readdirSync(folder).sort()).toEqual(['backups.json', good.file]);
    expect(readManifest(folder).map((record) => [record.file, record.ok])).toEqual([
      [good.file, true],
      [failed.file, false],
    ]);
  });
});
