/**
 * Schema 5 of the PostgreSQL store, on a real throwaway cluster: the projection without per-row
 * foreign keys leaves nothing behind when sessions are deleted, erased by caller or by retention;
 * an archive of schema 4 is upgraded (keys dropped, every search document rebuilt without
 * unaccent); and a phrase in a transcript too long for a tsvector's word positions is checked for
 * real, with the same results as the SQLite store given the same events.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { POSTGRES_SCHEMA_VERSION } from '../../electron/core/archive/postgres/postgres-store.js';
import { SqliteStore } from '../../electron/core/archive/sqlite/sqlite-store.js';
import type { ArchiveStore } from '../../electron/core/archive/store.js';
import type { SessionEndedPayload, SessionStartedPayload, TranscriptItem } from '../../shared/payload.js';
import { onCleanup, sessionPair, tempDir } from '../support/fixtures.js';
import { describePostgres, usePostgresCluster } from '../support/postgres-fixture.js';
import { openPostgresStore as openStore, sqlAt as sql } from '../support/postgres-store.js';

const STALE = 2 * 3_600_000;
type Payload = SessionStartedPayload | SessionEndedPayload;

async function ingestAll(store: ArchiveStore, payloads: Payload[]): Promise<void> {
  for (const payload of payloads) {
    expect(await store.ingest({ payload, body: Buffer.from(JSON.stringify(payload)), source: 'webhook', receivedAt: Date.now() })).toEqual({ duplicate: false });
  }
  await store.settled();
}

async function searchIds(store: ArchiveStore, query: string): Promise<string[]> {
  const page = await store.listSessions({ query, filters: {}, limit: 50, staleAfterMs: STALE });
  return page.items.map((s) => s.sessionId).sort();
}

const say = (content: string): TranscriptItem => ({ role: 'user', content, timestamp: 1_780_000_000_000 });

/** Rows that name a session (or an event) no longer there: what the dropped foreign keys used to prevent. */
const ORPHANS = `
  SELECT 'messages' AS t, count(*)::int AS n FROM messages x WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.session_id = x.session_id)
  UNION ALL SELECT 'files', count(*)::int FROM files x WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.session_id = x.session_id)
  UNION ALL SELECT 'follow_ups', count(*)::int FROM follow_ups x WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.session_id = x.session_id)
  UNION ALL SELECT 'notes', count(*)::int FROM notes x WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.session_id = x.session_id)
  UNION ALL SELECT 'session_tags', count(*)::int FROM session_tags x WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.session_id = x.session_id)
  UNION ALL SELECT 'session_search_texts', count(*)::int FROM session_search_texts x WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.session_id = x.session_id)
  UNION ALL SELECT 'forward_outbox', count(*)::int FROM forward_outbox x WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = x.event_id)
  UNION ALL SELECT 'events', count(*)::int FROM events x WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.session_id = x.session_id)`;

/** Rows per table that belong to these sessions. */
async function rowsOf(url: string, sessionIds: string[]): Promise<Record<string, number>> {
  const rows = await sql<{ t: string; n: number }>(
    url,
    `SELECT 'messages' AS t, count(*)::int AS n FROM messages WHERE session_id = ANY($1)
     UNION ALL SELECT 'files', count(*)::int FROM files WHERE session_id = ANY($1)
     UNION ALL SELECT 'follow_ups', count(*)::int FROM follow_ups WHERE session_id = ANY($1)
     UNION ALL SELECT 'notes', count(*)::int FROM notes WHERE session_id = ANY($1)
     UNION ALL SELECT 'session_search_texts', count(*)::int FROM session_search_texts WHERE session_id = ANY($1)
     UNION ALL SELECT 'forward_outbox', count(*)::int FROM forward_outbox WHERE session_id = ANY($1)
     UNION ALL SELECT 'events', count(*)::int FROM events WHERE session_id = ANY($1)`,
    [sessionIds],
  );
  return Object.fromEntries(rows.map((r) => [r.t, r.n]));
}

/** 17,000 words: past the 16,383 positions a tsvector keeps. */
const overlongText = (tail: string) => `${Array.from({ length: 17_000 }, (_, i) => `filler${i % 5_000}`).join(' ')} ${tail}`;

describePostgres('PostgresStore schema 5', () => {
  const cluster = usePostgresCluster();

  it('leaves no rows behind when a session is deleted, a caller erased and old sessions erased by retention', async () => {
    const url = await cluster().createDatabase();
    const store = await openStore(url);
    await store.saveForwardTarget({ url: 'http://127.0.0.1:9/hook', events: ['session.started', 'session.ended'], headers: {}, secret: 's3cret', origin: 'owner', at: 1 });
    const tag = await store.saveTag({ name: 'VIP', color: 'blue' });
    const make = (options: { phone?: string; old?: boolean; overlong?: boolean } = {}) => {
      const pair = sessionPair({ messages: 3 });
      if (options.phone) pair.started.data = { metadata: { ...pair.started.data.metadata, phone: options.phone } };
      if (options.old) {
        pair.started.timestamp = '2020-01-01T10:00:00.000Z';
        pair.ended.timestamp = '2020-01-01T10:05:00.000Z';
      }
      const transcript = pair.ended.data.transcript!;
      transcript[0] = { ...transcript[0]!, files: [{ gcsUri: 'gs://bucket/a.pdf', mimeType: 'application/pdf', filename: 'a.pdf' }] };
      if (options.overlong) transcript.push(say(overlongText('the end')));
      return pair;
    };
    const deleted = make({ overlong: true });
    const byCaller = [make({ phone: '+1 415 555 0100' }), make({ phone: '+1 415 555 0100', overlong: true })];
    const old = [make({ old: true }), make({ old: true, overlong: true })];
    const kept = make({ phone: '+1 415 555 0199', overlong: true });
    const all = [deleted, ...byCaller, ...old, kept];
    await ingestAll(store, all.flatMap((p) => [p.started, p.ended]));
    for (const { started } of all) {
      await store.setFollowUp({ sessionId: started.sessionId, state: 'follow-up', snoozedUntil: null, priority: 'high', actor: 'Ana', at: 2 });
      await store.addNote({ sessionId: started.sessionId, text: 'called back', author: 'Ana', at: 3 });
      await store.tagSession({ sessionId: started.sessionId, tagId: tag.id, on: true, actor: 'Ana', at: 4 });
    }
    const ids = (pairs: Array<{ started: SessionStartedPayload }>) => pairs.map((p) => p.started.sessionId);
    const keptRows = await rowsOf(url, ids([kept]));
    expect(keptRows).toEqual({ messages: 4, files: 1, follow_ups: 1, notes: 1, session_search_texts: 1, forward_outbox: 2, events: 2 });
    expect(await rowsOf(url, ids(all))).toEqual({ messages: 22, files: 6, follow_ups: 6, notes: 6, session_search_texts: 4, forward_outbox: 12, events: 12 });

    expect(await store.eraseSession(deleted.started.sessionId)).toBe(true);
    const [{ key }] = (await sql<{ key: string }>(url, 'SELECT caller_key AS key FROM sessions WHERE session_id = $1', [byCaller[0]!.started.sessionId])) as [{ key: string }];
    const erasure = { actor: 'owner', at: Date.now() };
    let page = await store.eraseSessions({ scope: { callerKey: key }, erasure: { ...erasure, kind: 'caller' }, budgetMs: 5_000 });
    expect(page).toMatchObject({ erased: 2, done: true });
    page = await store.eraseSessions({ scope: { before: Date.parse('2021-01-01T00:00:00Z') }, erasure: { ...erasure, kind: 'retention' }, budgetMs: 5_000 });
    expect(page).toMatchObject({ erased: 2, done: true });

    expect((await sql<{ t: string; n: number }>(url, ORPHANS)).filter((row) => row.n > 0)).toEqual([]);
    expect(await rowsOf(url, ids([deleted, ...byCaller, ...old]))).toEqual({ messages: 0, files: 0, follow_ups: 0, notes: 0, session_search_texts: 0, forward_outbox: 0, events: 0 });
    expect(await rowsOf(url, ids([kept]))).toEqual(keptRows);
    expect(await store.counts({ staleBefore: 0 })).toMatchObject({ sessions: 1, events: 2, messages: 4 });
    expect(await searchIds(store, 'the-end')).toEqual(ids([kept]));
  });

  it('upgrades an archive of schema 4: foreign keys dropped, every search document rebuilt without unaccent', async () => {
    const url = await cluster().createDatabase();
    const v4 = await openStore(url, 4);
    const { started, ended } = sessionPair({ messages: 0 });
    ended.data.transcript = [say('Søren from Łódź, Straße 5, asked about the Æsir exhibit')];
    const other = sessionPair({ messages: 2 });
    await ingestAll(v4, [started, ended, other.started, other.ended]);
    // What a hub of schema 4 indexed: the same folded words, through unaccent (ø became o).
    await sql(url, "UPDATE sessions SET search = to_tsvector('archive_search', 'soren from łodz straße 5 asked about the æsir exhibit') WHERE session_id = $1", [
      started.sessionId,
    ]);
    await v4.close();
    const foreignKeys = `SELECT conrelid::regclass::text AS t FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text IN ('messages', 'files', 'follow_ups', 'forward_outbox') ORDER BY 1`;
    expect((await sql<{ t: string }>(url, foreignKeys)).map((r) => r.t)).toEqual(['files', 'follow_ups', 'forward_outbox', 'forward_outbox', 'messages']);

    const store = await openStore(url);
    expect(await sql(url, 'SELECT max(version) AS v FROM archive_schema')).toEqual([{ v: POSTGRES_SCHEMA_VERSION }]);
    // forward_outbox keeps its key to forward_targets (deleting a target is rare and takes its outbox).
    expect((await sql<{ t: string }>(url, foreignKeys)).map((r) => r.t)).toEqual(['forward_outbox']);
    // As FTS5 (unicode61, diacritics removed): ø, ł, ß and æ are letters of their own, accents on others fold.
    for (const query of ['Søren', 'SØREN', 'łódź', 'Łodz', 'straße', 'æsir']) expect(await searchIds(store, query), query).toEqual([started.sessionId]);
    for (const query of ['soren', 'lodz', 'strasse', 'aesir']) expect(await searchIds(store, query), query).toEqual([]);
    expect(await searchIds(store, other.started.sessionId)).toEqual([other.started.sessionId]);
    expect(await store.counts({ staleBefore: 0 })).toMatchObject({ sessions: 2, events: 4, messages: 3 });
  });

  it('checks a phrase in a transcript too long for word positions for real, as the SQLite store finds it', async () => {
    const pgStore = await openStore(await cluster().createDatabase());
    const sqlite = await SqliteStore.open(join(tempDir(), 'same.sqlite'));
    onCleanup(() => sqlite.close());
    const session = (transcript: TranscriptItem[]) => {
      const pair = sessionPair({ messages: 0 });
      pair.ended.data.transcript = transcript;
      return pair;
    };
    const sessions = {
      // q and 1182 both present, never next to each other; alpha-beta only past word 16,383.
      overlong: session([say('Invoice q was sent'), say(overlongText('the alpha-beta release, order 1182'))]),
      // A word said more than 256 times: a tsvector keeps 256 of its positions, the phrase is after them.
      repeated: session([say(`${Array.from({ length: 300 }, () => 'zz').join(' ')} then zz-top played`)]),
      short: session([say('The price is Q-1182 today, alpha and beta')]),
    };
    for (const store of [pgStore, sqlite] as ArchiveStore[]) await ingestAll(store, Object.values(sessions).flatMap((s) => [s.started, s.ended]));
    const id = (s: keyof typeof sessions) => sessions[s].started.sessionId;
    const expected: Record<string, string[]> = {
      'Q-1182': [id('short')],
      'alpha-beta': [id('overlong')],
      'alpha-bet': [id('overlong')], // the last part a prefix
      'ALPHA-BETA release': [id('overlong')],
      'beta-alpha': [],
      'release-alpha': [],
      'zz-top': [id('repeated')],
      'top-zz': [],
      'alpha beta': [id('overlong'), id('short')].sort(), // two words, anywhere
      filler4999: [id('overlong')],
    };
    for (const [query, ids] of Object.entries(expected)) {
      expect(await searchIds(pgStore, query), `PostgreSQL: ${query}`).toEqual(ids);
      expect(await searchIds(sqlite, query), `SQLite: ${query}`).toEqual(ids);
      const page = await pgStore.listSessions({ query, filters: {}, limit: 50, staleAfterMs: STALE });
      expect(page.total, query).toBe(ids.length);
    }
  });
});
