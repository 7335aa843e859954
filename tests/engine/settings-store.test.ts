import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, SettingsStore, type SecretCodec } from '../../electron/core/settings-store.js';
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
});
