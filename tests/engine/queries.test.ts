import { describe, expect, it } from 'vitest';
import { highlight, listSessions, toFtsQuery } from '../../electron/core/archive/queries.js';
import { loadDemoData } from '../../electron/core/demo.js';
import { HIGHLIGHT_END, HIGHLIGHT_START, type SessionFilters } from '../../shared/api.js';
import { tempArchive } from '../support/fixtures.js';

const NOW = Date.UTC(2026, 10, 1);
const STALE = 2 * 3600_000;

async function demoArchive(sessions = 200) {
  const { archive } = tempArchive();
  await loadDemoData(archive, { sessions, now: NOW, seed: 99, longEvery: 20 });
  return archive;
}

function allPages(archive: Awaited<ReturnType<typeof demoArchive>>, options: { query?: string; filters?: SessionFilters; limit?: number }) {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = listSessions(archive.db, { filters: {}, limit: 25, staleAfterMs: STALE, now: NOW, ...options, cursor });
    ids.push(...page.items.map((s) => s.sessionId));
    cursor = page.nextCursor ?? undefined;
    pages += 1;
  } while (cursor && pages < 100);
  return ids;
}

describe('session queries', () => {
  it('pages newest first with a keyset cursor: every session exactly once, in order', async () => {
    const archive = await demoArchive();
    const ids = allPages(archive, {});
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
    const order = archive.db.prepare('SELECT session_id FROM sessions ORDER BY sort_at_ms DESC, session_id DESC').all() as Array<{ session_id: string }>;
    expect(ids).toEqual(order.map((r) => r.session_id));
    expect(listSessions(archive.db, { filters: {}, limit: 10, staleAfterMs: STALE, now: NOW }).total).toBe(200);
  });

  it('search finds message text, tool calls and metadata, with highlighted snippets', async () => {
    const archive = await demoArchive();
    const page = listSessions(archive.db, { query: 'gluten', filters: {}, limit: 50, staleAfterMs: STALE, now: NOW });
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.total).toBe(page.items.length);
    for (const item of page.items) expect(item.snippet?.toLowerCase()).toContain(`${HIGHLIGHT_START}gluten${HIGHLIGHT_END}`);
    const byTool = listSessions(archive.db, { query: 'dispatch_technician', filters: {}, limit: 5, staleAfterMs: STALE, now: NOW });
    expect(byTool.items.length).toBeGreaterThan(0);
    const byMetadata = listSessions(archive.db, { query: 'Rooter', filters: {}, limit: 500, staleAfterMs: STALE, now: NOW });
    expect(byMetadata.items.length).toBeGreaterThan(0); // "Rapid Rooter Plumbing" is in metadata.business and the system prompt
    expect(listSessions(archive.db, { query: 'zzzznotaword', filters: {}, limit: 5, staleAfterMs: STALE, now: NOW })).toEqual({ items: [], nextCursor: null, total: 0 });
  });

  it('pages search results newest first, each matching session exactly once', async () => {
    const archive = await demoArchive();
    for (const query of ['calendar', 'appointment', 'Zoë', 'the']) {
      const ids = allPages(archive, { query });
      expect(new Set(ids).size, query).toBe(ids.length);
      const matching = archive.db.prepare('SELECT s.session_id FROM session_search JOIN sessions s ON s.rowid = session_search.rowid WHERE session_search MATCH ? ORDER BY s.rowid DESC').all(toFtsQuery(query)) as Array<{ session_id: string }>;
      expect(ids, query).toEqual(matching.map((r) => r.session_id));
    }
  });

  it('highlights every searched word in the snippet, ignoring case and accents', () => {
    expect(highlight('Mi cita es el sábado por la mañana', ['sabado', 'manana'])).toBe(`Mi cita es el ${HIGHLIGHT_START}sábado${HIGHLIGHT_END} por la ${HIGHLIGHT_START}mañana${HIGHLIGHT_END}`);
    expect(highlight('nothing here', ['dentist'])).toBeNull();
    expect(highlight('a '.repeat(200) + 'needle', ['needle'])!.startsWith('…')).toBe(true);
  });

  it('treats what people type as text, never as FTS5 syntax', async () => {
    expect(toFtsQuery('  ')).toBeNull();
    expect(toFtsQuery('gluten free')).toBe('"gluten" "free" *');
    expect(toFtsQuery('"unbalanced')).toBe('"unbalanced" *');
    const archive = await demoArchive(20);
    for (const hostile of ['AND', 'OR NOT', '"', '*', 'NEAR(a b)', 'col:value', '2d7b8f7f-2de0', '(((', "'; DROP TABLE sessions; --"]) {
      expect(() => listSessions(archive.db, { query: hostile, filters: {}, limit: 5, staleAfterMs: STALE, now: NOW }), hostile).not.toThrow();
    }
    expect(archive.counts().sessions).toBe(20);
  });

  it('filters by reason, mode, errors, files, duration, date and assistant', async () => {
    const archive = await demoArchive();
    const check = (filters: SessionFilters, predicate: (row: Record<string, unknown>) => boolean) => {
      const ids = new Set(allPages(archive, { filters }));
      const rows = archive.db.prepare('SELECT * FROM sessions').all() as Array<Record<string, unknown>>;
      const expected = rows.filter(predicate).map((r) => r.session_id as string);
      expect(expected.length, JSON.stringify(filters)).toBeGreaterThan(0);
      expect(new Set(expected)).toEqual(ids);
    };
    check({ reasons: ['timeout'] }, (r) => r.reason === 'timeout');
    check({ mode: 'voice' }, (r) => r.mode === 'voice');
    check({ hasToolErrors: true }, (r) => (r.tool_error_count as number) > 0);
    check({ hasFiles: true, mode: 'text' }, (r) => (r.file_count as number) > 0 && r.mode === 'text');
    check({ minDurationSeconds: 60 }, (r) => (r.duration_seconds as number) >= 60);
    check({ from: NOW - 30 * 86_400_000 }, (r) => (r.sort_at_ms as number) >= NOW - 30 * 86_400_000);
    check({ assistantId: '205' }, (r) => String(r.assistant_id) === '205');
    check({ status: 'ended' }, (r) => r.status === 'ended');
  });

  it('flags sessions that started but never ended as stale after the threshold', async () => {
    const { archive } = tempArchive();
    const started = (id: string, at: number) => ({ event: 'session.started' as const, timestamp: new Date(at).toISOString(), assistantId: 1, sessionId: id, data: {} });
    for (const payload of [started('old', NOW - 3 * 3600_000), started('recent', NOW - 60_000)]) {
      await archive.ingest({ payload, body: Buffer.from(JSON.stringify(payload)), source: 'webhook', receivedAt: NOW });
    }
    const page = listSessions(archive.db, { filters: {}, limit: 10, staleAfterMs: STALE, now: NOW });
    expect(page.items.map((s) => [s.sessionId, s.status, s.stale])).toEqual([['recent', 'active', false], ['old', 'active', true]]);
    expect(listSessions(archive.db, { filters: { status: 'stale' }, limit: 10, staleAfterMs: STALE, now: NOW }).items.map((s) => s.sessionId)).toEqual(['old']);
    expect(listSessions(archive.db, { filters: { status: 'active' }, limit: 10, staleAfterMs: STALE, now: NOW }).items.map((s) => s.sessionId)).toEqual(['recent']);
  });

  it('rejects a forged cursor with a clear error', async () => {
    const archive = await demoArchive(5);
    expect(() => listSessions(archive.db, { filters: {}, limit: 5, staleAfterMs: STALE, cursor: 'not-a-cursor' })).toThrow('invalid page cursor');
  });
});
