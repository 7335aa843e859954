import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, SecretsUnreadableError, SettingsStore, type SecretCodec } from '../../electron/core/settings-store.js';
import { tempDir } from '../support/fixtures.js';

/** A codec whose output is recognisably not the plain text (as safeStorage's is not). */
const reversingCodec: SecretCodec = {
  kind: 'os',
  warning: null,
  encrypt: async (plain) => `enc:${[...plain].reverse().join('')}`,
  decrypt: async (stored) => {
    if (!stored.startsWith('enc:')) throw new Error('not ours');
    return [...stored.slice(4)].reverse().join('');
  },
};

describe('settings store', () => {
  it('on first run generates a strong webhook secret and saves it encrypted', async () => {
    const dir = tempDir();
    const store = await SettingsStore.open(dir, reversingCodec);
    expect(store.firstRun).toBe(true);
    const secret = store.secret('webhookSecret')!;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes
    const onDisk = readFileSync(join(dir, 'secrets.json'), 'utf8');
    expect(onDisk).not.toContain(secret);
    const again = await SettingsStore.open(dir, reversingCodec);
    expect(again.firstRun).toBe(false);
    expect(again.secret('webhookSecret')).toBe(secret);
    expect(generateWebhookSecret()).not.toBe(generateWebhookSecret());
  });

  it('validates changes, keeps what was not mentioned, and clears a secret set to null', async () => {
    const dir = tempDir();
    const store = await SettingsStore.open(dir, reversingCodec);
    await store.update({ settings: { tunnel: 'ngrok', ngrokDomain: 'calm-otter.ngrok.app' }, secrets: { ngrokAuthtoken: 'tok_1', previousSecret: 'old' } });
    await expect(store.update({ settings: { port: 70000 } })).rejects.toThrow(/port/);
    await expect(store.update({ settings: { requiredHeaderName: 'bad header' } })).rejects.toThrow(/header name/);
    await expect(store.update({ settings: { publicUrl: 'ftp://x' } } as never)).rejects.toThrow();
    await store.update({ secrets: { previousSecret: null } });
    // A one-setting change (the tray's toggles) leaves every other setting as it was.
    await store.update({ settings: { port: 5000 } });
    await store.update({ settings: { notificationsPaused: true } });
    expect(store.settings).toMatchObject({ tunnel: 'ngrok', ngrokDomain: 'calm-otter.ngrok.app', port: 5000, notificationsPaused: true });
    await store.update({ settings: { port: 4318 } });
    const reopened = await SettingsStore.open(dir, reversingCodec);
    expect(reopened.settings).toMatchObject({ tunnel: 'ngrok', ngrokDomain: 'calm-otter.ngrok.app', port: 4318 });
    expect(reopened.secretsSet()).toEqual({ webhookSecret: true, previousSecret: false, ngrokAuthtoken: true, requiredHeaderValue: false });
    const config = reopened.toEngineConfig('/data');
    expect(config).toMatchObject({ dataDir: '/data', tunnel: 'ngrok', ngrokAuthtoken: 'tok_1', ngrokDomain: 'calm-otter.ngrok.app', secret: reopened.secret('webhookSecret') });
  });

  it('sets a damaged settings file aside and starts from defaults, saying so', async () => {
    const dir = tempDir();
    await SettingsStore.open(dir, reversingCodec);
    writeFileSync(join(dir, 'settings.json'), '{ this is not json');
    const store = await SettingsStore.open(dir, reversingCodec);
    expect(store.settings.port).toBe(4318);
    expect(store.warnings.join(' ')).toMatch(/settings\.json was damaged/);
    expect(readdirSync(dir).some((f) => f.startsWith('settings.json.damaged-'))).toBe(true);
  });

  it('asks for a secret again when it cannot be decrypted (another computer or user)', async () => {
    const dir = tempDir();
    await SettingsStore.open(dir, reversingCodec);
    const other: SecretCodec = { ...reversingCodec, decrypt: async () => Promise.reject(new Error('wrong key')) };
    const store = await SettingsStore.open(dir, other);
    expect(store.secret('webhookSecret')).toBeUndefined();
    expect(store.warnings.join(' ')).toMatch(/could not be decrypted/);
  });

  it('keeps a secret it could not decrypt (a locked keyring): never dropped by a save, no engine config, read once unlocked', async () => {
    const dir = tempDir();
    const first = await SettingsStore.open(dir, reversingCodec);
    await first.update({ secrets: { ngrokAuthtoken: 'tok_1' } });
    const secret = first.secret('webhookSecret')!;
    const before = readFileSync(join(dir, 'secrets.json'), 'utf8');
    let locked = true;
    const keyring: SecretCodec = { ...reversingCodec, decrypt: async (stored) => (locked ? Promise.reject(new Error('keyring locked')) : reversingCodec.decrypt(stored)) };
    const store = await SettingsStore.open(dir, keyring);
    expect(store.unreadableSecrets).toEqual(['webhookSecret', 'ngrokAuthtoken']);
    expect(store.secretsSet()).toMatchObject({ webhookSecret: true, ngrokAuthtoken: true });
    expect(() => store.toEngineConfig(dir)).toThrow(SecretsUnreadableError);
    await store.update({ settings: { port: 5001 } });
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).toBe(before);
    expect(await store.retryUnreadable()).toBe(false);
    locked = false;
    expect(await store.retryUnreadable()).toBe(true);
    expect(store.toEngineConfig(dir)).toMatchObject({ secret, ngrokAuthtoken: 'tok_1', port: 5001 });
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).toBe(before);
  });

  it('lets an unread secret go only when the owner replaces or clears it, and never generates one over it', async () => {
    const dir = tempDir();
    await SettingsStore.open(dir, reversingCodec);
    rmSync(join(dir, 'settings.json')); // looks like a first run, but a secret is saved
    const locked: SecretCodec = { ...reversingCodec, decrypt: async () => Promise.reject(new Error('keyring locked')) };
    const store = await SettingsStore.open(dir, locked);
    expect(store.firstRun).toBe(true);
    expect(store.secret('webhookSecret')).toBeUndefined();
    expect(store.unreadableSecrets).toEqual(['webhookSecret']);
    await store.update({ secrets: { webhookSecret: 'typed-again' } });
    expect(store.unreadableSecrets).toEqual([]);
    expect((await SettingsStore.open(dir, reversingCodec)).secret('webhookSecret')).toBe('typed-again');
  });

  it('encrypts a secret again when the codec says so (shouldReEncrypt)', async () => {
    const dir = tempDir();
    const secret = (await SettingsStore.open(dir, reversingCodec)).secret('webhookSecret')!;
    const rotated: SecretCodec = {
      ...reversingCodec,
      encrypt: async (plain) => `enc2:${plain}`,
      decrypt: async (stored) => (stored.startsWith('enc2:') ? { plain: stored.slice(5), reEncrypt: false } : { plain: await reversingCodec.decrypt(stored) as string, reEncrypt: true }),
    };
    const store = await SettingsStore.open(dir, rotated);
    expect(store.secret('webhookSecret')).toBe(secret);
    expect(JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8'))).toMatchObject({ webhookSecret: `enc2:${secret}` });
  });
});
