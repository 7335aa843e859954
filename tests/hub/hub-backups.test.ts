/**
 * A hub's own backups (the engine's, as the Backups card takes them through the API) on a real
 * PostgreSQL cluster: named .ndjson.gz, listed by listBackups, rotated like SQLite's, and read back
 * by `verify` through the real CLI.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { ArchiveService } from '../../electron/core/archive-service.js';
import { defaultConfig } from '../../electron/core/config.js';
import { Engine } from '../../electron/core/engine.js';
import { deliver } from '../../electron/core/send-test.js';
import { startUiServer } from '../../electron/core/ui-server.js';
import type { ArchiveResults } from '../../shared/api.js';
import { assertBuilt, runCli } from '../support/cli.js';
import { onCleanup, SECRET, sessionPair, tempDir } from '../support/fixtures.js';
import { describePostgres, usePostgresCluster } from '../support/postgres-fixture.js';

beforeAll(assertBuilt);

describePostgres('a hub engine\'s backups', () => {
  const cluster = usePostgresCluster();

  it('backupNow on a hub writes a .ndjson.gz that listBackups lists, rotation removes, and verify reads', async () => {
    const folder = join(tempDir(), 'backups');
    const url = await cluster().createDatabase();
    // One daily backup kept: the second of the day makes the first one go.
    const engine = await Engine.start(defaultConfig({ dataDir: tempDir(), port: 0, secret: SECRET, backupsFolder: folder, schedule: 'off', backupKeep: { daily: 1, weekly: 0, monthly: 0 }, databaseUrl: url }));
    onCleanup(() => engine.stop());
    const service = new ArchiveService(engine, { host: 'serve' });
    const ui = await startUiServer({ service, port: 0, token: 't', staticDir: tempDir() });
    onCleanup(() => ui.close());
    const http = async <M extends 'listBackups' | 'backupNow'>(method: M) => {
      const response = await fetch(`${ui.baseUrl}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body: '{}' });
      expect(response.status).toBe(200);
      return (await response.json()) as ArchiveResults[M];
    };
    for (let i = 0; i < 3; i += 1) {
      const { started, ended } = sessionPair({ messages: 4 });
      expect((await deliver(engine.localWebhookUrl, started, { secret: SECRET })).status).toBe(200);
      expect((await deliver(engine.localWebhookUrl, ended, { secret: SECRET })).status).toBe(200);
    }
    await engine.archive.settled();

    const first = (await http('backupNow')) as ArchiveResults['backupNow'];
    expect(first).toMatchObject({ ok: true, error: null, counts: { sessions: 3, events: 6 } });
    expect(first.file).toMatch(/^callaider-archive-\d{8}-\d{6}\.ndjson\.gz$/);
    const verified = runCli(['verify', join(folder, first.file)]);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toContain('a hub backup (NDJSON), 3 sessions, 6 events');

    const second = (await http('backupNow')) as ArchiveResults['backupNow'];
    expect(second.ok).toBe(true);
    expect(second.file).toMatch(/^callaider-archive-\d{8}-\d{6}(-2)?\.ndjson\.gz$/);
    const listed = (await http('listBackups')) as ArchiveResults['listBackups'];
    expect(listed.backups.map((record) => record.file)).toEqual([second.file, first.file]);
    expect(listed.backups[1]!.removedAt).toEqual(expect.any(Number));
    expect(existsSync(join(folder, first.file))).toBe(false);
    expect(existsSync(join(folder, second.file))).toBe(true);
  }, 120_000);
});
