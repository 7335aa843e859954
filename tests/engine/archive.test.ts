import { describe, expect, it } from 'vitest';
import { Archive } from '../../electron/core/archive/archive.js';
import { sessionPair, tempArchive } from '../support/fixtures.js';

const ingest = (archive: Archive, payload: ReturnType<typeof sessionPair>['started'] | ReturnType<typeof sessionPair>['ended']) =>
  archive.ingest({ payload, body: Buffer.from(JSON.stringify(payload)), source: 'webhook', receivedAt: Date.now() });

const sessionRow = (archive: Archive, id: string) => {
  const row = archive.db.prepare('SELECT * FROM sessions WHERE session_id = ?').get(id) as Record<string, unknown>;
  // Bookkeeping columns differ by arrival time; the session's content must not.
  delete row.first_seen_at;
  delete row.updated_at;
  return row;
};

describe('archive', () => {
  it('runs with WAL, synchronous=FULL and a busy timeout', () => {
    const { archive } = tempArchive();
    expect(archive.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(archive.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(archive.db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
    expect(archive.db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('merges session.ended arriving before session.started into the same session as the usual order', async () => {
    const pair = sessionPair({ messages: 12 });
    const inOrder = tempArchive().archive;
    await ingest(inOrder, pair.started);
    await ingest(inOrder, pair.ended);
    const reversed = tempArchive().archive;
    await ingest(reversed, pair.ended);
    const halfway = sessionRow(reversed, pair.ended.sessionId);
    expect(halfway).toMatchObject({ status: 'ended', started_at: null, message_count: 12 });
    await ingest(reversed, pair.started);
    expect(sessionRow(reversed, pair.ended.sessionId)).toEqual(sessionRow(inOrder, pair.ended.sessionId));
    expect(sessionRow(inOrder, pair.ended.sessionId)).toMatchObject({
      status: 'ended',
      started_at: pair.started.timestamp,
      ended_at: pair.ended.timestamp,
      reason: pair.ended.data.reason,
      duration_seconds: pair.ended.data.durationSeconds,
      mode: pair.started.data.metadata!.sessionMode,
    });
  });

  it('keeps a session that has only started as active', async () => {
    const { archive } = tempArchive();
    const { started } = sessionPair();
    await ingest(archive, started);
    expect(sessionRow(archive, started.sessionId)).toMatchObject({ status: 'active', ended_at: null, message_count: 0 });
  });

  it('stores 20 identical concurrent deliveries once', async () => {
    const { archive } = tempArchive();
    const { ended } = sessionPair({ messages: 30 });
    const results = await Promise.all(Array.from({ length: 20 }, () => ingest(archive, ended)));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(archive.counts()).toMatchObject({ events: 1, sessions: 1, messages: 30 });
  });

  it('survives a restart: data persists and a repeat after reopening is still a duplicate', async () => {
    const { archive, file } = tempArchive();
    const { started, ended } = sessionPair();
    await ingest(archive, started);
    await ingest(archive, ended);
    await archive.close();
    const reopened = Archive.open(file);
    try {
      expect(reopened.counts()).toMatchObject({ events: 2, sessions: 1 });
      expect((await ingest(reopened, ended)).duplicate).toBe(true);
      expect(reopened.counts().events).toBe(2);
    } finally {
      await reopened.close();
    }
  });

  it('commits concurrent requests together (group commit) and resolves only after COMMIT', async () => {
    const { archive, file } = tempArchive();
    const pairs = Array.from({ length: 50 }, () => sessionPair());
    const before = archive.commitStats.transactions;
    await Promise.all(pairs.map((pair) => ingest(archive, pair.started)));
    const transactions = archive.commitStats.transactions - before;
    expect(transactions).toBeLessThan(5);
    expect(archive.commitStats.largestBatch).toBeGreaterThanOrEqual(10);
    // Resolved means committed: a second connection already sees every row.
    const reader = Archive.open(file, { readonly: true });
    expect(reader.counts().events).toBe(50);
    reader.db.close();
  });

  it('fails only the job that breaks, not the others in its batch', async () => {
    const { archive } = tempArchive();
    const good = sessionPair();
    const bad = sessionPair();
    // A projection that throws (here: a BigInt JSON cannot serialise) must roll back only its own savepoint.
    const broken = { ...bad.ended, data: { ...bad.ended.data, transcript: [{ role: 'user', content: 'x', timestamp: 1, toolCall: { name: 'n', arguments: 1n } }] } };
    const brokenIngest = archive.ingest({ payload: broken as never, body: Buffer.from('{}'), source: 'webhook', receivedAt: Date.now() });
    const results = await Promise.allSettled([ingest(archive, good.started), brokenIngest, ingest(archive, good.ended)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(archive.counts()).toMatchObject({ events: 2, sessions: 1 });
  });

  it('indexes message content and tool calls for full-text search', async () => {
    const { archive } = tempArchive();
    const { ended } = sessionPair();
    ended.data.transcript!.push(
      { role: 'user', content: 'Mi cita es el sábado por la mañana', timestamp: 1 },
      { role: 'tool', content: 'calendar', timestamp: 2, toolCall: { name: 'reschedule_visit', arguments: { patient: 'Zoë' }, result: null, error: 'Calendar gateway exploded' } },
    );
    await ingest(archive, ended);
    const search = (query: string) =>
      (archive.db.prepare('SELECT s.session_id FROM session_search f JOIN sessions s ON s.rowid = f.rowid WHERE session_search MATCH ?').all(query) as Array<{ session_id: string }>).map((r) => r.session_id);
    expect(search('sabado')).toEqual([ended.sessionId]); // diacritics folded
    expect(search('reschedule_visit')).toEqual([ended.sessionId]);
    expect(search('exploded')).toEqual([ended.sessionId]);
    expect(search('Zoe')).toEqual([ended.sessionId]);
    expect(search('nonexistentword')).toEqual([]);
    await archive.deleteSession(ended.sessionId);
    expect(search('sabado')).toEqual([]); // deleting a session removes it from the index
  });

  it('records tool errors and files on the session and its messages', async () => {
    const { archive } = tempArchive();
    const { ended } = sessionPair({ messages: 0 });
    ended.data.transcript = [
      { role: 'user', content: 'Here is my card', timestamp: 1, files: [{ gcsUri: 'gs://b/card.jpg', mimeType: 'image/jpeg', filename: 'card.jpg' }] },
      { role: 'tool', content: '', timestamp: 2, toolCall: { name: 'book', arguments: {}, error: 'slot taken' } },
      { role: 'tool', content: '', timestamp: 3, toolCall: { name: 'book', arguments: {}, result: { ok: true } } },
    ];
    await ingest(archive, ended);
    expect(sessionRow(archive, ended.sessionId)).toMatchObject({ tool_call_count: 2, tool_error_count: 1, file_count: 1, first_user_line: 'Here is my card' });
    expect(archive.db.prepare('SELECT message_seq, gcs_uri, mime_type, filename FROM files').all()).toEqual([
      { message_seq: 0, gcs_uri: 'gs://b/card.jpg', mime_type: 'image/jpeg', filename: 'card.jpg' },
    ]);
  });

  it('keeps the delivery log and the quarantine bounded, oldest first out', async () => {
    const { archive } = tempArchive({ limits: { maxDeliveries: 150, maxQuarantined: 5, maxQuarantineBytes: 1_000_000 } });
    const delivery = { receivedAt: 0, method: 'POST', path: '/webhook', remote: null, eventHeader: null, event: null, sessionId: null, outcome: 'rejected' as const, statusCode: 401, reason: 'x', size: 1, latencyMs: 1, headersJson: null };
    for (let i = 0; i < 400; i += 1) {
      await archive.logDelivery(
        { ...delivery, receivedAt: i },
        i % 10 === 0 ? { receivedAt: i, failure: 'signature', reason: 'x', eventHeader: null, signatureHeader: null, event: null, sessionId: null, headers: null, body: Buffer.from(`{"n":${i}}`) } : undefined,
      );
    }
    const counts = archive.counts();
    expect(counts.deliveries).toBeLessThanOrEqual(250); // pruned every 100 inserts down to 150
    expect(counts.quarantined).toBe(5);
    const newest = archive.listQuarantine().map((q) => q.body.toString());
    expect(newest).toEqual(['{"n":350}', '{"n":360}', '{"n":370}', '{"n":380}', '{"n":390}']);
    const { oldest } = archive.db.prepare('SELECT min(received_at) AS oldest FROM deliveries').get() as { oldest: number };
    expect(oldest).toBeGreaterThanOrEqual(150);
  });
});

describe('deferred projection (the webhook path)', () => {
  it('acknowledges once the raw event is durable, then projects it and says so', async () => {
    const { archive: inline, file } = tempArchive();
    await inline.close();
    const archive = Archive.open(file, { deferProjection: true });
    const projected: string[] = [];
    archive.on('projected', (events) => projected.push(...events.map((e) => `${e.event}:${e.sessionId}`)));
    const { started, ended } = sessionPair({ messages: 20 });
    await ingest(archive, started);
    await ingest(archive, ended);
    const reader = Archive.open(file, { readonly: true });
    expect(reader.counts().events).toBe(2); // durable before any projection
    reader.db.close();
    await archive.settled();
    expect(archive.counts()).toMatchObject({ sessions: 1, messages: 20 });
    expect(projected).toEqual([`session.started:${started.sessionId}`, `session.ended:${ended.sessionId}`]);
    expect(archive.projectionBacklog()).toEqual({ waiting: 0, failed: 0 });
    await archive.close();
  });

  it('projects, at the next start, events a crash left waiting', async () => {
    const { archive: first, file } = tempArchive();
    const { ended } = sessionPair({ messages: 7 });
    await ingest(first, ended);
    first.db.prepare('DELETE FROM messages').run();
    first.db.prepare('DELETE FROM sessions').run();
    first.db.prepare('UPDATE events SET projected = 0').run(); // as if killed right after the acknowledgement
    await first.close();
    const second = Archive.open(file, { deferProjection: true });
    await second.settled();
    expect(second.counts()).toMatchObject({ sessions: 1, messages: 7 });
    await second.close();
  });

  it('keeps an event it cannot project, marks it, and still exports it', async () => {
    const { archive: inline, file } = tempArchive();
    await inline.close();
    const archive = Archive.open(file, { deferProjection: true });
    const { started } = sessionPair();
    // Valid at the door, but its stored bytes no longer parse as a CallAIder event (a future format, say).
    await archive.ingest({ payload: started, body: Buffer.from('{"event":"session.started","sessionId":"x"}'), source: 'webhook', receivedAt: Date.now() });
    await archive.settled();
    expect(archive.projectionBacklog()).toEqual({ waiting: 0, failed: 1 });
    expect(archive.counts().sessions).toBe(0);
    const row = archive.db.prepare('SELECT projected, projection_error FROM events').get() as { projected: number; projection_error: string };
    expect(row.projected).toBe(-1);
    expect(row.projection_error).toMatch(/timestamp/);
    await archive.close();
  });
});
