import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isEncryptedFile } from '../../electron/core/archive/archive-key.js';
import { tempDir } from '../support/fixtures.js';
import { assertBuilt, freePort, runCli, startServe } from '../support/cli.js';

beforeAll(assertBuilt);

const HEX_KEY = 'c0ffee'.repeat(10) + 'beef';

function keyFile(dir: string, text: string, mode = 0o600): string {
  const file = join(dir, `key-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, text, { mode });
  return file;
}

describe('encryption from the command line', () => {
  it('serve with a key file stores encrypted; without the key or with another one it exits 1 with a clear message and the archive is untouched', async () => {
    const dataDir = tempDir();
    const keys = tempDir();
    const key = keyFile(keys, `${HEX_KEY}\n`);
    const port = await freePort();
    const serve = await startServe(['--data-dir', dataDir, '--port', String(port), '--secret', 's', '--key-file', key]);
    expect(serve.stdout()).toContain(`encrypted, key from key file ${key}`);
    expect(runCli(['send-test', '--url', `http://127.0.0.1:${port}/webhook`, '--secret', 's', '--sessions', '4', '--seed', '11']).code).toBe(0);
    const verify = () => runCli(['verify', '--data-dir', dataDir], { env: { CALLAIDER_ARCHIVE_KEY: HEX_KEY } }).stdout;
    for (let i = 0; i < 50 && !verify().includes('4 sessions'); i += 1) await new Promise((resolve) => setTimeout(resolve, 100));
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    const file = join(dataDir, 'archive.sqlite');
    expect(isEncryptedFile(file)).toBe(true);
    expect(verify()).toContain('4 sessions, 8 events');
    const before = readFileSync(file);

    const missing = runCli(['serve', '--data-dir', dataDir, '--port', '0', '--no-ui']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`callaider-archive: the archive at ${file} is encrypted: give its key (CALLAIDER_ARCHIVE_KEY or --key-file)`);
    const wrong = runCli(['export', '--data-dir', dataDir], { env: { CALLAIDER_ARCHIVE_KEY: 'not the right passphrase' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`the key from CALLAIDER_ARCHIVE_KEY does not open the archive at ${file}`);
    expect(wrong.stderr).not.toContain('unexpected');
    expect(readFileSync(file).equals(before)).toBe(true);

    const open = keyFile(keys, HEX_KEY, 0o644);
    const shared = runCli(['export', '--data-dir', dataDir, '--key-file', open]);
    expect(shared.code).toBe(1);
    expect(shared.stderr).toContain(`the key file ${open} can be read by other users: run \`chmod 600 ${open}\` first`);
  });

  it('encrypt writes a new key file, rekey changes the key, backups need the key to verify and restore', () => {
    const dataDir = tempDir();
    expect(runCli(['demo', '--data-dir', dataDir, '--sessions', '30', '--seed', '5']).code).toBe(0);
    // In a folder of its own: rotation keeps one backup a day per folder.
    const plainBackup = runCli(['backup', '--data-dir', dataDir, '--to', tempDir()]).stdout.trim();
    const file = join(dataDir, 'archive.sqlite');

    const encrypted = runCli(['encrypt', '--data-dir', dataDir]);
    expect(encrypted.code).toBe(0);
    expect(encrypted.stdout).toMatch(/^encrypted .*archive\.sqlite in \d+ ms; verified 30 sessions, 60 events, \d+ messages$/m);
    const generated = join(dataDir, 'archive.key');
    expect(encrypted.stdout).toContain(`the key is in ${generated}`);
    expect(encrypted.stdout).toContain('backups taken before this keep the form they had');
    expect(statSync(generated).mode & 0o777).toBe(0o600);
    expect(isEncryptedFile(file)).toBe(true);
    expect(runCli(['encrypt', '--data-dir', dataDir, '--key-file', generated]).stderr).toContain('already encrypted');

    const newKey = join(tempDir(), 'new.key');
    const rekeyed = runCli(['rekey', '--data-dir', dataDir, '--key-file', generated, '--new-key-file', newKey]);
    expect(rekeyed.code).toBe(0);
    expect(rekeyed.stdout).toContain('verified 30 sessions, 60 events');
    expect(existsSync(newKey)).toBe(true);
    expect(runCli(['verify', '--data-dir', dataDir, '--key-file', generated]).stderr).toContain('does not open the archive');
    expect(runCli(['verify', '--data-dir', dataDir, '--key-file', newKey]).stdout).toContain('30 sessions, 60 events');

    const backup = runCli(['backup', '--data-dir', dataDir, '--key-file', newKey]);
    expect(backup.code).toBe(0);
    expect(backup.stderr).toContain('encrypted with the archive\'s key');
    const encryptedBackup = backup.stdout.trim();
    expect(isEncryptedFile(encryptedBackup)).toBe(true);
    const refused = runCli(['verify', encryptedBackup]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is encrypted: give its key');
    expect(runCli(['verify', encryptedBackup, '--key-file', newKey]).stdout).toMatch(/^OK .*30 sessions, 60 events/);
    // The plaintext backup from before encrypting still verifies with the key given (it needs none).
    expect(runCli(['verify', plainBackup, '--key-file', newKey]).stdout).toMatch(/^OK /);

    const noKey = runCli(['restore', encryptedBackup, '--data-dir', dataDir]);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('is encrypted: give its key');
    const restored = runCli(['restore', encryptedBackup, '--data-dir', dataDir, '--key-file', newKey]);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain('(30 sessions, 60 events)');
    expect(isEncryptedFile(file)).toBe(true);
    expect(runCli(['verify', '--data-dir', dataDir, '--key-file', newKey]).stdout).toContain('30 sessions');

    const decrypted = runCli(['decrypt', '--data-dir', dataDir, '--key-file', newKey]);
    expect(decrypted.code).toBe(0);
    expect(isEncryptedFile(file)).toBe(false);
    expect(runCli(['verify', '--data-dir', dataDir]).stdout).toContain('30 sessions');
  });
});
