import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { corrupt } from '../support/corrupt.js';
import { tempDir } from '../support/fixtures.js';
import { assertBuilt, freePort, runCli, startServe } from '../support/cli.js';

beforeAll(assertBuilt);

const summaryOf = (dataDir: string) => runCli(['verify', '--data-dir', dataDir]).stdout;

describe('backup, verify and restore', () => {
  it('backs up while serve runs, refuses restore while it holds the archive, restores after with the old archive kept aside', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const serve = await startServe(['--data-dir', dataDir, '--port', String(port), '--secret', 's']);
    expect(runCli(['send-test', '--url', `http://127.0.0.1:${port}/webhook`, '--secret', 's', '--sessions', '5', '--seed', '7']).code).toBe(0);
    // Acknowledged means stored; sessions are counted once indexed, a moment later.
    for (let i = 0; i < 50 && !summaryOf(dataDir).includes('5 sessions'); i += 1) await new Promise((resolve) => setTimeout(resolve, 100));

    const folder = join(tempDir(), 'synced');
    const backup = runCli(['backup', '--data-dir', dataDir, '--to', folder]);
    expect(backup.stderr).toContain('backed up 5 sessions (10 events');
    expect(backup.code).toBe(0);
    const file = backup.stdout.trim();
    expect(file).toMatch(/synced[\\/]callaider-archive-\d{8}-\d{6}\.sqlite$/);
    const manifest = JSON.parse(readFileSync(join(folder, 'backups.json'), 'utf8')) as { backups: Array<{ ok: boolean; counts: unknown }> };
    expect(manifest.backups).toEqual([expect.objectContaining({ ok: true, counts: { sessions: 5, events: 10, messages: expect.any(Number) } })]);

    const verified = runCli(['verify', file]);
    expect(verified.stdout).toMatch(/^OK .*: schema \d+, 5 sessions, 10 events/);
    expect(verified.code).toBe(0);

    // More calls after the backup; then a restore is refused while serve holds the archive.
    expect(runCli(['send-test', '--url', `http://127.0.0.1:${port}/webhook`, '--secret', 's', '--sessions', '3', '--seed', '8']).code).toBe(0);
    const locked = runCli(['restore', file, '--data-dir', dataDir]);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/another CallAIder Archive engine \(pid \d+.*is already using the archive/);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(summaryOf(dataDir)).toContain('8 sessions, 16 events');

    const restored = runCli(['restore', file, '--data-dir', dataDir]);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain('(5 sessions, 10 events)');
    const aside = /kept at (.+)$/m.exec(restored.stdout)![1]!;
    expect(aside).toMatch(/archive\.sqlite\.replaced-\d{8}-\d{6}$/);
    expect(summaryOf(dataDir)).toContain('5 sessions, 10 events');
    // The replaced archive is whole and still holds the calls received after the backup.
    expect(runCli(['verify', aside]).stdout).toContain('8 sessions, 16 events');
  });

  it('a corrupted backup is refused by verify and restore, and the current archive is untouched', () => {
    const dataDir = tempDir();
    expect(runCli(['demo', '--data-dir', dataDir, '--sessions', '80', '--seed', '3']).code).toBe(0);
    const file = runCli(['backup', '--data-dir', dataDir]).stdout.trim();
    expect(file.startsWith(join(dataDir, 'backups'))).toBe(true);
    corrupt(file);

    const verified = runCli(['verify', file]);
    expect(verified.code).toBe(1);
    expect(verified.stdout).toMatch(/^FAILED .*:\n {2}(integrity|cannot read)/);

    const before = readFileSync(join(dataDir, 'archive.sqlite'));
    const restore = runCli(['restore', file, '--data-dir', dataDir]);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain('failed verification');
    expect(restore.stderr).toContain('the current archive was not touched');
    expect(readFileSync(join(dataDir, 'archive.sqlite')).equals(before)).toBe(true);
    expect(readdirSync(dataDir).filter((name) => name.includes('replaced'))).toEqual([]);
    expect(summaryOf(dataDir)).toContain('80 sessions');
    expect(existsSync(file)).toBe(true);
  });
});
