/**
 * Erasure through the real SQLite store, on the writer thread like the engine and on the calling thread like the CLI: what an erased
 * session leaves behind (nothing: not in the reads, the search, the delivery log, the quarantine,
 * nor in the bytes of archive.sqlite and its -wal), the retention boundary, counters, the record.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../electron/core/archive/sqlite/sqlite-store.js';
import { threadEntry } from '../../electron/core/archive/sqlite/threads/op-thread.js';
import { Eraser } from '../../electron/core/erasure/eraser.js';
import { silentLogger } from '../../electron/core/log.js';
import type { SessionEndedPayload, SessionStartedPayload } from '../../shared/payload.js';
import { retentionCutoff } from '../../shared/retention.js';
import { onCleanup, peek, sessionPair, tempDir } from '../support/fixtures.js';

type Payload = SessionStartedPayload | SessionEndedPayload;
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);

/** A session that started at `startMs`, lasted a minute, with `word` in its transcript and metadata.from = `from`. */
function pairAt(startMs: number, word: string, from = '+14155550100') {
  const { started, ended } = sessionPair({ messages: 6 });
  started.timestamp = new Date(startMs).toISOString();
  ended.timestamp = new Date(startMs + 60_000).toISOString();
  for (const payload of [started, ended]) payload.data.metadata = { ...(payload.data.metadata as object), source: 'telephony', from };
  const transcript = ended.data.transcript!;
  transcript[transcript.length - 1] = { ...transcript[transcript.length - 1]!, content: `my code word is ${word} thanks` };
  return { started, ended, id: started.sessionId };
}

async function openArchive(threads: boolean) {
  if (threads) expect(threadEntry(), 'run npx tsc -p tsconfig.build.json first').not.toBeNull();
  const dir = tempDir();
  const file = join(dir, 'archive.sqlite');
  const store = await SqliteStore.open(file, { threads, deferProjection: true, onFallback: (reason) => { throw new Error(reason); } });
  onCleanup(() => store.close().catch(() => undefined));
  const eraser = new Eraser({ store, log: silentLogger, now: () => NOW, pauseMs: 0 });
  const ingest = (payload: Payload) => {
    const body = Buffer.from(JSON.stringify(payload));
    const delivery = { receivedAt: NOW, method: 'POST', path: '/webhook', remote: '127.0.0.1', eventHeader: payload.event, reason: null, size: body.length, startedAt: 0, headersJson: JSON.stringify({ 'x-note': `from ${payload.sessionId}` }) };
    return store.ingest({ payload, body, source: 'webhook', receivedAt: NOW, delivery });
  };
  return { store, file, eraser, ingest };
}

/** Whether `text` is anywhere in the archive's files (the main file and its write-ahead log). */
function inFiles(file: string, text: string): string[] {
  const needle = Buffer.from(text);
  return [file, `${file}-wal`].filter((f) => existsSync(f) && readFileSync(f).includes(needle));
}

const search = (store: SqliteStore, query: string) => store.listSessions({ query, filters: {}, limit: 50, now: NOW, staleAfterMs: DAY });

// The engine's writer runs on its thread; the CLI's on the calling one.
describe.each([['on the writer thread', true], ['on this thread', false]] as const)('erasure %s', (_mode, threads) => {
  it('erases a session with every trace: reads, search, delivery log, quarantine, and the bytes of the file and its WAL', async () => {
    const { store, file, eraser, ingest } = await openArchive(threads);
    const doomed = pairAt(NOW - 10 * DAY, 'zanzibarquokka');
    const kept = pairAt(NOW - 9 * DAY, 'keptwombat');
    // Enough other sessions that the search index has several segments to merge.
    const others = Array.from({ length: 40 }, (_, i) => pairAt(NOW - (20 + i) * DAY, `filler${i}`, `+1415555${String(1000 + i)}`));
    for (const p of [doomed, kept, ...others]) {
      await ingest(p.started);
      await ingest(p.ended);
    }
    // A refused delivery that named the session, quarantined (signature failure).
    await store.logDelivery(
      { receivedAt: NOW, method: 'POST', path: '/webhook', remote: null, eventHeader: 'session.ended', event: 'session.ended', sessionId: doomed.id, outcome: 'rejected', statusCode: 401, reason: 'signature', size: 10, latencyMs: 1, headersJson: null },
      { receivedAt: NOW, failure: 'signature', reason: 'signature', eventHeader: 'session.ended', signatureHeader: null, event: 'session.ended', sessionId: doomed.id, headers: null, body: Buffer.from(JSON.stringify(doomed.ended)) },
    );
    await store.settled();
    await store.setFollowUp({ sessionId: doomed.id, state: 'follow-up', snoozedUntil: null, priority: 'high', actor: 'Ana', at: NOW });
    await store.addNote({ sessionId: doomed.id, text: 'call back about notewordplatypus', author: 'Ana', at: NOW });
    expect((await search(store, 'zanzibarquokka')).items.map((s) => s.sessionId)).toEqual([doomed.id]);
    const before = await store.counts({ staleBefore: 0 });
    const openBefore = (await store.followUpCounts(NOW)).open;

    expect(await eraser.eraseSession(doomed.id, 'Ana')).toBe(true);
    expect(await eraser.scrubbed()).toBe(true);

    expect(await store.getSession(doomed.id, DAY)).toBeNull();
    expect(await store.storedEvents(doomed.id)).toEqual([]);
    expect((await search(store, 'zanzibarquokka')).items).toEqual([]);
    expect((await search(store, 'keptwombat')).items.map((s) => s.sessionId)).toEqual([kept.id]);
    expect(await store.listQuarantine({ limit: 10 })).toEqual([]);
    const deliveries = (await store.listDeliveries({ limit: 500 })).items;
    expect(deliveries.filter((d) => d.sessionId === doomed.id)).toEqual([]);
    expect(deliveries.length).toBe(before.deliveries); // the log still counts the requests
    const after = await store.counts({ staleBefore: 0 });
    expect(after).toMatchObject({ sessions: before.sessions - 1, events: before.events - 2, messages: before.messages - doomed.ended.data.transcript!.length, quarantined: 0 });
    expect((await store.followUpCounts(NOW)).open).toBe(openBefore - 1);
    for (const word of ['zanzibarquokka', 'notewordplatypus', doomed.id]) expect(inFiles(file, word), word).toEqual([]);
    expect(inFiles(file, 'keptwombat')).not.toEqual([]);

    const view = await store.retention({ now: NOW, limit: 10 });
    expect(view.erasures).toEqual([{ id: 1, startedAt: NOW, kind: 'session', sessions: 1, actor: 'Ana', finishedAt: NOW }]);
    // The record says that, never what: no session id, no content anywhere in the erasures table.
    const look = peek(file);
    expect(JSON.stringify(look.rows('SELECT * FROM erasures'))).not.toContain(doomed.id);
    expect(look.rows('PRAGMA table_info(erasures)').map((c) => (c as { name: string }).name)).toEqual(['id', 'started_at', 'kind', 'sessions', 'actor', 'finished_at']);
  });

  it('retention erases exactly the sessions past the cutoff (boundary included), their search entries and their bytes', async () => {
    const { store, file, eraser, ingest } = await openArchive(threads);
    const cutoff = retentionCutoff('1y', NOW)!;
    // pairAt sessions last a minute: the last activity is the end.
    const justBefore = pairAt(cutoff - 60_001, 'oldjustbefore'); // ended 1 ms before the cutoff
    const atCutoff = pairAt(cutoff, 'keptatcutoff');
    const straddling = pairAt(cutoff - 60_000, 'keptstraddling'); // ended exactly at the cutoff: kept
    const old = Array.from({ length: 30 }, (_, i) => pairAt(cutoff - (i + 1) * DAY, `ancient${i}word`));
    const recent = Array.from({ length: 10 }, (_, i) => pairAt(cutoff + (i + 1) * DAY, `recent${i}word`));
    // A call that started before the cutoff and never ended is erased too.
    const neverEnded = pairAt(cutoff - 5 * DAY, 'unended');
    for (const p of [justBefore, atCutoff, straddling, ...old, ...recent]) {
      await ingest(p.started);
      await ingest(p.ended);
    }
    await ingest(neverEnded.started);
    // Refused requests around the cutoff: the log and the quarantine keep nothing older either.
    for (const receivedAt of [cutoff - 1, cutoff]) {
      await store.logDelivery(
        { receivedAt, method: 'POST', path: '/webhook', remote: null, eventHeader: null, event: null, sessionId: null, outcome: 'rejected', statusCode: 401, reason: 'signature', size: 1, latencyMs: 1, headersJson: null },
        { receivedAt, failure: 'signature', reason: 'signature', eventHeader: null, signatureHeader: null, event: null, sessionId: null, headers: null, body: Buffer.from(`refused at ${receivedAt}`) },
      );
    }
    await store.settled();
    await store.setRetention('1y');
    const preview = await store.retention({ now: NOW, limit: 5 });
    expect(preview.preview).toEqual({ period: '1y', cutoff, sessions: 32, oldestKeptAt: cutoff - 60_000 });

    expect(await eraser.eraseBefore(cutoff)).toBe(32);
    expect(await eraser.scrubbed()).toBe(true);

    const left = await store.listSessions({ filters: {}, limit: 100, now: NOW, staleAfterMs: DAY });
    expect(left.items.map((s) => s.sessionId).sort()).toEqual([atCutoff.id, straddling.id, ...recent.map((p) => p.id)].sort());
    for (const word of ['oldjustbefore', 'ancient0word', 'ancient29word', 'unended']) {
      expect((await search(store, word)).items, word).toEqual([]);
      expect(inFiles(file, word), word).toEqual([]);
    }
    expect((await search(store, 'keptatcutoff')).items).toHaveLength(1);
    expect((await store.counts({ staleBefore: 0 })).sessions).toBe(12);
    expect((await store.listQuarantine({ limit: 10 })).map((q) => q.receivedAt)).toEqual([cutoff]);
    expect((await store.listDeliveries({ limit: 500, outcome: 'rejected' })).items.map((d) => d.receivedAt)).toEqual([cutoff]);
    expect((await store.retention({ now: NOW, limit: 5 })).erasures).toMatchObject([{ kind: 'retention', sessions: 32, actor: 'retention' }]);
    // The same cutoff again finds nothing and records nothing.
    expect(await eraser.eraseBefore(cutoff)).toBe(0);
    expect((await store.retention({ now: NOW, limit: 5 })).erasureCount).toBe(1);
  });

  it('erases every session of one caller, and no one else\'s', async () => {
    const { store, eraser, ingest } = await openArchive(threads);
    const ana = Array.from({ length: 5 }, (_, i) => pairAt(NOW - (i + 1) * DAY, `ana${i}`, '+14155550111'));
    const bob = Array.from({ length: 3 }, (_, i) => pairAt(NOW - (i + 1) * DAY, `bob${i}`, '+14155550122'));
    for (const p of [...ana, ...bob]) {
      await ingest(p.started);
      await ingest(p.ended);
    }
    // A quarantined body that could not be parsed names one of Ana's sessions only in its bytes.
    const unparsed = Buffer.from(`{"event":"session.ended","sessionId":"${ana[1]!.id}", broken`);
    await store.logDelivery(
      { receivedAt: NOW, method: 'POST', path: '/webhook', remote: null, eventHeader: null, event: null, sessionId: null, outcome: 'rejected', statusCode: 400, reason: 'payload', size: unparsed.length, latencyMs: 1, headersJson: null },
      { receivedAt: NOW, failure: 'payload', reason: 'payload', eventHeader: null, signatureHeader: null, event: null, sessionId: null, headers: null, body: unparsed },
    );
    const bobsQuarantine = Buffer.from(JSON.stringify(bob[0]!.ended));
    await store.logDelivery(
      { receivedAt: NOW, method: 'POST', path: '/webhook', remote: null, eventHeader: null, event: null, sessionId: bob[0]!.id, outcome: 'rejected', statusCode: 401, reason: 'signature', size: 1, latencyMs: 1, headersJson: null },
      { receivedAt: NOW, failure: 'signature', reason: 'signature', eventHeader: null, signatureHeader: null, event: 'session.ended', sessionId: bob[0]!.id, headers: null, body: bobsQuarantine },
    );
    await store.settled();
    const key = (await store.getSession(ana[0]!.id, DAY))!.caller!.key;
    expect(await eraser.eraseCaller(key, 'Ana')).toBe(5);
    // Ana's traces are gone from the log and the quarantine; Bob's are untouched.
    expect((await store.listQuarantine({ limit: 10 })).map((q) => q.sessionId)).toEqual([bob[0]!.id]);
    const logged = (await store.listDeliveries({ limit: 100 })).items.map((d) => d.sessionId);
    for (const p of ana) expect(logged).not.toContain(p.id);
    expect(logged).toContain(bob[0]!.id);
    expect(await store.getCaller(key, { limit: 10, now: NOW, staleAfterMs: DAY })).toBeNull();
    const left = await store.listSessions({ filters: {}, limit: 100, now: NOW, staleAfterMs: DAY });
    expect(left.items.map((s) => s.sessionId).sort()).toEqual(bob.map((p) => p.id).sort());
    expect((await store.retention({ now: NOW, limit: 5 })).erasures).toMatchObject([{ kind: 'caller', sessions: 5, actor: 'Ana' }]);
  });
});
