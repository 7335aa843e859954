import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateArchiveKey, isEncryptedFile } from '../../electron/core/archive/archive-key.js';
import { ArchiveKeyError } from '../../electron/core/archive/errors.js';
import { defaultConfig } from '../../electron/core/config.js';
import { Engine } from '../../electron/core/engine.js';
import { onCleanup, sessionPair, signedRequest, SECRET, tempDir } from '../support/fixtures.js';

const key = generateArchiveKey('test key');

async function deliver(engine: Engine, payload: unknown): Promise<number> {
  const request = signedRequest(payload);
  const response = await fetch(engine.localWebhookUrl, { method: 'POST', headers: request.headers, body: request.payload });
  return response.status;
}

describe('the engine on an encrypted archive', () => {
  it('stores webhooks encrypted, backs up encrypted, and refuses to start with another key, releasing the lock and creating nothing', async () => {
    const dataDir = tempDir();
    const engine = await Engine.start(defaultConfig({ dataDir, port: 0, secret: SECRET, archiveKey: key, schedule: 'off' }));
    onCleanup(() => engine.stop().catch(() => undefined));
    const { started, ended } = sessionPair({ seed: 77 });
    ended.data.transcript![0]!.content = 'The Pangolin invoice is overdue.';
    expect(await deliver(engine, started)).toBe(200);
    expect(await deliver(engine, ended)).toBe(200);
    await engine.archive.settled();
    const record = await engine.backups.runNow();
    expect(record).toMatchObject({ ok: true, counts: { sessions: 1, events: 2 } });
    const backup = join(engine.backupsFolder, record.file);
    expect(isEncryptedFile(backup)).toBe(true);
    expect(readFileSync(backup).includes('Pangolin')).toBe(false);
    await engine.stop();
    const file = join(dataDir, 'archive.sqlite');
    expect(readFileSync(file).includes('Pangolin')).toBe(false);

    const before = readFileSync(file);
    const files = readdirSync(dataDir).sort();
    const error = await Engine.start(defaultConfig({ dataDir, port: 0, archiveKey: generateArchiveKey('another key') })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiveKeyError);
    expect((error as Error).message).toBe(`the key from another key does not open the archive at ${file} (wrong key, or not a CallAIder archive)`);
    await expect(Engine.start(defaultConfig({ dataDir, port: 0 }))).rejects.toThrow('is encrypted: give its key');
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(readdirSync(dataDir).filter((name) => !name.startsWith('archive.sqlite-')).sort()).toEqual(files.filter((name) => !name.startsWith('archive.sqlite-')));
    expect(existsSync(join(dataDir, 'engine.lock.json'))).toBe(false);

    // The lock was released: the right key starts it again, with the session there.
    const again = await Engine.start(defaultConfig({ dataDir, port: 0, archiveKey: key, schedule: 'off' }));
    onCleanup(() => again.stop().catch(() => undefined));
    expect(await again.archive.storedEvents(started.sessionId)).toEqual(['session.ended', 'session.started']);
  });
});
