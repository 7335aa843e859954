/**
 * Secrets at rest, encrypted with Electron's safeStorage (the OS keychain: Keychain on macOS,
 * DPAPI on Windows, the desktop keyring on Linux), through its asynchronous API.
 */
import type { SafeStorage } from 'electron';
import type { SecretCodec } from '../core/settings-store.js';

export async function safeStorageCodec(safeStorage: SafeStorage, platform: NodeJS.Platform = process.platform): Promise<SecretCodec> {
  const available = await safeStorage.isAsyncEncryptionAvailable();
  if (!available) throw new Error('the operating system offers no encryption for stored secrets (safeStorage is unavailable)');
  // Linux without a keyring falls back to a hard-coded key: encrypted in name only.
  const weak = platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text';
  return {
    kind: 'os',
    warning: weak
      ? 'No desktop keyring was found (GNOME Keyring or KWallet), so saved secrets are only obscured, not encrypted. Install and unlock a keyring to protect them.'
      : null,
    encrypt: async (plain) => (await safeStorage.encryptStringAsync(plain)).toString('base64'),
    decrypt: async (stored) => (await safeStorage.decryptStringAsync(Buffer.from(stored, 'base64'))).result,
  };
}
