/** listBackups and backupNow over real HTTP (the archive window's server) on a real engine. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArchiveService } from '../../electron/core/archive-service.js';
import { SqliteStore } from '../../electron/core/archive/sqlite/sqlite-store.js';
import { defaultConfig } from '../../electron/core/config.js';
import { Engine } from '../../electron/core/engine.js';
import { deliver } from '../../electron/core/send-test.js';
import { startUiServer } from '../../electron/core/ui-server.js';
import type { ArchiveChange, ArchiveResults, ArchiveStatus } from '../../shared/api.js';
import { onCleanup, SECRET, sessionPair, tempDir } from '../support/fixtures.js';

describe('backups over the API', () => {
  it('backupNow writes a verified backup into the configured folder; listBackups lists it newest first', async () => {
    const folder = join(tempDir(), 'OneDrive', 'calls');
    const engine = await Engine.start(defaultConfig({ dataDir: tempDir(), port: 0, secret: SECRET, backupsFolder: folder, schedule: 'off' }));
    onCleanup(() => engine.stop());
    const service = new ArchiveService(engine, { host: 'serve' });
    const ui = await startUiServer({ service, port: 0, token: 't', staticDir: tempDir() });
    onCleanup(() => ui.close());
    const changes: ArchiveChange[] = [];
    onCleanup(service.subscribe((change) => changes.push(change)));
    const http = async <M extends 'listBackups' | 'backupNow' | 'status'>(method: M) => {
      const response = await fetch(`${ui.baseUrl}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body: '{}' });
      expect(response.status).toBe(200);
      return (await response.json()) as M extends 'status' ? ArchiveStatus : ArchiveResults[Exclude<M, 'status'>];
    };

    expect(await http('listBackups')).toEqual({ folder, backups: [] });
    for (let i = 0; i < 3; i += 1) {
      const { started, ended } = sessionPair({ messages: 4 });
      expect((await deliver(engine.localWebhookUrl, started, { secret: SECRET })).status).toBe(200);
      expect((await deliver(engine.localWebhookUrl, ended, { secret: SECRET })).status).toBe(200);
    }
    // Acknowledged means stored; the sessions are counted once indexed.
    await engine.archive.settled();
    const first = (await http('backupNow')) as ArchiveResults['backupNow'];
    expect(first).toMatchObject({ ok: true, error: null, counts: { sessions: 3, events: 6 } });
    expect(first.bytes).toBeGreaterThan(0);
    expect(SqliteStore.checkFile(join(folder, first.file)).ok).toBe(true);
    expect(changes).toContainEqual({ type: 'status' });

    const second = (await http('backupNow')) as ArchiveResults['backupNow'];
    expect(second.file).not.toBe(first.file);
    const listed = (await http('listBackups')) as ArchiveResults['listBackups'];
    expect(listed.backups.map((record) => record.file)).toEqual([second.file, first.file]);
    expect(existsSync(join(folder, 'backups.json'))).toBe(true);
    // A fresh engine with a good backup: no backup warning.
    expect(((await http('status')) as ArchiveStatus).warnings.map((w) => w.code)).not.toContain('backup-missing');
    expect(await service.call('listBackups', {})).toEqual(listed);
  });
});
