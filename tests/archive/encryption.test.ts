import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateArchiveKey, isEncryptedFile, parseArchiveKey, type ArchiveKey } from '../../electron/core/archive/archive-key.js';
import { ArchiveKeyError } from '../../electron/core/archive/errors.js';
import { changeArchiveKey, resolveArchiveKey } from '../../electron/core/archive/sqlite/rekey.js';
import { SqliteStore, type SqliteStoreOptions } from '../../electron/core/archive/sqlite/sqlite-store.js';
import { takeBackup } from '../../electron/core/backup/backups.js';
import { onCleanup, sessionPair, tempDir } from '../support/fixtures.js';

/** A word no simulated call says: if it is in the file's bytes, the transcript is readable there. */
const SECRET_WORD = 'Quetzalcoatlus';
const body = (payload: unknown) => Buffer.from(JSON.stringify(payload));
const key = generateArchiveKey('test');
const otherKey = generateArchiveKey('test (other)');

async function open(file: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
  const store = await SqliteStore.open(file, options);
  onCleanup(() => store.close().catch(() => undefined));
  return store;
}

/** Sessions whose transcripts say SECRET_WORD; returns their ids. */
async function fill(store: SqliteStore, sessions: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < sessions; i += 1) {
    const { started, ended } = sessionPair({ seed: 500 + i, messages: 6 });
    ended.data.transcript![1]!.content = `The caller asked about the ${SECRET_WORD} exhibit, ticket ${i}.`;
    await store.ingest({ payload: started, body: body(started), source: 'webhook', receivedAt: Date.now() });
    await store.ingest({ payload: ended, body: body(ended), source: 'webhook', receivedAt: Date.now() });
    ids.push(started.sessionId);
  }
  await store.settled();
  return ids;
}

/** The archive file and its WAL, as bytes on disk. */
function bytesOnDisk(file: string): Buffer {
  return Buffer.concat([file, `${file}-wal`].filter(existsSync).map((path) => readFileSync(path)));
}

const found = async (store: SqliteStore) => (await store.listSessions({ query: SECRET_WORD, filters: {}, limit: 100, staleAfterMs: 1 })).items.length;

describe('an encrypted archive', () => {
  it('holds no transcript word in its file or WAL, opens with its key, and searches', async () => {
    const file = join(tempDir(), 'archive.sqlite');
    const store = await open(file, { key, threads: true, deferProjection: true });
    await fill(store, 20);
    // While open: the WAL holds the latest commits.
    expect(existsSync(`${file}-wal`)).toBe(true);
    expect(bytesOnDisk(file).includes(SECRET_WORD)).toBe(false);
    expect(await found(store)).toBe(20);
    await store.close();
    expect(isEncryptedFile(file)).toBe(true);
    expect(bytesOnDisk(file).includes(SECRET_WORD)).toBe(false);

    const again = await open(file, { key, readonly: true });
    expect(await found(again)).toBe(20);

    // The same calls in a plaintext archive do show the word: the check above can fail.
    const plain = join(tempDir(), 'archive.sqlite');
    const plainStore = await open(plain);
    await fill(plainStore, 1);
    await plainStore.close();
    expect(readFileSync(plain).includes(SECRET_WORD)).toBe(true);
  });

  it('refuses a wrong key, a missing key and a key for a plaintext archive with a clear message, and leaves the file as it was', async () => {
    const file = join(tempDir(), 'archive.sqlite');
    const filled = await open(file, { key });
    await fill(filled, 3);
    await filled.close();
    const before = readFileSync(file);

    await expect(SqliteStore.open(file, { key: otherKey, threads: true })).rejects.toThrow(ArchiveKeyError);
    await expect(SqliteStore.open(file, { key: otherKey })).rejects.toThrow(`the key from test (other) does not open the archive at ${file}`);
    await expect(SqliteStore.open(file, { threads: true })).rejects.toThrow(`the archive at ${file} is encrypted: give its key (CALLAIDER_ARCHIVE_KEY or --key-file)`);
    await expect(SqliteStore.open(file, { readonly: true })).rejects.toThrow(ArchiveKeyError);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(readdirSync(join(file, '..')).sort()).toEqual(['archive.sqlite']);

    const plain = join(tempDir(), 'archive.sqlite');
    await (await open(plain)).close();
    await expect(SqliteStore.open(plain, { key, threads: true })).rejects.toThrow(`the archive at ${plain} is not encrypted, but a key was given (test)`);
  });

  it('is encrypted from a plaintext archive with every session and search kept; the key changes; it decrypts', async () => {
    const file = join(tempDir(), 'archive.sqlite');
    const plain = await open(file, { threads: true, deferProjection: true });
    const ids = await fill(plain, 15);
    await plain.close();
    expect(readFileSync(file).includes(SECRET_WORD)).toBe(true);

    const encrypted = await changeArchiveKey(file, { from: null, to: key });
    expect(encrypted.counts).toMatchObject({ sessions: 15, events: 30 });
    expect(bytesOnDisk(file).includes(SECRET_WORD)).toBe(false);
    expect(readdirSync(join(file, '..')).sort()).toEqual(['archive.sqlite']);
    const reopened = await open(file, { key, threads: true });
    expect(await found(reopened)).toBe(15);
    for (const id of ids) expect(await reopened.storedEvents(id)).toEqual(['session.ended', 'session.started']);
    await reopened.close();

    await changeArchiveKey(file, { from: key, to: otherKey });
    await expect(SqliteStore.open(file, { key })).rejects.toThrow(ArchiveKeyError);
    const rekeyed = await open(file, { key: otherKey });
    expect(await found(rekeyed)).toBe(15);
    await rekeyed.close();

    await changeArchiveKey(file, { from: otherKey, to: null });
    expect(isEncryptedFile(file)).toBe(false);
    const decrypted = await open(file, { readonly: true });
    expect(await found(decrypted)).toBe(15);
  });

  it('a failed change leaves the archive as it was: wrong current key, or the key store failing before the swap', async () => {
    const file = join(tempDir(), 'archive.sqlite');
    const filled = await open(file, { key });
    await fill(filled, 4);
    // Closing folds the WAL in: compare whole files.
    await filled.close();
    const copy = join(tempDir(), 'before.sqlite');
    copyFileSync(file, copy);

    await expect(changeArchiveKey(file, { from: otherKey, to: key })).rejects.toThrow(ArchiveKeyError);
    await expect(changeArchiveKey(file, { from: key, to: otherKey, persistKey: () => Promise.reject(new Error('keychain locked')) })).rejects.toThrow('keychain locked');
    expect(readFileSync(file).equals(readFileSync(copy))).toBe(true);
    // No copy is left behind (it may hold plaintext); an empty WAL from the checks may be.
    expect(readdirSync(join(file, '..')).filter((name) => name.includes('rekeying'))).toEqual([]);
    const store = await open(file, { key });
    expect(await found(store)).toBe(4);
  });

  it('opens after a crash between keeping the new key and the swap, and after the swap: the key store offers both keys', async () => {
    const file = join(tempDir(), 'archive.sqlite');
    const filled = await open(file);
    await fill(filled, 2);
    await filled.close();
    // Crash before the swap: the new key was kept, the archive is still plaintext.
    expect(resolveArchiveKey(file, [null, key])).toEqual({ key: null });
    await changeArchiveKey(file, { from: null, to: key });
    // Crash after the swap, before the key store settled: current is still "none", pending the new key.
    expect(resolveArchiveKey(file, [null, key])).toEqual({ key });
    expect(resolveArchiveKey(file, [otherKey])).toBeNull();
  });

  it('backs up encrypted with the archive key; the backup verifies and restores with it and is refused without it', async () => {
    const dir = tempDir();
    const file = join(dir, 'archive.sqlite');
    const store = await open(file, { key, threads: true, deferProjection: true });
    await fill(store, 10);
    const folder = join(dir, 'backups');
    const record = await takeBackup({ store, folder });
    expect(record).toMatchObject({ ok: true, counts: { sessions: 10, events: 20 } });
    const backup = join(folder, record.file);
    expect(isEncryptedFile(backup)).toBe(true);
    expect(readFileSync(backup).includes(SECRET_WORD)).toBe(false);
    expect(SqliteStore.checkFile(backup, { key })).toMatchObject({ ok: true, counts: { sessions: 10 } });
    expect(() => SqliteStore.checkFile(backup)).toThrow(/is encrypted: give its key/);
    expect(() => SqliteStore.checkFile(backup, { key: otherKey })).toThrow(/does not open/);

    const elsewhere = join(tempDir(), 'archive.sqlite');
    expect(() => SqliteStore.replaceFile(elsewhere, backup, 'x')).toThrow(ArchiveKeyError);
    expect(existsSync(elsewhere)).toBe(false);
    SqliteStore.replaceFile(elsewhere, backup, 'x', key);
    expect(isEncryptedFile(elsewhere)).toBe(true);
    const restored = await open(elsewhere, { key, readonly: true });
    expect(await found(restored)).toBe(10);
  });
});

describe('archive keys', () => {
  it('reads 64 hex digits as a raw key and anything else of 12 characters or more as a passphrase', () => {
    expect(parseArchiveKey(`${'AB'.repeat(32)}\n`, 'x')).toEqual({ kind: 'raw', value: 'ab'.repeat(32), source: 'x' });
    expect(parseArchiveKey("it's a long passphrase", 'x')).toMatchObject({ kind: 'passphrase', value: "it's a long passphrase" });
    expect(() => parseArchiveKey('short', 'env X')).toThrow('the archive key from env X is too short');
    expect(() => parseArchiveKey('\n', 'env X')).toThrow('is empty');
  });

  it('opens an archive made with a passphrase (quotes included) only with that passphrase', async () => {
    const passphrase: ArchiveKey = parseArchiveKey("O'Brien's archive passphrase", 'test');
    const file = join(tempDir(), 'archive.sqlite');
    const filled = await open(file, { key: passphrase });
    await fill(filled, 1);
    await filled.close();
    await expect(SqliteStore.open(file, { key: parseArchiveKey("O'Brien's archive passphrasE", 'test') })).rejects.toThrow(ArchiveKeyError);
    const again = await open(file, { key: passphrase, readonly: true });
    expect(await found(again)).toBe(1);
  });
});
