/**
 * Retention in a running engine: at start it erases what the saved period puts past the cutoff,
 * deletes the backups taken before it, and webhooks keep being acknowledged (and stored) while
 * the run erases a few thousand sessions between them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../electron/core/archive/sqlite/sqlite-store.js';
import { backupFileName } from '../../electron/core/backup/naming.js';
import { defaultConfig } from '../../electron/core/config.js';
import { loadDemoData } from '../../electron/core/demo.js';
import { Engine } from '../../electron/core/engine.js';
import { archivePath } from '../../electron/core/paths.js';
import { sendTest } from '../../electron/core/send-test.js';
import type { BackupRecord } from '../../shared/api.js';
import { retentionCutoff } from '../../shared/retention.js';
import { onCleanup, SECRET, tempDir } from '../support/fixtures.js';

const DAY = 86_400_000;

/** A backup record and its file, as takeBackup leaves them. */
function backupAt(folder: string, at: number): BackupRecord {
  const file = backupFileName(new Date(at));
  writeFileSync(join(folder, file), 'a backup');
  return { at, file, ok: true, bytes: 8, ms: 1, error: null, counts: { sessions: 1, events: 2, messages: 3 } };
}

describe('retention in the engine', () => {
  it('erases exactly what the preview promised while a burst of webhooks is acknowledged and stored, and prunes older backups', async () => {
    const dataDir = tempDir();
    const now = Date.now();
    {
      const store = await SqliteStore.open(archivePath(dataDir));
      await loadDemoData(store, { sessions: 2500, seed: 11, spreadDays: 365, now, longEvery: 50 });
      await store.setRetention('90d');
      await store.close();
    }
    const folder = join(dataDir, 'backups');
    mkdirSync(folder);
    const old = backupAt(folder, now - 120 * DAY);
    const older = backupAt(folder, now - 91 * DAY);
    const recent = backupAt(folder, now - 89 * DAY);
    writeFileSync(join(folder, 'backups.json'), JSON.stringify({ backups: [old, older, recent] }));
    const preview = await (async () => {
      const store = await SqliteStore.open(archivePath(dataDir), { readonly: true });
      try {
        return await store.retention({ now, limit: 0 });
      } finally {
        await store.close();
      }
    })();
    expect(preview.preview.sessions).toBeGreaterThan(1500);

    const engine = await Engine.start(defaultConfig({ dataDir, port: 0, secret: SECRET }));
    onCleanup(() => engine.stop());
    // The run started with the engine; the burst arrives while it erases.
    const latencies: number[] = [];
    const burst = await sendTest({ url: engine.localWebhookUrl, secret: SECRET, sessions: 150, concurrency: 8, seed: 5, onResult: (r) => latencies.push(r.ms) });
    const run = await engine.retention.runNow();
    expect(await engine.eraser.scrubbed()).toBe(true);
    await engine.archive.settled();

    expect(burst.failed).toEqual([]);
    expect(burst.delivered).toBe(300);
    const cutoff = retentionCutoff('90d', now)!;
    // The first run erased the preview's sessions; this second one (joined or new) finds at most the few that crossed the cutoff since.
    const view = await engine.archive.retention({ now: Date.now(), limit: 10 });
    const erased = view.erasures.filter((e) => e.kind === 'retention').reduce((sum, e) => sum + e.sessions, 0);
    expect(erased).toBeGreaterThanOrEqual(preview.preview.sessions);
    expect(erased).toBeLessThanOrEqual(preview.preview.sessions + 2);
    expect(run.cutoff).toBeGreaterThanOrEqual(cutoff);
    const counts = await engine.archive.counts({ staleBefore: 0 });
    expect(counts.sessions).toBe(2500 - erased + 150);
    expect(counts.events).toBe((2500 - erased + 150) * 2);
    const oldest = await engine.archive.listSessions({ filters: { to: cutoff - 1 }, limit: 5, now: Date.now(), staleAfterMs: DAY });
    expect(oldest.items).toEqual([]);

    const manifest = (JSON.parse(readFileSync(join(folder, 'backups.json'), 'utf8')) as { backups: BackupRecord[] }).backups;
    // (The backup scheduler, finding the last backup overdue, adds one of its own: not ours to check.)
    expect(manifest.slice(0, 3).map((b) => [b.file, Boolean(b.removedAt)])).toEqual([[old.file, true], [older.file, true], [recent.file, false]]);
    expect([old, older, recent].map((b) => existsSync(join(folder, b.file)))).toEqual([false, false, true]);

    latencies.sort((a, b) => a - b);
    console.info(`retention run during a burst: ${burst.delivered} acknowledged, p50 ${latencies[Math.floor(latencies.length * 0.5)]!.toFixed(1)} ms, p99 ${latencies[Math.floor(latencies.length * 0.99)]!.toFixed(1)} ms, max ${latencies[latencies.length - 1]!.toFixed(1)} ms; ${erased} erased`);
  }, 120_000);

  it('does nothing while retention is off', async () => {
    const dataDir = tempDir();
    {
      const store = await SqliteStore.open(archivePath(dataDir));
      await loadDemoData(store, { sessions: 50, seed: 12, spreadDays: 900 });
      await store.close();
    }
    const engine = await Engine.start(defaultConfig({ dataDir, port: 0, secret: SECRET }));
    onCleanup(() => engine.stop());
    expect(await engine.retention.runNow()).toEqual({ period: 'off', cutoff: null, erased: 0, backupsPruned: 0 });
    expect((await engine.archive.counts({ staleBefore: 0 })).sessions).toBe(50);
    expect((await engine.archive.retention({ now: Date.now(), limit: 5 })).erasureCount).toBe(0);
  });
});
