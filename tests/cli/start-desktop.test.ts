/**
 * `npm start` (bin/start-desktop.mjs) when the development Electron stops before the app runs.
 * The launcher is run for real, from a copy of the checkout's layout whose node_modules/electron
 * holds a stand-in executable, at the path the launcher resolves (path.txt + dist/), so nothing
 * in the launcher exists for the test's sake.
 */
import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../support/fixtures.js';
import { assertBuilt, freePort, spawnNode } from '../support/cli.js';

beforeAll(assertBuilt);

const LAUNCHER = fileURLToPath(new URL('../../bin/start-desktop.mjs', import.meta.url));
const NATIVE_BUILDER = fileURLToPath(new URL('../../build/electron-native.mjs', import.meta.url));
const DIST = fileURLToPath(new URL('../../dist', import.meta.url));
const FAKE_VERSION = '45.0.0-stand-in';

/** A checkout whose Electron is `script` (sh), with its better-sqlite3 for Electron "already built". */
function checkoutWithElectron(script: string): string {
  const root = tempDir('callaider-launcher-');
  mkdirSync(join(root, 'bin'));
  copyFileSync(LAUNCHER, join(root, 'bin', 'start-desktop.mjs'));
  mkdirSync(join(root, 'build'));
  copyFileSync(NATIVE_BUILDER, join(root, 'build', 'electron-native.mjs'));
  symlinkSync(DIST, join(root, 'dist'), 'dir');
  const electron = join(root, 'node_modules', 'electron');
  mkdirSync(join(electron, 'dist'), { recursive: true });
  writeFileSync(join(electron, 'package.json'), JSON.stringify({ name: 'electron', version: FAKE_VERSION }));
  writeFileSync(join(electron, 'path.txt'), 'electron');
  writeFileSync(join(electron, 'dist', 'electron'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(electron, 'dist', 'electron'), 0o755);
  const native = join(root, 'build', 'native', `electron-${FAKE_VERSION}`);
  mkdirSync(native, { recursive: true });
  writeFileSync(join(native, 'better_sqlite3.node'), '');
  return root;
}

function launch(root: string, args: string[]) {
  // A display is there: Electron is started, and it is Electron that gives up.
  return spawnNode([join(root, 'bin', 'start-desktop.mjs'), ...args], { DISPLAY: ':99', WAYLAND_DISPLAY: '', CALLAIDER_WEBHOOK_SECRET: '' });
}

const SUID_MESSAGE =
  "[4242:0719/133546.609929:FATAL:setuid_sandbox_host.cc(163)] The SUID sandbox helper binary was found, but is not configured correctly. Rather than run without sandboxing I'm aborting now. You need to make sure that $(dirname \"$0\")/chrome-sandbox is owned by root and has mode 4755.";

describe.skipIf(process.platform === 'win32')('npm start when Electron stops before the app runs', () => {
  it('a blocked sandbox (Ubuntu 23.10+ AppArmor): Electron\'s message, one line saying what to do, then the archive headless', async () => {
    const root = checkoutWithElectron(`echo "${SUID_MESSAGE}" >&2\nexit 1`);
    const dataDir = tempDir();
    const port = await freePort();
    const run = launch(root, ['--data-dir', dataDir, '--port', String(port), '--ui-port', '0']);
    await vi.waitFor(() => expect(run.stdout()).toContain('Stop with Ctrl+C'), { timeout: 20_000, interval: 100 });

    const lines = run.stderr().split('\n');
    expect(lines[0]).toContain('The SUID sandbox helper binary was found, but is not configured correctly'); // Electron's own, passed through
    const hint = lines.filter((line) => line.startsWith('The desktop app cannot start here:'));
    expect(hint).toHaveLength(1);
    expect(hint[0]).toMatch(/Electron's sandbox is blocked: this Linux restricts unprivileged user namespaces \(AppArmor.*sudo sysctl -w kernel\.apparmor_restrict_unprivileged_userns=0.*\.deb.*Running the archive headless instead\.$/);
    expect(run.stdout()).toContain(`Listening on    http://127.0.0.1:${port}/webhook`);
    expect(run.stdout()).toMatch(/Archive window {2}http:\/\/127\.0\.0\.1:\d+\/\?token=/);

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toContain('engine stopped; archive closed cleanly');
  });

  it('any other failure of Electron is passed on as it is: no headless engine, the same exit code', async () => {
    const root = checkoutWithElectron('echo "something else went wrong" >&2\nexit 3');
    const run = launch(root, ['--data-dir', tempDir(), '--port', String(await freePort()), '--ui-port', '0']);
    expect(await run.exited).toBe(3);
    expect(run.stderr()).toBe('something else went wrong\n');
    expect(run.stdout()).toBe('');
  });

  it('a clean quit of the app ends npm start', async () => {
    const root = checkoutWithElectron('exit 0');
    const run = launch(root, []);
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toBe('');
  });
});
