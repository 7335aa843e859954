/**
 * Secrets at rest, encrypted with Electron's safeStorage (the OS keychain: Keychain on macOS,
 * DPAPI on Windows, the desktop keyring on Linux), through its asynchronous API.
 */
import type { SafeStorage } from 'electron';
import type { SecretCodec } from '../core/settings-store.js';

export const WEAK_KEYRING_WARNING =
  'No desktop keyring was found (GNOME Keyring or KWallet), so saved secrets are only obscured, not encrypted. Install and unlock a keyring to protect them.';

/**
 * The async API does not say which key it uses (getSelectedStorageBackend describes the deprecated
 * synchronous one). On Linux it falls back to Chromium's hard-coded key when no keyring answers,
 * and Chromium tags what that key encrypts "v10" (a keyring's key is tagged otherwise; on macOS
 * and Windows "v10" is the OS-protected key, so this only means something on Linux). So one probe
 * encrypted by the API in use tells the truth about it.
 */
export const LINUX_HARDCODED_KEY_TAG = 'v10';

export async function safeStorageCodec(safeStorage: SafeStorage, platform: NodeJS.Platform = process.platform): Promise<SecretCodec> {
  const available = await safeStorage.isAsyncEncryptionAvailable();
  if (!available) throw new Error('the operating system offers no encryption for stored secrets (safeStorage is unavailable)');
  const weak = platform === 'linux' && (await safeStorage.encryptStringAsync('probe')).subarray(0, 3).toString('latin1') === LINUX_HARDCODED_KEY_TAG;
  return {
    kind: 'os',
    warning: weak ? WEAK_KEYRING_WARNING : null,
    encrypt: async (plain) => (await safeStorage.encryptStringAsync(plain)).toString('base64'),
    // Rejects while the keyring is locked (right after login): the store keeps that secret unread.
    decrypt: async (stored) => {
      const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(Buffer.from(stored, 'base64'));
      return { plain: result, reEncrypt: shouldReEncrypt };
    },
  };
}
