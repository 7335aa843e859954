/**
 * `npm start` headless (issue 9, item 17): the desktop app's settings.json and secrets.json, the
 * webhook secret generated on first run and reused after, and never the keychain's secrets
 * overwritten or ignored.
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { MixedProtectionError, plaintextCodec, SettingsStore, type SecretCodec } from '../../electron/core/settings-store.js';
import { sessionPair, tempDir } from '../support/fixtures.js';
import { assertBuilt, BIN, freePort, runCli, spawnNode } from '../support/cli.js';

beforeAll(assertBuilt);

const LAUNCHER = fileURLToPath(new URL('../../bin/start-desktop.mjs', import.meta.url));
/** No secret from the environment of whoever runs the tests. */
const CLEAN_ENV = { CALLAIDER_WEBHOOK_SECRET: '', NGROK_AUTHTOKEN: '' };

/** A stand-in for the desktop app's safeStorage codec: the keychain's ciphertext, unreadable without it. */
const keychainCodec: SecretCodec = {
  kind: 'os',
  warning: null,
  encrypt: async (plain) => Buffer.from(`keychain:${plain}`).toString('base64'),
  decrypt: async (stored) => {
    const text = Buffer.from(stored, 'base64').toString('utf8');
    if (!text.startsWith('keychain:')) throw new Error('not encrypted by this keychain');
    return text.slice('keychain:'.length);
  },
};

/** Runs a long-lived command (the launcher or `start`) until it prints its banner or exits. */
async function startHeadless(command: string[], env: NodeJS.ProcessEnv = {}) {
  const { child, exited, stdout, stderr } = spawnNode(command, { ...CLEAN_ENV, ...env });
  await vi.waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}:\n${stdout()}\n${stderr()}`);
      expect(stdout()).toContain('Stop with Ctrl+C');
    },
    { timeout: 20_000, interval: 100 },
  );
  const stop = async () => {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr()).toContain('engine stopped; archive closed cleanly');
  };
  return { child, stdout, stderr, stop };
}

async function postUnsigned(port: number): Promise<number> {
  const { started } = sessionPair();
  const response = await fetch(`http://127.0.0.1:${port}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-callaider-event': 'session.started' },
    body: JSON.stringify(started),
    signal: AbortSignal.timeout(10_000),
  });
  return response.status;
}

describe('npm start headless: the desktop app\'s settings and secrets', () => {
  it('first run generates the webhook secret like the desktop app, prints it and where it is kept, and requires signatures; the second run reuses it with the saved settings', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    // The real `npm start` path: no display, so the launcher falls back to `start`.
    const first = await startHeadless([LAUNCHER, '--data-dir', dataDir, '--port', String(port), '--ui-port', '0'], { DISPLAY: '', WAYLAND_DISPLAY: '' });
    expect(first.stderr()).toMatch(/The desktop app cannot start here: .*Running the archive headless instead\./);
    expect(first.stderr()).toContain(`with the desktop app's settings from ${dataDir}`);
    const printed = /webhookSecret {3}(\S+) {3}\(generated now and saved in (.+); paste it into CallAIder\)/.exec(first.stdout());
    expect(printed, first.stdout()).not.toBeNull();
    const secret = printed![1]!;
    const secretsFile = join(dataDir, 'secrets.json');
    expect(printed![2]).toBe(secretsFile);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/); // generateWebhookSecret: 32 random bytes, as the desktop app does
    // Kept as the desktop app's store keeps it, with the protection available here: none but the file's mode.
    expect(JSON.parse(readFileSync(secretsFile, 'utf8'))).toEqual({ protection: 'plaintext', webhookSecret: Buffer.from(secret).toString('base64') });
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8'))).toMatchObject({ port: 4318 });
    expect(first.stdout()).not.toContain('accepted unsigned');
    expect(first.stderr()).not.toContain('no webhook secret configured');

    expect(await postUnsigned(port)).toBe(401);
    const signed = runCli(['send-test', '--url', `http://127.0.0.1:${port}/webhook`, '--secret', secret, '--sessions', '1', '--seed', '7'], { env: CLEAN_ENV });
    expect(signed.stdout).toContain('2 accepted (0 duplicates), 0 failed');
    await first.stop();

    // The owner changes the port (as Setup would); the next start listens there, with the same secret.
    const savedPort = await freePort();
    const settingsFile = join(dataDir, 'settings.json');
    writeFileSync(settingsFile, JSON.stringify({ ...JSON.parse(readFileSync(settingsFile, 'utf8')), port: savedPort }));
    const secretsBefore = readFileSync(secretsFile, 'utf8');
    const second = await startHeadless([BIN, 'start', '--data-dir', dataDir, '--ui-port', '0']);
    expect(second.stdout()).toContain(`Listening on    http://127.0.0.1:${savedPort}/webhook`);
    expect(second.stdout()).toContain(`webhookSecret   ${secret.slice(0, 2)}••••${secret.slice(-2)}, saved in ${secretsFile}; print it with: callaider-archive show-secret --data-dir "${dataDir}"`);
    expect(second.stdout()).not.toContain(secret);
    expect(readFileSync(secretsFile, 'utf8')).toBe(secretsBefore);
    expect(await postUnsigned(savedPort)).toBe(401);
    const again = runCli(['send-test', '--url', `http://127.0.0.1:${savedPort}/webhook`, '--secret', secret, '--sessions', '1', '--seed', '8'], { env: CLEAN_ENV });
    expect(again.stdout).toContain('2 accepted (0 duplicates), 0 failed');
    await second.stop();

    const shown = runCli(['show-secret', '--data-dir', dataDir]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toBe(`${secret}\n`);
  });

  it('a --secret given for one run is used for that run only and is not saved', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const run = await startHeadless([BIN, 'start', '--data-dir', dataDir, '--port', String(port), '--ui-port', '0', '--secret', 'just-this-once']);
    expect(run.stdout()).toContain('webhookSecret   the secret this engine was started with (ju••••ce)');
    const sent = runCli(['send-test', '--url', `http://127.0.0.1:${port}/webhook`, '--secret', 'just-this-once', '--sessions', '1'], { env: CLEAN_ENV });
    expect(sent.stdout).toContain('2 accepted');
    await run.stop();
    const saved = runCli(['show-secret', '--data-dir', dataDir]).stdout.trim();
    expect(saved).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(saved).not.toBe('just-this-once');
  });

  it.each([
    ['with the desktop app\'s settings', false],
    ['with settings.json missing (looks like a first run)', true],
  ])('refuses to start, in one line and changing nothing, when the desktop app encrypted its secrets with the keychain (%s)', async (_name, removeSettings) => {
    const dataDir = tempDir();
    const desktop = await SettingsStore.open(dataDir, keychainCodec); // what the desktop app leaves behind
    await desktop.update({ secrets: { ngrokAuthtoken: 'tok_desktop' } });
    if (removeSettings) rmSync(join(dataDir, 'settings.json'));
    const secretsBefore = readFileSync(join(dataDir, 'secrets.json'), 'utf8');

    const port = await freePort();
    const result = runCli(['start', '--data-dir', dataDir, '--port', String(port), '--ui-port', '0'], { env: CLEAN_ENV });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(
      `callaider-archive: the desktop app saved its webhookSecret, ngrokAuthtoken in ${join(dataDir, 'secrets.json')} encrypted with the system keychain, which the headless engine cannot read, so it will not start without them (nothing was changed)`,
    );
    expect(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).toBe(secretsBefore);
    expect(existsSync(join(dataDir, 'archive.sqlite'))).toBe(false);
    // And the desktop app still reads what it saved.
    const reopened = await SettingsStore.open(dataDir, keychainCodec);
    expect(reopened.secret('webhookSecret')).toBe(desktop.secret('webhookSecret'));
    expect(reopened.secret('ngrokAuthtoken')).toBe('tok_desktop');

    const shown = runCli(['show-secret', '--data-dir', dataDir]);
    expect(shown.code).toBe(1);
    expect(shown.stderr).toMatch(/encrypted with the system keychain; the desktop app shows it in Setup/);
  });

  it('show-secret where nothing was set up yet says so', () => {
    const empty = tempDir();
    const result = runCli(['show-secret', '--data-dir', empty]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no settings in ${empty} yet`);
  });
});

describe('settings store: one data folder for the desktop app and the headless fallback', () => {
  it('the desktop app reads a secret the headless fallback saved, and encrypts it with the keychain from then on', async () => {
    const dir = tempDir();
    const headless = await SettingsStore.open(dir, plaintextCodec);
    const secret = headless.secret('webhookSecret')!;
    const desktop = await SettingsStore.open(dir, keychainCodec);
    expect(desktop.unreadableSecrets).toEqual([]);
    expect(desktop.secret('webhookSecret')).toBe(secret);
    const onDisk = JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')) as Record<string, string>;
    expect(onDisk.protection).toBe('os');
    expect(await keychainCodec.decrypt(onDisk.webhookSecret!)).toBe(secret);
    // From now on the headless fallback cannot read it, and keeps it as it is.
    const after = await SettingsStore.open(dir, plaintextCodec);
    expect(after.keptUnderOtherProtection).toEqual(['webhookSecret']);
    expect(after.secret('webhookSecret')).toBeUndefined();
  });

  it('never saves a secret of its own beside ones kept under the keychain (secrets.json names one protection)', async () => {
    const dir = tempDir();
    await SettingsStore.open(dir, keychainCodec);
    const before = readFileSync(join(dir, 'secrets.json'), 'utf8');
    const headless = await SettingsStore.open(dir, plaintextCodec);
    await expect(headless.update({ secrets: { ngrokAuthtoken: 'tok' } })).rejects.toThrow(MixedProtectionError);
    expect(headless.secretsSet().ngrokAuthtoken).toBe(false); // the refused change left nothing behind
    await headless.update({ settings: { port: 5005 } }); // settings alone are still saved
    expect(headless.settings.port).toBe(5005);
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).toBe(before);
  });

  it('a secrets.json from before the protection was named is read with the store\'s own codec', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'settings.json'), '{}');
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ webhookSecret: await keychainCodec.encrypt('old-secret') }));
    expect((await SettingsStore.open(dir, keychainCodec)).secret('webhookSecret')).toBe('old-secret');
  });
});
