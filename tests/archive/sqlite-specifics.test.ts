/**
 * What only the SQLite store's files show: connection settings the durability promise rests on,
 * kept counters equal to real counts, query plans, group commit, and recovery from what a crash
 * leaves on disk. Behaviour every store shares is in store-conformance.ts.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { CommitError } from '../../electron/core/archive/errors.js';
import { openDatabase, openReader, type WritableDB } from '../../electron/core/archive/sqlite/database.js';
import { PREFIX_HINT, highlight, toFtsQuery } from '../../electron/core/archive/sqlite/reads/sessions.js';
import { SqliteStore, type SqliteStoreOptions } from '../../electron/core/archive/sqlite/sqlite-store.js';
import { threadEntry } from '../../electron/core/archive/sqlite/threads/op-thread.js';
import { HIGHLIGHT_END, HIGHLIGHT_START } from '../../shared/api.js';
import type { SessionEndedPayload, SessionStartedPayload } from '../../shared/payload.js';
import { onCleanup, peek, sessionPair, tempArchive, tempDir } from '../support/fixtures.js';

type Payload = SessionStartedPayload | SessionEndedPayload;
const ingest = (store: SqliteStore, payload: Payload) => store.ingest({ payload, body: Buffer.from(JSON.stringify(payload)), source: 'webhook', receivedAt: Date.now() });

async function openStore(file: string, options: SqliteStoreOptions) {
  const store = await SqliteStore.open(file, {
    ...options,
    onFallback: (reason) => {
      throw new Error(reason);
    },
  });
  onCleanup(() => store.close().catch(() => undefined));
  return store;
}

/** A writable raw connection, for arranging states only a crash or an old version leaves behind. */
function raw(file: string): WritableDB {
  const db = new Database(file);
  db.pragma('foreign_keys = ON');
  onCleanup(() => db.open && db.close());
  return db;
}

const MODES: Array<[string, SqliteStoreOptions]> = [
  ['on this thread', { threads: false }],
  ['on threads', { threads: true }],
  ['on threads, deferred projection', { threads: true, deferProjection: true }],
];

describe('SQLite connections', () => {
  it('the store keeps its archive in WAL mode', async () => {
    const { file } = await tempArchive();
    expect(peek(file).db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('the writer runs with synchronous=FULL, a busy timeout and foreign keys; readers are read-only', () => {
    const file = join(tempDir(), 'archive.sqlite');
    const writer = openDatabase(file);
    onCleanup(() => writer.close());
    expect(writer.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(writer.pragma('synchronous', { simple: true })).toBe(2); // FULL: a COMMIT that returned is on disk
    expect(writer.pragma('busy_timeout', { simple: true })).toBeGreaterThanOrEqual(1000);
    expect(writer.pragma('foreign_keys', { simple: true })).toBe(1);
    const reader = openReader(file) as WritableDB;
    onCleanup(() => reader.close());
    expect(reader.pragma('busy_timeout', { simple: true })).toBeGreaterThanOrEqual(1000);
    expect(reader.readonly).toBe(true);
    expect(() => reader.prepare('DELETE FROM events').run()).toThrow(/readonly/);
  });

  it('a store opened read-only refuses writes with a CommitError, and reads', async () => {
    const { archive, file } = await tempArchive();
    const { started } = sessionPair();
    await ingest(archive, started);
    const readonly = await openStore(file, { readonly: true });
    await expect(ingest(readonly, sessionPair().started)).rejects.toBeInstanceOf(CommitError);
    await expect(readonly.eraseSession(started.sessionId)).rejects.toBeInstanceOf(CommitError);
    expect(await readonly.storedEvents(started.sessionId)).toEqual(['session.started']);
    await readonly.settled();
    expect(await readonly.commitStats()).toEqual({ transactions: 0, jobs: 0, largestBatch: 0 });
  });
});

describe('the session list filtered by follow-up state', () => {
  it('finds the same sessions whether the state is common or rare, and counts only where counting is cheap', async () => {
    const { archive } = await tempArchive();
    const pairs = Array.from({ length: 24 }, () => sessionPair());
    for (const pair of pairs) await ingest(archive, pair.started);
    await archive.settled();
    const at = Date.now();
    const ids = pairs.map((p) => p.started.sessionId);
    // Common: 18 of 24 to follow up (walks the sessions newest first); rare: 2 done (starts from the follow-ups).
    for (const id of ids.slice(0, 18)) await archive.setFollowUp({ sessionId: id, state: 'follow-up', snoozedUntil: null, actor: 'Ana', at });
    for (const id of ids.slice(18, 20)) await archive.setFollowUp({ sessionId: id, state: 'done', snoozedUntil: null, actor: 'Ana', at });
    const list = async (filters: Parameters<SqliteStore['listSessions']>[0]['filters']) => {
      const page = await archive.listSessions({ filters, limit: 10, staleAfterMs: 3_600_000, now: at });
      const all = [...page.items];
      for (let cursor = page.nextCursor; cursor; ) {
        const next = await archive.listSessions({ filters, limit: 10, cursor, staleAfterMs: 3_600_000, now: at });
        all.push(...next.items);
        cursor = next.nextCursor;
      }
      return { ids: all.map((item) => item.sessionId).sort(), total: page.total };
    };
    expect(await list({ followUp: 'follow-up' })).toEqual({ ids: ids.slice(0, 18).sort(), total: 18 });
    expect(await list({ followUp: 'done' })).toEqual({ ids: ids.slice(18, 20).sort(), total: 2 });
    expect(await list({ followUp: 'open' })).toEqual({ ids: ids.slice(20).sort(), total: 4 });
    // With another filter: the rare state is counted; the common one would mean looking up every session.
    expect(await list({ followUp: 'done', mode: 'voice' })).toMatchObject({ total: expect.any(Number) });
    expect((await list({ followUp: 'follow-up', status: 'stale' })).total).toBeNull();
    expect((await list({ followUp: 'follow-up', status: 'stale' })).ids).toEqual(ids.slice(0, 18).sort());
  });
});

describe.each(MODES)('SQLite store %s', (_name, options) => {
  it('keeps every counter equal to a real count after a mixed workload', async () => {
    if (options.threads) expect(threadEntry(), 'run npm run build first').not.toBeNull();
    const file = join(tempDir(), 'archive.sqlite');
    const store = await openStore(file, { ...options, limits: { maxDeliveries: 30, maxQuarantined: 4 } });
    const pairs = Array.from({ length: 30 }, (_, i) => sessionPair({ messages: 2 + (i % 5) }));
    const payloads: Payload[] = pairs.flatMap((p, i) => (i % 5 === 0 ? [p.started] : i % 7 === 0 ? [p.ended] : [p.ended, p.started]));
    await Promise.all(payloads.map((p) => ingest(store, p)));
    await Promise.all(payloads.slice(0, 10).map((p) => ingest(store, p))); // duplicates
    const quarantine = { receivedAt: 1, failure: 'signature' as const, reason: 'r', eventHeader: null, signatureHeader: null, event: null, sessionId: null, headers: null };
    const delivery = { receivedAt: 1, method: 'POST', path: '/webhook', remote: null, eventHeader: null, event: null, sessionId: null, outcome: 'rejected' as const, statusCode: 401, reason: null, size: 1, latencyMs: 1, headersJson: null };
    await Promise.all(Array.from({ length: 140 }, (_, i) => store.logDelivery(delivery, i % 3 === 0 ? { ...quarantine, body: Buffer.from('x'.repeat(i + 1)) } : undefined)));
    const [first] = await store.listQuarantine({ limit: 1 });
    await store.releaseFromQuarantine([first!.id]);
    // A session that ends after it was counted active, and deletions of every kind.
    await ingest(store, pairs[0]!.ended);
    for (const p of pairs.slice(1, 4)) await store.eraseSession(p.started.sessionId);
    if (options.deferProjection) {
      // Indexed later from its stored bytes, which cannot be indexed: counted as unindexed.
      const unprojectable = sessionPair().started;
      await store.ingest({ payload: unprojectable, body: Buffer.from('{"event":"session.started"}'), source: 'webhook', receivedAt: 1 });
    }
    await store.settled();
    // Follow-ups in every state change, and one whose session is deleted (removed by cascade).
    const at = Date.now();
    const edit = (i: number, state: 'open' | 'follow-up' | 'done') => store.setFollowUp({ sessionId: pairs[i]!.started.sessionId, state, snoozedUntil: null, actor: 'Ana', at });
    for (const i of [5, 6, 7, 8, 9]) await edit(i, 'follow-up');
    await edit(5, 'done');
    await edit(6, 'open');
    await edit(7, 'follow-up'); // unchanged
    await store.eraseSession(pairs[8]!.started.sessionId);
    await store.settled();

    const look = peek(file);
    const one = <T>(sql: string) => look.rows<{ n: T }>(sql)[0]!.n;
    const counters = Object.fromEntries(look.rows<{ name: string; value: number }>('SELECT name, value FROM counters').map((r) => [r.name, r.value]));
    const real = {
      events: look.count('events'),
      events_waiting: one<number>('SELECT count(*) AS n FROM events WHERE projected = 0'),
      events_failed: one<number>('SELECT count(*) AS n FROM events WHERE projected = -1'),
      sessions: look.count('sessions'),
      sessions_active: one<number>("SELECT count(*) AS n FROM sessions WHERE status = 'active'"),
      messages: look.count('messages'),
      deliveries: look.count('deliveries'),
      quarantined: look.count('quarantine'),
      quarantined_bytes: one<number>('SELECT coalesce(sum(length(body)), 0) AS n FROM quarantine'),
      follow_ups: one<number>("SELECT count(*) AS n FROM follow_ups WHERE state = 'follow-up'"),
    };
    expect(counters).toEqual(real);
    expect(real.follow_ups).toBeGreaterThanOrEqual(2); // 7 and 9, besides what the rules flagged
    expect(real).toMatchObject({ events_waiting: 0, events_failed: options.deferProjection ? 1 : 0, quarantined: 3 }); // four kept, one released
    expect(real.deliveries).toBeLessThan(140);
    expect(real.messages).toBe(one<number>('SELECT coalesce(sum(message_count), 0) AS n FROM sessions'));
    // The search index holds one document per session, no more.
    expect(one<number>('SELECT count(*) AS n FROM session_search')).toBe(real.sessions);
    expect(await store.counts({ staleBefore: Number.MAX_SAFE_INTEGER })).toMatchObject({
      sessions: real.sessions,
      staleSessions: real.sessions_active,
      activeSessions: 0,
      messages: real.messages,
      events: real.events,
      deliveries: real.deliveries,
      quarantined: real.quarantined,
      quarantinedBytes: real.quarantined_bytes,
    });
  });

  it('commits concurrent ingests together (group commit), and a resolved ingest is on disk', async () => {
    const file = join(tempDir(), 'archive.sqlite');
    const store = await openStore(file, options);
    const pairs = Array.from({ length: 50 }, () => sessionPair());
    const before = await store.commitStats();
    await Promise.all(pairs.map((pair) => ingest(store, pair.started)));
    const after = await store.commitStats();
    expect(after.transactions - before.transactions).toBeLessThan(5);
    expect(after.largestBatch).toBeGreaterThanOrEqual(10);
    // Resolved means committed: another connection sees every row at once.
    expect(peek(file).count('events')).toBe(50);
  });

  it('fails only the ingest that breaks, not the others committed with it', async (context) => {
    if (options.deferProjection) context.skip(); // deferred ingest stores the bytes and projects later
    const store = await openStore(join(tempDir(), 'archive.sqlite'), options);
    const good = sessionPair();
    const bad = sessionPair();
    // A projection that throws (a BigInt JSON cannot serialise) must roll back only its own job.
    const broken = { ...bad.ended, data: { ...bad.ended.data, transcript: [{ role: 'user', content: 'x', timestamp: 1, toolCall: { name: 'n', arguments: 1n } }] } };
    const brokenIngest = store.ingest({ payload: broken as never, body: Buffer.from('{}'), source: 'webhook', receivedAt: Date.now() });
    const results = await Promise.allSettled([ingest(store, good.started), brokenIngest, ingest(store, good.ended)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await store.counts({ staleBefore: 0 })).toMatchObject({ events: 2, sessions: 1 });
    expect(await store.storedEvents(bad.ended.sessionId)).toEqual([]);
  });

  it('indexes, at the next start, events a crash left waiting', async () => {
    const file = join(tempDir(), 'archive.sqlite');
    const first = await openStore(file, { threads: false });
    const { ended } = sessionPair({ messages: 7 });
    await ingest(first, ended);
    await first.close();
    // As if killed right after the acknowledgement: stored, not yet indexed.
    const db = raw(file);
    db.prepare('DELETE FROM sessions').run();
    db.prepare('UPDATE events SET projected = 0').run();
    expect(db.prepare("SELECT value FROM counters WHERE name = 'events_waiting'").pluck().get()).toBe(1);
    expect(db.prepare('SELECT count(*) FROM messages').pluck().get()).toBe(0);
    db.close();

    const second = await openStore(file, { ...options, deferProjection: true });
    await second.settled();
    expect(await second.counts({ staleBefore: 0 })).toMatchObject({ sessions: 1, messages: 7, indexing: 0, unindexed: 0 });
    expect((await second.listSessions({ query: 'phone assistant', filters: {}, limit: 5, staleAfterMs: 1 })).items.map((s) => s.sessionId)).toEqual([ended.sessionId]);
  });
});

describe('SQLite store crash image', () => {
  it('a copy of the files taken right after the acknowledgements holds every event, waiting, and the next start indexes them', async () => {
    const file = join(tempDir(), 'archive.sqlite');
    // On this thread, nothing is indexed before the copy: the projector waits for a quiet moment.
    const store = await openStore(file, { threads: false, deferProjection: true });
    const pairs = Array.from({ length: 20 }, () => sessionPair({ messages: 4 }));
    await Promise.all(pairs.flatMap((p) => [ingest(store, p.started), ingest(store, p.ended)]));
    const images = [join(tempDir(), 'archive.sqlite'), join(tempDir(), 'archive.sqlite')];
    for (const image of images) {
      copyFileSync(file, image);
      if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${image}-wal`);
    }
    const look = raw(images[0]!);
    expect(look.prepare('SELECT projected, count(*) AS n FROM events GROUP BY projected').all()).toEqual([{ projected: 0, n: 40 }]);
    expect(look.prepare('SELECT count(*) FROM sessions').pluck().get()).toBe(0);
    look.close();

    const restarted = await openStore(images[1]!, { threads: true, deferProjection: true });
    await restarted.settled();
    expect(await restarted.counts({ staleBefore: 0 })).toMatchObject({ events: 40, sessions: 20, messages: 80, indexing: 0, unindexed: 0 });
  });

  it('records why an event could not be indexed', async () => {
    const file = join(tempDir(), 'archive.sqlite');
    const store = await openStore(file, { threads: false, deferProjection: true });
    const { started } = sessionPair();
    await store.ingest({ payload: started, body: Buffer.from('{"event":"session.started","sessionId":"x"}'), source: 'webhook', receivedAt: Date.now() });
    await store.settled();
    const row = peek(file).rows<{ projected: number; projection_error: string }>('SELECT projected, projection_error FROM events')[0]!;
    expect(row.projected).toBe(-1);
    expect(row.projection_error).toMatch(/timestamp/);
  });
});

describe('search internals', () => {
  it('quotes every word, and only a last word of three letters or more is a prefix', () => {
    expect(toFtsQuery('  ')).toBeNull();
    expect(toFtsQuery('"')).toBeNull();
    expect(toFtsQuery('gluten free')).toBe('"gluten" "free" *');
    expect(toFtsQuery('"unbalanced')).toBe('"unbalanced" *');
    expect(toFtsQuery('NEAR(a b)')).toBe('"NEAR(a" "b)"');
    // One or two letters: a whole word, so FTS5 reads one term's list instead of merging every word's that starts with it.
    expect(toFtsQuery('a')).toBe('"a"');
    expect(toFtsQuery('gluten f')).toBe('"gluten" "f"');
    expect(toFtsQuery('田中')).toBe('"田中"');
    expect(toFtsQuery('abc')).toBe('"abc" *');
    expect(toFtsQuery(Array.from({ length: 20 }, (_, i) => `w${i}`).join(' '))).toBe(`${Array.from({ length: 16 }, (_, i) => `"w${i}"`).join(' ')} *`); // 16 words at most
    expect(PREFIX_HINT).toMatch(/3 letters/);
  });

  it('a one-letter search is one term, walked newest first: not a merge of every word starting with it', async () => {
    const { archive, file } = await tempArchive();
    await Promise.all(Array.from({ length: 10 }, () => sessionPair()).flatMap((p) => [ingest(archive, p.started), ingest(archive, p.ended)]));
    const db = peek(file).db;
    const plan = (query: string) => (db.prepare('EXPLAIN QUERY PLAN SELECT rowid FROM session_search WHERE session_search MATCH ? ORDER BY rowid DESC LIMIT 10').all(query) as Array<{ detail: string }>).map((r) => r.detail).join(' ');
    expect(plan(toFtsQuery('a')!)).toMatch(/VIRTUAL TABLE INDEX/);
    expect(plan(toFtsQuery('a')!)).not.toMatch(/TEMP B-TREE/); // newest first straight from the index
    // As a prefix, "a" would also match every word starting with it.
    const terms = (query: string) => db.prepare('SELECT count(*) FROM session_search WHERE session_search MATCH ?').pluck().get(query) as number;
    expect(terms('"a"')).toBeLessThan(terms('"a" *'));
  });

  it('lists sessions newest first from the time index, without sorting the table', async () => {
    const { file } = await tempArchive();
    const db = peek(file).db;
    const plan = (db.prepare('EXPLAIN QUERY PLAN SELECT s.rowid, s.session_id FROM sessions s WHERE 1 AND (s.sort_at_ms < ? OR (s.sort_at_ms = ? AND s.session_id < ?)) ORDER BY s.sort_at_ms DESC, s.session_id DESC LIMIT ?').all(1, 1, 'x', 10) as Array<{ detail: string }>)
      .map((r) => r.detail)
      .join(' | ');
    expect(plan).toMatch(/sessions_by_time/);
    expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY/); // at most the tie-break among equal times
  });

  it('highlights every searched word in the snippet, ignoring case and accents', () => {
    const mark = (word: string) => `${HIGHLIGHT_START}${word}${HIGHLIGHT_END}`;
    expect(highlight('Mi cita es el sábado por la mañana', ['sabado', 'manana'])).toBe(`Mi cita es el ${mark('sábado')} por la ${mark('mañana')}`);
    expect(highlight('ZOË called', ['zoe'])).toBe(`${mark('ZOË')} called`);
    expect(highlight('nothing here', ['dentist'])).toBeNull();
    expect(highlight('cathedral', ['the'])).toBeNull(); // words start where a match starts
    expect(highlight('the theory', ['the'])).toBe(`${mark('the')} ${mark('the')}ory`);
    // A whole-word term (a short last word, or any word before the last) marks whole words only.
    expect(highlight('You are a phone assistant', [{ text: 'a', prefix: false }])).toBe(`You are ${mark('a')} phone assistant`);
    expect(highlight('the theory', [{ text: 'the', prefix: false }])).toBe(`${mark('the')} theory`);
    const long = highlight(`${'a '.repeat(200)}needle${' b'.repeat(200)}`, ['needle'])!;
    expect(long.startsWith('…')).toBe(true);
    expect(long.endsWith('…')).toBe(true);
    expect(long).toContain(mark('needle'));
    expect(highlight('line one\n\nline   two', ['two'])).toBe(`line one line ${mark('two')}`);
  });
});
