/** `serve --forward`, `--forward-events` and `--forward-config`: the real CLI, refusing bad input clearly. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../electron/core/archive/sqlite/sqlite-store.js';
import { archivePath } from '../../electron/core/paths.js';
import { assertBuilt, freePort, runCli, startServe } from '../support/cli.js';
import { onCleanup, tempDir } from '../support/fixtures.js';

describe('serve --forward', () => {
  beforeAll(() => assertBuilt());

  it('refuses a URL that is not http(s), an unknown event kind and a config file that does not validate, saying why', () => {
    const dir = tempDir();
    const ftp = runCli(['serve', '--data-dir', dir, '--no-ui', '--port', '0', '--forward', 'ftp://files.example.com/drop']);
    expect(ftp.code).not.toBe(0);
    expect(ftp.stderr).toContain('only http:// and https:// URLs can receive forwards, not ftp://');
    const kind = runCli(['serve', '--data-dir', dir, '--no-ui', '--port', '0', '--forward', 'https://x.example.com/', '--forward-events', 'started,hangup']);
    expect(kind.code).not.toBe(0);
    expect(kind.stderr).toContain('"hangup" is not one of started, ended, follow-up');
    const file = join(dir, 'forward.json');
    writeFileSync(file, JSON.stringify({ targets: [{ url: 'https://crm.example.com/', headers: { Host: 'evil' }, events: ['session.ended'] }] }));
    const config = runCli(['serve', '--data-dir', dir, '--no-ui', '--port', '0', '--forward-config', file]);
    expect(config.code).not.toBe(0);
    expect(config.stderr).toContain('targets.0.headers: the header "Host" is set by the archive itself and cannot be overridden');
    writeFileSync(file, '{"targets": [');
    expect(runCli(['serve', '--data-dir', dir, '--no-ui', '--port', '0', '--forward-config', file]).stderr).toContain('is not valid JSON');
  });

  it('upserts flag targets by URL at start, marked as from the command line, with a generated secret logged once', async () => {
    const dir = tempDir();
    const args = ['--data-dir', dir, '--no-ui', '--port', String(await freePort()), '--forward', 'https://crm.example.com/hook', '--forward-events', 'ended,follow-up'];
    const first = await startServe(args);
    expect(first.stderr()).toMatch(/forwarding to https:\/\/crm\.example\.com\/hook: its signing secret .* is [A-Za-z0-9_-]{43}/);
    first.child.kill('SIGTERM');
    await first.exited;
    const second = await startServe(args);
    expect(second.stderr()).not.toContain('signing secret');
    second.child.kill('SIGTERM');
    await second.exited;
    const store = await SqliteStore.open(archivePath(dir), { readonly: true });
    onCleanup(() => store.close());
    const targets = await store.forwardTargets();
    expect(targets).toHaveLength(1);
    expect(targets[0]).toMatchObject({ url: 'https://crm.example.com/hook', events: ['session.ended', 'follow-up'], origin: 'command-line', paused: null });
  });
});
