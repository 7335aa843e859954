/** Test helpers: temporary archives, signed requests, payload builders. Everything real, nothing mocked. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import Database from 'better-sqlite3';
import { SqliteStore, type SqliteStoreOptions } from '../../electron/core/archive/sqlite/sqlite-store.js';
import { sign } from '../../electron/core/signature.js';
import { seededRandom, simulateSession } from '../../electron/core/simulator.js';
import type { SessionEndedPayload, SessionStartedPayload } from '../../shared/payload.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `fn` after the current test, even when it fails. */
export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

export function tempDir(prefix = 'callaider-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A SQLite store on a fresh temporary file, closed after the test (on this thread unless `threads`). */
export async function tempArchive(options: SqliteStoreOptions = {}): Promise<{ archive: SqliteStore; file: string; dir: string }> {
  const dir = tempDir();
  const file = join(dir, 'archive.sqlite');
  const archive = await SqliteStore.open(file, options);
  onCleanup(() => archive.close().catch(() => undefined));
  return { archive, file, dir };
}

/**
 * A read-only look at an archive file, for SQLite-specific checks (schema, indexes, bytes on
 * disk). Behaviour is checked through the store's own reads; this is for what only the file shows.
 */
export function peek(file: string) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  onCleanup(() => db.close());
  return {
    db,
    rows: <T = Record<string, unknown>>(sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as T[],
    count: (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n,
  };
}

let counter = 0;
export function sessionPair(options: { messages?: number; seed?: number } = {}): { started: SessionStartedPayload; ended: SessionEndedPayload } {
  counter += 1;
  return simulateSession(seededRandom(options.seed ?? 1000 + counter), { endsAt: Date.UTC(2026, 4, 28, 12, 0, 0), messages: options.messages ?? 8 });
}

export const SECRET = 'test-secret-🔑';

export function signedRequest(payload: unknown, options: { secret?: string | null; event?: string | null; body?: string | Buffer } = {}) {
  const body = options.body ?? JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const event = options.event === undefined ? (payload as { event?: string }).event : options.event;
  if (event) headers['x-callaider-event'] = event;
  const secret = options.secret === undefined ? SECRET : options.secret;
  if (secret) headers['x-callaider-signature'] = sign(secret, body);
  return { method: 'POST' as const, url: '/webhook', headers, payload: body };
}
