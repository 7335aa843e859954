/**
 * The ArchiveStore conformance suite: what every store (SQLite today, PostgreSQL next) must do,
 * written against the interface only. A store runs it with describeStoreConformance(name, target):
 * no test here knows about files, tables or threads, so a second implementation runs it unchanged.
 * Expectations are derived from the payloads that went in, never from the store's own rows.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { BadCursorError } from '../../electron/core/archive/errors.js';
import type { ArchiveStore } from '../../electron/core/archive/store.js';
import type {
  ArchiveLimits,
  DeliveryRecord,
  IngestInput,
  PendingDelivery,
  ProjectedEvent,
  QuarantineRecord,
} from '../../electron/core/archive/types.js';
import { simulateSessions } from '../../electron/core/simulator.js';
import { HIGHLIGHT_END, HIGHLIGHT_START, type SessionFilters, type SessionSummary } from '../../shared/api.js';
import type { ExportFormat, ExportedSession } from '../../shared/export-format.js';
import type { SessionEndedPayload, SessionStartedPayload, TranscriptItem } from '../../shared/payload.js';
import { builtinRules, defaultCountryFromLocale, identifyCaller, triageSession, type SessionFacts } from '../../electron/core/triage/index.js';
import { DEFAULT_CALLER_FIELDS, RULES_ACTOR } from '../../shared/follow-up.js';
import { stringifyJson } from '../../shared/json.js';
import { sessionPair } from '../support/fixtures.js';

// ---- the factory a store provides -------------------------------------------------------

export interface StoreContext {
  /** Bounds for the delivery log and the quarantine (the store's defaults otherwise). */
  limits?: Partial<ArchiveLimits>;
}

export interface StoreHandle {
  /** A new, empty archive, closed after the test. */
  store: ArchiveStore;
  /** Closes the store cleanly and opens the same archive again. */
  reopen(): Promise<ArchiveStore>;
  /**
   * Opens what a crash would leave: the archive as it is durably stored right now, without the
   * store being closed (nothing flushed, nothing indexed on the way out). Optional.
   */
  crash?(): Promise<ArchiveStore>;
}

export interface StoreTarget {
  open(context?: StoreContext): Promise<StoreHandle>;
  /**
   * Ingest acknowledges once the raw event is durable and indexes it afterwards (from the stored
   * body): events can be waiting (`indexing`), and a stored body that cannot be indexed is kept
   * and counted as `unindexed`. Without it, an event is indexed from its payload before ingest resolves.
   */
  defersProjection: boolean;
}

// ---- payloads and helpers ----------------------------------------------------------------

type Payload = SessionStartedPayload | SessionEndedPayload;
interface Model {
  started?: SessionStartedPayload;
  ended?: SessionEndedPayload;
}

const RECEIVED = Date.UTC(2026, 4, 28, 12, 5, 0);
const NOW = Date.UTC(2026, 10, 1);
const HOUR = 3_600_000;
const STALE = 2 * HOUR;

const bodyOf = (payload: Payload) => Buffer.from(JSON.stringify(payload));

function ingest(store: ArchiveStore, payload: Payload, extra: Partial<IngestInput> = {}) {
  return store.ingest({ payload, body: bodyOf(payload), source: 'webhook', receivedAt: RECEIVED, ...extra });
}

async function ingestAll(store: ArchiveStore, payloads: Payload[]): Promise<void> {
  const results = await Promise.all(payloads.map((payload) => ingest(store, payload)));
  expect(results.every((r) => !r.duplicate)).toBe(true);
  await store.settled();
}

function startedPayload(at: number, options: { assistantId?: number | string; mode?: string; sessionId?: string } = {}): SessionStartedPayload {
  return {
    event: 'session.started',
    timestamp: new Date(at).toISOString(),
    assistantId: options.assistantId ?? 'asst-x',
    sessionId: options.sessionId ?? randomUUID(),
    data: { metadata: { sessionMode: options.mode ?? 'text', business: 'Hand Made' } },
  };
}

/** A finished session whose transcript, metadata and reason are exactly these (nothing random to match a search). */
function customSession(transcript: TranscriptItem[], options: { business?: string; mode?: string; reason?: string } = {}): Required<Model> {
  const { started, ended } = sessionPair({ messages: 0 });
  started.data = { metadata: { sessionMode: options.mode ?? 'voice', business: options.business ?? 'Plain Business' } };
  ended.data = { reason: options.reason ?? 'completed', durationSeconds: 42, transcript };
  return { started, ended };
}

const say = (role: TranscriptItem['role'], content: string, extra: Partial<TranscriptItem> = {}): TranscriptItem => ({ role, content, timestamp: 1_780_000_000_000, ...extra });

function sortAtOf(m: Model): number {
  if (m.started) return Date.parse(m.started.timestamp);
  const ended = m.ended!;
  const duration = ended.data.durationSeconds ?? null;
  return duration === null ? Date.parse(ended.timestamp) : Math.round(Date.parse(ended.timestamp) - duration * 1000);
}

const idOf = (m: Model) => (m.started ?? m.ended)!.sessionId;

/** What the rules see of a model: its payloads as the archive projects them (never stale when projected). */
export function factsOf(m: Model): SessionFacts {
  const transcript = m.ended?.data.transcript ?? [];
  const metadata = m.started?.data.metadata ?? null;
  const mode = metadata?.sessionMode;
  return {
    sessionId: idOf(m),
    status: m.ended ? 'ended' : 'active',
    stale: false,
    mode: typeof mode === 'string' ? mode : null,
    reason: m.ended?.data.reason ?? null,
    durationSeconds: m.ended?.data.durationSeconds ?? null,
    assistantId: String((m.started ?? m.ended)!.assistantId),
    metadata: metadata as Record<string, unknown> | null,
    messages: transcript.map((item) => ({
      role: item.role,
      content: item.content,
      toolName: item.toolCall?.name ?? null,
      toolArguments: item.toolCall && item.toolCall.arguments !== undefined ? stringifyJson(item.toolCall.arguments) : null,
      toolError: item.toolCall?.error ? item.toolCall.error : null,
      fileCount: item.files?.length ?? 0,
    })),
    fileCount: transcript.reduce((n, item) => n + (item.files?.length ?? 0), 0),
  };
}

const DAY = 86_400_000;

/**
 * The owner's side of a session nobody edited: what the built-in rules conclude and who the
 * caller is, with their calls among `archive` counted from `now`.
 */
function expectedOwnerFields(m: Model, now: number, archive: Model[]): Pick<SessionSummary, 'followUpState' | 'priority' | 'snoozedUntil' | 'tags' | 'caller'> {
  const outcome = triageSession(factsOf(m), builtinRules(0));
  const identify = (model: Model) => identifyCaller(factsOf(model), { fields: DEFAULT_CALLER_FIELDS, defaultCountry: null }, defaultCountryFromLocale());
  const caller = identify(m);
  const theirs = caller ? archive.filter((other) => identify(other)?.key === caller.key).map(sortAtOf) : [];
  return {
    followUpState: outcome.followUp ? 'follow-up' : 'open',
    priority: outcome.followUp?.priority ?? null,
    snoozedUntil: null,
    tags: [],
    caller: caller ? { ...caller, calls7d: theirs.filter((at) => at >= now - 7 * DAY).length, calls30d: theirs.filter((at) => at >= now - 30 * DAY).length } : null,
  };
}

function expectedSummary(m: Model, now: number, staleAfterMs: number, archive: Model[] = [m]): SessionSummary {
  const transcript = m.ended?.data.transcript ?? [];
  const firstUser = transcript.find((item) => item.role === 'user' && item.content.trim() !== '');
  const mode = m.started?.data.metadata?.sessionMode;
  const sortAt = sortAtOf(m);
  return {
    sessionId: idOf(m),
    assistantId: String((m.started ?? m.ended)!.assistantId),
    status: m.ended ? 'ended' : 'active',
    stale: !m.ended && sortAt < now - staleAfterMs,
    startedAt: m.started?.timestamp ?? null,
    endedAt: m.ended?.timestamp ?? null,
    sortAt,
    durationSeconds: m.ended?.data.durationSeconds ?? null,
    reason: m.ended?.data.reason ?? null,
    mode: typeof mode === 'string' ? mode : null,
    firstUserLine: firstUser ? firstUser.content.trim().replace(/\s+/g, ' ') : null,
    messageCount: transcript.length,
    toolCallCount: transcript.filter((item) => item.toolCall).length,
    toolErrorCount: transcript.filter((item) => item.toolCall?.error).length,
    fileCount: transcript.reduce((n, item) => n + (item.files?.length ?? 0), 0),
    ...expectedOwnerFields(m, now, archive),
  };
}

/** A session as exported, with the owner's side nobody edited: what the built-in rules concluded, and the caller. */
function expectedExport(m: Model): ExportedSession {
  const outcome = triageSession(factsOf(m), builtinRules(0));
  const caller = identifyCaller(factsOf(m), { fields: DEFAULT_CALLER_FIELDS, defaultCountry: null }, defaultCountryFromLocale());
  return {
    sessionId: idOf(m),
    assistantId: (m.started ?? m.ended)!.assistantId,
    status: m.ended ? 'ended' : 'active',
    startedAt: m.started?.timestamp ?? null,
    endedAt: m.ended?.timestamp ?? null,
    reason: m.ended?.data.reason ?? null,
    durationSeconds: m.ended?.data.durationSeconds ?? null,
    metadata: m.started?.data.metadata ?? null,
    transcript: m.ended?.data.transcript ?? [],
    followUp: {
      state: outcome.followUp ? 'follow-up' : 'open',
      priority: outcome.followUp?.priority ?? null,
      snoozedUntil: null,
      reasons: outcome.followUp?.reasons ?? [],
      changedBy: outcome.followUp ? RULES_ACTOR : null,
      changedAt: outcome.followUp ? (expect.any(String) as string) : null,
      notes: [],
      tags: [],
      caller,
    },
  };
}

const newestFirst = (a: SessionSummary, b: SessionSummary) => b.sortAt - a.sortAt || (a.sessionId < b.sessionId ? 1 : a.sessionId > b.sessionId ? -1 : 0);

/**
 * A varied archive: finished sessions (some arriving ended-first), sessions that only started
 * (recent = active, old = stale), sessions that only ended, three assistants and a string id.
 */
function datasetModels(count = 60): Model[] {
  const models: Model[] = [];
  let i = 0;
  for (const pair of simulateSessions(count, { seed: 7, now: NOW, spreadDays: 60, longEvery: 0 })) {
    if (i % 6 === 1) models.push({ started: pair.started });
    else if (i % 6 === 4) models.push({ ended: pair.ended });
    else models.push(pair);
    i += 1;
  }
  models.push({ started: startedPayload(NOW - 10 * 60_000) }, { started: startedPayload(NOW - 30 * 60_000) }, { started: startedPayload(NOW - 3 * HOUR, { mode: 'voice' }) });
  return models;
}

async function loadDataset(store: ArchiveStore, count?: number): Promise<Model[]> {
  const models = datasetModels(count);
  const payloads = models.flatMap((m, i) => {
    const both = [m.started, m.ended].filter((p): p is Payload => p !== undefined);
    return i % 6 === 2 ? both.reverse() : both; // some sessions end before they start (arrival order)
  });
  await ingestAll(store, payloads);
  return models;
}

async function allPages(store: ArchiveStore, options: { query?: string; filters?: SessionFilters; limit?: number; now?: number }) {
  const ids: string[] = [];
  const items: SessionSummary[] = [];
  let cursor: string | undefined;
  let pages = 0;
  let total: number | null = null;
  do {
    const page = await store.listSessions({ filters: {}, limit: 7, staleAfterMs: STALE, now: NOW, ...options, cursor });
    if (pages === 0) total = page.total;
    else expect(page.items.length).toBeGreaterThan(0); // a cursor is only handed out when more follow
    items.push(...page.items);
    ids.push(...page.items.map((s) => s.sessionId));
    cursor = page.nextCursor ?? undefined;
    pages += 1;
  } while (cursor && pages < 500);
  expect(new Set(ids).size).toBe(ids.length);
  return { ids, items, total, pages };
}

const searchIds = async (store: ArchiveStore, query: string, filters: SessionFilters = {}) => (await allPages(store, { query, filters })).ids.sort();

function delivery(overrides: Partial<DeliveryRecord> = {}): DeliveryRecord {
  return {
    receivedAt: RECEIVED, method: 'POST', path: '/webhook', remote: '203.0.113.7', eventHeader: null, event: null, sessionId: null,
    outcome: 'rejected', statusCode: 401, reason: 'bad signature', size: 10, latencyMs: 1.5, headersJson: null, ...overrides,
  };
}

function quarantined(body: string, overrides: Partial<QuarantineRecord> = {}): QuarantineRecord {
  return {
    receivedAt: RECEIVED, failure: 'signature', reason: 'signature does not match', eventHeader: 'session.started',
    signatureHeader: 'sha256=00', event: null, sessionId: null, headers: { 'content-type': 'application/json' }, body: Buffer.from(body), ...overrides,
  };
}

function pendingDelivery(overrides: Partial<PendingDelivery> = {}): PendingDelivery {
  return {
    receivedAt: RECEIVED, method: 'POST', path: '/webhook', remote: '198.51.100.4', eventHeader: 'session.ended', reason: null, size: 123,
    headersJson: JSON.stringify({ 'content-type': 'application/json', 'x-callaider-signature': '***' }),
    startedAt: performance.timeOrigin + performance.now(), ...overrides,
  };
}

async function exportAll(store: ArchiveStore, options: { format?: ExportFormat; limit?: number } = {}) {
  const items: string[] = [];
  let afterId: number | undefined;
  let pages = 0;
  for (;;) {
    const page = await store.exportSessions({ format: options.format ?? 'ndjson', limit: options.limit ?? 1000, afterId });
    items.push(...page.items);
    pages += 1;
    if (page.nextAfterId === null) break;
    expect(page.nextAfterId).not.toBe(afterId);
    afterId = page.nextAfterId;
    if (pages > 1000) throw new Error('export never ends');
  }
  return { items, pages };
}

// ---- the suite ---------------------------------------------------------------------------

export function describeStoreConformance(name: string, target: StoreTarget): void {
  const open = (context?: StoreContext) => target.open(context);
  const staleBefore = NOW - STALE;

  describe(`ArchiveStore conformance: ${name}`, () => {
    describe('ingest', () => {
      it('stores an event exactly once, and a repeat is a duplicate', async () => {
        const { store } = await open();
        const { started } = sessionPair();
        expect(await ingest(store, started)).toEqual({ duplicate: false });
        expect(await ingest(store, started)).toEqual({ duplicate: true });
        // A repeat with other bytes for the same (session, event) is still the same event.
        expect(await ingest(store, started, { body: Buffer.from(JSON.stringify({ ...started, extra: 1 })) })).toEqual({ duplicate: true });
        await store.settled();
        expect(await store.storedEvents(started.sessionId)).toEqual(['session.started']);
        expect(await store.counts({ staleBefore })).toMatchObject({ events: 1, sessions: 1, messages: 0 });
      });

      it('stores 20 identical concurrent deliveries once: one stored, nineteen duplicates', async () => {
        const { store } = await open();
        const { ended } = sessionPair({ messages: 30 });
        const results = await Promise.all(Array.from({ length: 20 }, () => ingest(store, ended)));
        expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
        expect(results.filter((r) => r.duplicate)).toHaveLength(19);
        await store.settled();
        expect(await store.counts({ staleBefore })).toMatchObject({ events: 1, sessions: 1, messages: 30 });
        expect((await store.getMessages(ended.sessionId, 0, 1000)).items).toHaveLength(30);
      });

      it('makes an acknowledged event visible to reads at once, and indexed once settled', async () => {
        const { store } = await open();
        const pairs = Array.from({ length: 20 }, () => sessionPair({ messages: 3 }));
        const results = await Promise.all(pairs.flatMap((p) => [ingest(store, p.started), ingest(store, p.ended)]));
        expect(results.every((r) => !r.duplicate)).toBe(true);
        // No settled(): reads see every committed event, indexed or not.
        expect((await store.counts({ staleBefore })).events).toBe(40);
        for (const p of pairs) expect(await store.storedEvents(p.started.sessionId)).toEqual(['session.ended', 'session.started']);
        await store.settled();
        expect(await store.counts({ staleBefore })).toMatchObject({ events: 40, indexing: 0, unindexed: 0, sessions: 20, messages: 60 });
      });

      it('keeps a session that has only started as active, without messages', async () => {
        const { store } = await open();
        const { started } = sessionPair();
        await ingestAll(store, [started]);
        const session = await store.getSession(started.sessionId, 1e15);
        expect(session).toMatchObject({ status: 'active', stale: false, startedAt: started.timestamp, endedAt: null, messageCount: 0, reason: null, durationSeconds: null });
        expect(await store.getMessages(started.sessionId, 0, 100)).toEqual({ items: [], total: 0 });
        expect(await store.storedEvents(started.sessionId)).toEqual(['session.started']);
      });

      it('stores, lists, finds and exports byte-exact a session whose text holds U+0000', async () => {
        const { store } = await open();
        const nul = customSession(
          [
            say('user', 'Zanzibar\u0000quokka calling about\u0000 the bill'),
            say('tool', 'lookup\u0000account', { toolCall: { name: 'find_account', arguments: { name: 'Ana\u0000Lopes' }, result: { note: 'x\u0000y' }, error: 'gateway down' } }),
          ],
          { business: 'Null\u0000Bakery', reason: 'completed' },
        );
        await ingestAll(store, [nul.started, nul.ended]);
        const listed = await store.listSessions({ filters: {}, limit: 10, staleAfterMs: STALE });
        expect(listed.items.map((s) => s.sessionId)).toEqual([idOf(nul)]);
        expect(listed.items[0]).toMatchObject({ status: 'ended', messageCount: 2, toolCallCount: 1, toolErrorCount: 1 });
        for (const query of ['zanzibar', 'quokka', 'lookup', 'account', 'ana']) {
          expect(await searchIds(store, query), query).toEqual([idOf(nul)]);
        }
        // (In metadata and tool arguments it is JSON's \u0000, so there "Ana\u0000Lopes" holds the words ana and u0000lopes.)
        // A store may show U+0000 as U+FFFD in what it projects (PostgreSQL's text cannot hold it); nothing else changes.
        const shown = (text: string | null | undefined) => text?.replaceAll('\uFFFD', '\u0000');
        const messages = await store.getMessages(idOf(nul), 0, 10);
        expect(messages.items.map((m) => shown(m.content))).toEqual(nul.ended.data.transcript!.map((item) => item.content));
        expect(messages.items[1]!.toolCall?.arguments).toBe(stringifyJson({ name: 'Ana\u0000Lopes' }));
        expect((await store.getSession(idOf(nul), STALE))?.metadata).toEqual(nul.started.data.metadata);
        expect(shown((await store.getSession(idOf(nul), STALE))?.firstUserLine)).toBe('Zanzibar\u0000quokka calling about\u0000 the bill');
        // The export is rendered from the events as received: every U+0000 is there.
        const exported = await store.exportSessions({ format: 'ndjson', sessionId: idOf(nul), limit: 1 });
        expect(exported.items.map((item) => JSON.parse(item) as unknown)).toEqual([expectedExport(nul)]);
        expect(exported.items[0]).toContain('"Zanzibar\\u0000quokka calling about\\u0000 the bill"');
      });

      it('merges session.ended arriving before session.started into the same session as the usual order', async () => {
        const { started, ended } = sessionPair({ messages: 12 });
        const inOrder = (await open()).store;
        await ingest(inOrder, started, { receivedAt: RECEIVED });
        await ingest(inOrder, ended, { receivedAt: RECEIVED + 1000 });
        const reversed = (await open()).store;
        await ingest(reversed, ended, { receivedAt: RECEIVED + 1000 });
        await reversed.settled();
        // Half way: an ended session whose start is estimated from its duration.
        expect(await reversed.getSession(ended.sessionId, STALE)).toMatchObject({
          status: 'ended',
          startedAt: null,
          endedAt: ended.timestamp,
          messageCount: 12,
          sortAt: Math.round(Date.parse(ended.timestamp) - ended.data.durationSeconds! * 1000),
          metadata: null,
          receivedStartedAt: null,
          receivedEndedAt: RECEIVED + 1000,
        });
        await ingest(reversed, started, { receivedAt: RECEIVED });
        await inOrder.settled();
        await reversed.settled();

        const a = await inOrder.getSession(ended.sessionId, STALE);
        const b = await reversed.getSession(ended.sessionId, STALE);
        expect(b).toEqual(a);
        expect(a).toEqual({
          ...expectedSummary({ started, ended }, Date.now(), STALE),
          metadata: started.data.metadata,
          receivedStartedAt: RECEIVED,
          receivedEndedAt: RECEIVED + 1000,
          redactions: 0,
        });
        expect(await reversed.getMessages(ended.sessionId, 0, 100)).toEqual(await inOrder.getMessages(ended.sessionId, 0, 100));
        expect((await reversed.listSessions({ filters: {}, limit: 10, staleAfterMs: STALE })).items).toEqual(
          (await inOrder.listSessions({ filters: {}, limit: 10, staleAfterMs: STALE })).items,
        );
        for (const store of [inOrder, reversed]) {
          expect(await store.counts({ staleBefore })).toMatchObject({ sessions: 1, activeSessions: 0, events: 2, messages: 12 });
          expect(await store.storedEvents(ended.sessionId)).toEqual(['session.ended', 'session.started']);
        }
      });

      it('says a repeat is a duplicate after a restart, and keeps what was stored', async () => {
        const handle = await open();
        const { started, ended } = sessionPair({ messages: 5 });
        await ingestAll(handle.store, [started, ended]);
        const reopened = await handle.reopen();
        expect(await reopened.counts({ staleBefore })).toMatchObject({ events: 2, sessions: 1, messages: 5 });
        expect(await ingest(reopened, ended)).toEqual({ duplicate: true });
        expect(await ingest(reopened, started)).toEqual({ duplicate: true });
        await reopened.settled();
        expect(await reopened.counts({ staleBefore })).toMatchObject({ events: 2, sessions: 1, messages: 5 });
      });

      it('logs a delivery with its ingest: stored, then duplicate, with latency and the body', async () => {
        const { store } = await open();
        const { ended } = sessionPair({ messages: 3 });
        const body = bodyOf(ended);
        const headers = { 'content-type': 'application/json', 'x-callaider-signature': '***' };
        await store.ingest({ payload: ended, body, source: 'webhook', receivedAt: RECEIVED, delivery: pendingDelivery({ size: body.length }) });
        await store.ingest({ payload: ended, body, source: 'webhook', receivedAt: RECEIVED + 5, delivery: pendingDelivery({ receivedAt: RECEIVED + 5, size: body.length }) });
        await store.settled();

        const page = await store.listDeliveries({ limit: 10 });
        expect(page.nextBeforeId).toBeNull();
        expect(page.items.map((d) => d.outcome)).toEqual(['duplicate', 'stored']); // newest first
        for (const item of page.items) {
          expect(item).toMatchObject({ method: 'POST', path: '/webhook', eventHeader: 'session.ended', event: 'session.ended', sessionId: ended.sessionId, statusCode: 200, size: body.length, quarantineId: null, reason: null });
          expect(item.latencyMs).toEqual(expect.any(Number));
          expect(item.latencyMs!).toBeGreaterThanOrEqual(0);
          expect(item.latencyMs!).toBeLessThan(60_000);
          const detail = await store.getDelivery(item.id);
          expect(detail).toMatchObject({ ...item, remote: '198.51.100.4', headers, body: body.toString('utf8'), bodyTruncated: false, reverifiable: false, sessionArchived: true });
        }
        expect(page.items[0]!.receivedAt).toBe(RECEIVED + 5);
        expect(page.items[1]!.receivedAt).toBe(RECEIVED);
        expect((await store.counts({ staleBefore })).deliveries).toBe(2);

        // Once the session is deleted its body is gone with it; the log keeps the row.
        expect(await store.eraseSession(ended.sessionId)).toBe(true);
        const after = await store.getDelivery(page.items[1]!.id);
        expect(after).toMatchObject({ outcome: 'stored', body: null, sessionArchived: false });
      });

      it("emits 'projected' with each stored event's identity, once, and never for a duplicate", async () => {
        const { store } = await open();
        const seen: ProjectedEvent[] = [];
        const listener = (events: ProjectedEvent[]) => seen.push(...events);
        store.on('projected', listener);
        const { started, ended } = sessionPair({ messages: 4 });
        await ingest(store, started);
        await ingest(store, ended);
        await ingest(store, ended);
        await store.settled();
        // The end of a call says what the rules concluded (the desktop notifies only calls that need follow-up).
        const outcome = triageSession(factsOf({ started, ended }), builtinRules(0));
        expect(seen).toEqual([
          { sessionId: started.sessionId, event: 'session.started' },
          { sessionId: ended.sessionId, event: 'session.ended', attention: { followUp: outcome.followUp !== null, notify: outcome.notify } },
        ]);
        // When it is emitted, the event is visible through the reads.
        const visible = new Promise<boolean>((resolve) => {
          store.once('projected', (events) => {
            void store.getSession(events[0]!.sessionId, STALE).then((s) => resolve(s !== null));
          });
        });
        const other = sessionPair();
        await ingest(store, other.started);
        expect(await visible).toBe(true);
        await store.settled();
        store.off('projected', listener);
        await ingest(store, other.ended);
        await store.settled();
        expect(seen).toHaveLength(3);
      });

      it('acknowledges concurrent ingests of many sessions, each indexed once settled', async () => {
        const { store } = await open();
        const pairs = Array.from({ length: 40 }, () => sessionPair({ messages: 3 }));
        await ingestAll(store, pairs.flatMap((p) => [p.started, p.ended]));
        expect(await store.counts({ staleBefore })).toMatchObject({ sessions: 40, events: 80, messages: 120, indexing: 0, unindexed: 0 });
        const stats = await store.commitStats();
        expect(stats.jobs).toBeGreaterThanOrEqual(80);
        expect(stats.transactions).toBeGreaterThanOrEqual(1);
        expect(stats.transactions).toBeLessThanOrEqual(stats.jobs);
        expect(stats.largestBatch).toBeGreaterThanOrEqual(1);
        expect(stats.largestBatch).toBeLessThanOrEqual(stats.jobs);
      });
    });

    describe('delivery log and quarantine', () => {
      it('logs a delivery without a quarantined body', async () => {
        const { store } = await open();
        await store.logDelivery(delivery({ outcome: 'ignored', statusCode: 202, reason: 'unknown event', eventHeader: 'session.paused', headersJson: '{"a":"b"}' }));
        const page = await store.listDeliveries({ limit: 10 });
        expect(page.items).toEqual([
          {
            id: expect.any(Number), receivedAt: RECEIVED, method: 'POST', path: '/webhook', eventHeader: 'session.paused', event: null, sessionId: null,
            outcome: 'ignored', statusCode: 202, reason: 'unknown event', size: 10, latencyMs: 1.5, quarantineId: null,
          },
        ]);
        expect(await store.getDelivery(page.items[0]!.id)).toMatchObject({ headers: { a: 'b' }, remote: '203.0.113.7', body: null, reverifiable: false, sessionArchived: false });
        expect(await store.listQuarantine({ limit: 10 })).toEqual([]);
        expect(await store.counts({ staleBefore })).toMatchObject({ deliveries: 1, quarantined: 0, quarantinedBytes: 0, events: 0 });
        expect(await store.getDelivery(page.items[0]!.id + 1000)).toBeNull();
      });

      it('logs a delivery with its quarantined body, listed and counted', async () => {
        const { store } = await open();
        const signature = quarantined('{"event":"session.started","n":1}', { headers: { 'x-callaider-event': 'session.started' } });
        const payload = quarantined('not json at all', { failure: 'payload', reason: 'body is not JSON', eventHeader: null, signatureHeader: null, headers: null });
        await store.logDelivery(delivery(), signature);
        await store.logDelivery(delivery({ outcome: 'rejected', statusCode: 400, reason: 'body is not JSON' }), payload);

        const listed = await store.listQuarantine({ limit: 10 });
        expect(listed).toEqual([
          { ...signature, id: expect.any(Number) },
          { ...payload, id: expect.any(Number) },
        ]);
        for (const q of listed) expect(Buffer.isBuffer(q.body)).toBe(true);
        expect(listed[0]!.id).toBeLessThan(listed[1]!.id);

        const deliveries = (await store.listDeliveries({ limit: 10 })).items;
        expect(deliveries.map((d) => d.quarantineId)).toEqual([listed[1]!.id, listed[0]!.id]);
        expect(await store.getDelivery(deliveries[1]!.id)).toMatchObject({ body: signature.body.toString(), reverifiable: true, sessionArchived: false });
        expect(await store.getDelivery(deliveries[0]!.id)).toMatchObject({ body: 'not json at all', reverifiable: false });
        expect(await store.counts({ staleBefore })).toMatchObject({
          deliveries: 2,
          quarantined: 2,
          quarantinedBytes: signature.body.length + payload.body.length,
        });
      });

      it('lists the quarantine in arrival order, a page at a time, each body once', async () => {
        const { store } = await open();
        for (let i = 0; i < 7; i += 1) await store.logDelivery(delivery({ receivedAt: RECEIVED + i }), quarantined(`{"n":${i}}`, { receivedAt: RECEIVED + i }));
        const bodies: string[] = [];
        const sizes: number[] = [];
        let afterId: number | undefined;
        for (;;) {
          const page = await store.listQuarantine({ afterId, limit: 3 });
          sizes.push(page.length);
          if (page.length === 0) break;
          bodies.push(...page.map((q) => q.body.toString()));
          afterId = page[page.length - 1]!.id;
        }
        expect(sizes).toEqual([3, 3, 1, 0]);
        expect(bodies).toEqual(Array.from({ length: 7 }, (_, i) => `{"n":${i}}`));
        const all = await store.listQuarantine({ limit: 100 });
        expect(await store.listQuarantine({ afterId: all[4]!.id, limit: 100 })).toEqual(all.slice(5));
      });

      it('releases quarantined bodies: gone from the list and the counts, others kept', async () => {
        const { store } = await open();
        for (let i = 0; i < 4; i += 1) await store.logDelivery(delivery(), quarantined(`body-${i}-${'x'.repeat(i * 10)}`));
        const before = await store.listQuarantine({ limit: 10 });
        const bytes = (items: typeof before) => items.reduce((n, q) => n + q.body.length, 0);
        expect(await store.counts({ staleBefore })).toMatchObject({ quarantined: 4, quarantinedBytes: bytes(before) });

        await store.releaseFromQuarantine([before[1]!.id, before[3]!.id, 987_654]); // an unknown id is harmless
        await store.releaseFromQuarantine([]);
        const after = await store.listQuarantine({ limit: 10 });
        expect(after).toEqual([before[0], before[2]]);
        expect(await store.counts({ staleBefore })).toMatchObject({ quarantined: 2, quarantinedBytes: bytes(after), deliveries: 4 });
        // The delivery log keeps its rows; a released body without an archived event is gone.
        const released = (await store.listDeliveries({ limit: 10 })).items.find((d) => d.quarantineId === before[1]!.id)!;
        expect(await store.getDelivery(released.id)).toMatchObject({ body: null, reverifiable: false, sessionArchived: false });
      });

      it('shows the archived event for a quarantined delivery stored after re-verification', async () => {
        const { store } = await open();
        const { started } = sessionPair();
        const body = bodyOf(started);
        await store.logDelivery(
          delivery({ event: 'session.started', sessionId: started.sessionId, eventHeader: 'session.started' }),
          quarantined(body.toString(), { event: 'session.started', sessionId: started.sessionId }),
        );
        const [q] = await store.listQuarantine({ limit: 10 });
        expect(await ingest(store, started, { body: q!.body, source: 'reverify' })).toEqual({ duplicate: false });
        await store.releaseFromQuarantine([q!.id]);
        await store.settled();
        const [logged] = (await store.listDeliveries({ limit: 10 })).items;
        expect(await store.getDelivery(logged!.id)).toMatchObject({ quarantineId: q!.id, body: body.toString(), reverifiable: false, sessionArchived: true });
        expect(await store.counts({ staleBefore })).toMatchObject({ quarantined: 0, quarantinedBytes: 0, sessions: 1, events: 1 });
      });

      it('pages the delivery log newest first, and filters it by outcome', async () => {
        const { store } = await open();
        const outcomes = ['rejected', 'ignored', 'rejected', 'failed', 'rejected'] as const;
        for (const [i, outcome] of outcomes.entries()) await store.logDelivery(delivery({ outcome, receivedAt: RECEIVED + i }));
        const seen: number[] = [];
        let beforeId: number | undefined;
        do {
          const page = await store.listDeliveries({ beforeId, limit: 2 });
          seen.push(...page.items.map((d) => d.receivedAt - RECEIVED));
          beforeId = page.nextBeforeId ?? undefined;
        } while (beforeId !== undefined);
        expect(seen).toEqual([4, 3, 2, 1, 0]);
        const rejected = await store.listDeliveries({ limit: 10, outcome: 'rejected' });
        expect(rejected.items.map((d) => d.receivedAt - RECEIVED)).toEqual([4, 2, 0]);
        expect(rejected.nextBeforeId).toBeNull();
        expect((await store.listDeliveries({ limit: 10, outcome: 'stored' })).items).toEqual([]);
      });

      it('keeps the delivery log and the quarantine bounded, oldest dropped first', async () => {
        const { store } = await open({ limits: { maxDeliveries: 150, maxQuarantined: 5, maxQuarantineBytes: 1_000_000 } });
        const writes: Array<Promise<void>> = [];
        for (let i = 0; i < 400; i += 1) {
          writes.push(store.logDelivery(delivery({ receivedAt: i }), i % 10 === 0 ? quarantined(`{"n":${i}}`, { receivedAt: i }) : undefined));
        }
        await Promise.all(writes);
        const counts = await store.counts({ staleBefore });
        // The store may prune in batches: at most a hundred rows over the bound.
        expect(counts.deliveries).toBeGreaterThanOrEqual(150);
        expect(counts.deliveries).toBeLessThanOrEqual(250);
        const kept: number[] = [];
        let beforeId: number | undefined;
        do {
          const page = await store.listDeliveries({ beforeId, limit: 100 });
          kept.push(...page.items.map((d) => d.receivedAt));
          beforeId = page.nextBeforeId ?? undefined;
        } while (beforeId !== undefined);
        expect(kept).toHaveLength(counts.deliveries);
        // What is kept is the newest deliveries, all of them.
        expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 399 - i));

        const q = await store.listQuarantine({ limit: 100 });
        expect(q.map((r) => r.body.toString())).toEqual(['{"n":350}', '{"n":360}', '{"n":370}', '{"n":380}', '{"n":390}']);
        expect(counts).toMatchObject({ quarantined: 5, quarantinedBytes: q.reduce((n, r) => n + r.body.length, 0) });
      });

      it('keeps the quarantine within its byte budget, oldest dropped first', async () => {
        const { store } = await open({ limits: { maxQuarantined: 1000, maxQuarantineBytes: 100 } });
        for (let i = 0; i < 10; i += 1) await store.logDelivery(delivery(), quarantined(`${i}`.padEnd(30, '.')));
        const q = await store.listQuarantine({ limit: 100 });
        expect(q.map((r) => r.body.toString()[0])).toEqual(['7', '8', '9']);
        expect(await store.counts({ staleBefore })).toMatchObject({ quarantined: 3, quarantinedBytes: 90, deliveries: 10 });
      });
    });

    describe('outages', () => {
      it('lists outages newest first, since a time, up to a limit', async () => {
        const { store } = await open();
        await store.recordOutage({ startedAt: 100, endedAt: 200, reason: 'tunnel down' });
        await store.recordOutage({ startedAt: 300, endedAt: 900, reason: null });
        await store.recordOutage({ startedAt: 400, endedAt: 500, reason: 'sleep' });
        expect(await store.recentOutages({ since: 0, limit: 10 })).toEqual([
          { startedAt: 300, endedAt: 900, reason: null },
          { startedAt: 400, endedAt: 500, reason: 'sleep' },
          { startedAt: 100, endedAt: 200, reason: 'tunnel down' },
        ]);
        expect(await store.recentOutages({ since: 500, limit: 10 })).toEqual([
          { startedAt: 300, endedAt: 900, reason: null },
          { startedAt: 400, endedAt: 500, reason: 'sleep' },
        ]);
        expect(await store.recentOutages({ since: 0, limit: 1 })).toEqual([{ startedAt: 300, endedAt: 900, reason: null }]);
        expect(await store.recentOutages({ since: 1000, limit: 10 })).toEqual([]);
      });

      it('keeps the newest 1,000 outages', async () => {
        const { store } = await open();
        await Promise.all(Array.from({ length: 1005 }, (_, i) => store.recordOutage({ startedAt: i * 10, endedAt: i * 10 + 5, reason: `#${i}` })));
        const kept = await store.recentOutages({ since: 0, limit: 5000 });
        expect(kept).toHaveLength(1000);
        expect(kept[0]).toEqual({ startedAt: 10040, endedAt: 10045, reason: '#1004' });
        expect(kept[999]).toEqual({ startedAt: 50, endedAt: 55, reason: '#5' });
      });
    });

    describe('eraseSession', () => {
      it('deletes a session with its events, messages and search entry; counts follow', async () => {
        const { store } = await open();
        const doomed = customSession([say('user', 'Please cancel the zeppelin booking'), say('assistant', 'Cancelled.')]);
        const kept = customSession([say('user', 'Please keep the zeppelin booking'), say('assistant', 'Kept.'), say('user', 'Thanks')]);
        await ingestAll(store, [doomed.started, doomed.ended, kept.started, kept.ended]);
        expect(await searchIds(store, 'zeppelin')).toEqual([idOf(doomed), idOf(kept)].sort());
        expect(await store.counts({ staleBefore })).toMatchObject({ sessions: 2, events: 4, messages: 5 });

        expect(await store.eraseSession(idOf(doomed))).toBe(true);
        expect(await store.getSession(idOf(doomed), STALE)).toBeNull();
        expect(await store.getMessages(idOf(doomed), 0, 100)).toEqual({ items: [], total: 0 });
        expect(await store.storedEvents(idOf(doomed))).toEqual([]);
        expect(await searchIds(store, 'zeppelin')).toEqual([idOf(kept)]);
        expect(await searchIds(store, 'cancel')).toEqual([]);
        expect(await store.exportSessions({ format: 'json', sessionId: idOf(doomed), limit: 1 })).toEqual({ items: [], nextAfterId: null });
        expect((await store.listSessions({ filters: {}, limit: 10, staleAfterMs: STALE })).items.map((s) => s.sessionId)).toEqual([idOf(kept)]);
        expect(await store.counts({ staleBefore })).toMatchObject({ sessions: 1, events: 2, messages: 3 });
        expect((await store.getMessages(idOf(kept), 0, 100)).total).toBe(3);

        expect(await store.eraseSession(idOf(doomed))).toBe(false);
        expect(await store.eraseSession('no-such-session')).toBe(false);
        expect(await store.counts({ staleBefore })).toMatchObject({ sessions: 1, events: 2, messages: 3 });

        // Deleted means deleted: the events can be stored again, as new.
        expect(await ingest(store, doomed.ended)).toEqual({ duplicate: false });
      });

      it('deletes a session whose events are stored but maybe not indexed yet', async () => {
        const { store } = await open();
        const { started, ended } = sessionPair({ messages: 6 });
        // Submitted together: the delete may well commit before the events are indexed.
        const writes = [ingest(store, started), ingest(store, ended)];
        const deleted = store.eraseSession(started.sessionId);
        expect(await Promise.all(writes)).toEqual([{ duplicate: false }, { duplicate: false }]);
        expect(await deleted).toBe(true);
        await store.settled();
        expect(await store.storedEvents(started.sessionId)).toEqual([]);
        expect(await store.getSession(started.sessionId, STALE)).toBeNull();
        expect(await store.counts({ staleBefore })).toMatchObject({ sessions: 0, events: 0, messages: 0, indexing: 0, unindexed: 0 });
      });
    });

    describe('counts', () => {
      it('stay exact through ingest, duplicates, quarantine, release, delete and pruning', async () => {
        const { store } = await open({ limits: { maxDeliveries: 20 } });
        const full = Array.from({ length: 4 }, (_, i) => sessionPair({ messages: 3 + i }));
        const active = [startedPayload(NOW - 60_000), startedPayload(NOW - 90_000)];
        const stale = [startedPayload(NOW - 5 * HOUR), startedPayload(NOW - 9 * HOUR)];
        const endedOnly = sessionPair({ messages: 2 }).ended;
        // Expected from what went in, then adjusted step by step.
        const expected = { sessions: 9, activeSessions: 2, staleSessions: 2, messages: 3 + 4 + 5 + 6 + 2, events: 13, deliveries: 0, quarantined: 0, quarantinedBytes: 0, indexing: 0, unindexed: 0 };
        // Ended sessions from sessionPair are long ago; counted as ended, never stale.
        await ingestAll(store, [...full.flatMap((p) => [p.started, p.ended]), ...active, ...stale, endedOnly]);
        expect(await store.counts({ staleBefore })).toEqual(expected);
        expect(await store.counts({ staleBefore: 0 })).toEqual({ ...expected, activeSessions: 4, staleSessions: 0 });

        await ingest(store, full[0]!.ended, { delivery: pendingDelivery() });
        await ingest(store, active[0]!, { delivery: pendingDelivery() });
        await store.settled();
        expect(await store.counts({ staleBefore })).toEqual({ ...expected, deliveries: 2 });

        await store.logDelivery(delivery(), quarantined('12345'));
        await store.logDelivery(delivery(), quarantined('1234567'));
        await store.logDelivery(delivery());
        expect(await store.counts({ staleBefore })).toEqual({ ...expected, deliveries: 5, quarantined: 2, quarantinedBytes: 12 });
        const [first] = await store.listQuarantine({ limit: 1 });
        await store.releaseFromQuarantine([first!.id]);
        Object.assign(expected, { deliveries: 5, quarantined: 1, quarantinedBytes: 7 });
        expect(await store.counts({ staleBefore })).toEqual(expected);

        // The session that ends: active -> ended.
        const ends: SessionEndedPayload = { ...sessionPair({ messages: 0 }).ended, sessionId: active[1]!.sessionId, assistantId: active[1]!.assistantId };
        ends.data = { reason: 'user_ended', durationSeconds: 10, transcript: [say('user', 'bye')] };
        await ingestAll(store, [ends]);
        Object.assign(expected, { activeSessions: 1, messages: expected.messages + 1, events: expected.events + 1 });
        expect(await store.counts({ staleBefore })).toEqual(expected);

        expect(await store.eraseSession(full[1]!.started.sessionId)).toBe(true);
        expect(await store.eraseSession(stale[0]!.sessionId)).toBe(true);
        expect(await store.eraseSession(active[0]!.sessionId)).toBe(true);
        expect(await store.eraseSession('nobody')).toBe(false);
        Object.assign(expected, { sessions: 6, activeSessions: 0, staleSessions: 1, messages: expected.messages - 4, events: expected.events - 4 });
        expect(await store.counts({ staleBefore })).toEqual(expected);

        // Pruning the delivery log keeps the count true to what is listed.
        await Promise.all(Array.from({ length: 150 }, () => store.logDelivery(delivery())));
        const counts = await store.counts({ staleBefore });
        const listed = (await store.listDeliveries({ limit: 500 })).items.length;
        expect(counts.deliveries).toBe(listed);
        expect(listed).toBeLessThan(155);
        expect(counts).toEqual({ ...expected, deliveries: listed });
      });

      it('are zero on an empty archive', async () => {
        const { store } = await open();
        expect(await store.counts({ staleBefore })).toEqual({
          sessions: 0, activeSessions: 0, staleSessions: 0, messages: 0, events: 0, deliveries: 0, quarantined: 0, quarantinedBytes: 0, indexing: 0, unindexed: 0,
        });
        expect(await store.facets()).toEqual({ reasons: [], assistants: [], oldestSortAt: null, newestSortAt: null });
        expect(await store.listSessions({ filters: {}, limit: 10, staleAfterMs: STALE })).toMatchObject({ items: [], nextCursor: null, total: 0 });
        expect(await exportAll(store)).toEqual({ items: [], pages: 1 });
        expect(await store.recentOutages({ since: 0, limit: 10 })).toEqual([]);
        expect(await store.listDeliveries({ limit: 10 })).toEqual({ items: [], nextBeforeId: null });
        expect(await store.storedEvents('nobody')).toEqual([]);
      });
    });

    describe('listSessions', () => {
      it('pages newest first with a cursor: every session exactly once, each as ingested', async () => {
        const { store } = await open();
        const models = await loadDataset(store);
        const { items, total, pages } = await allPages(store, { limit: 7 });
        expect(pages).toBe(Math.ceil(models.length / 7));
        expect(total).toBe(models.length);
        const expected = models.map((m) => expectedSummary(m, NOW, STALE, models)).sort(newestFirst);
        expect(items).toEqual(expected);
        expect(await store.counts({ staleBefore })).toMatchObject({
          sessions: models.length,
          activeSessions: expected.filter((s) => s.status === 'active' && !s.stale).length,
          staleSessions: expected.filter((s) => s.stale).length,
          messages: expected.reduce((n, s) => n + s.messageCount, 0),
          events: models.reduce((n, m) => n + (m.started ? 1 : 0) + (m.ended ? 1 : 0), 0),
        });
        expect(expected.filter((s) => s.stale).length).toBeGreaterThan(1);
        expect(expected.filter((s) => s.status === 'active' && !s.stale)).toHaveLength(2);
      });

      it('filters by reason, mode, status, duration, tool errors, files, assistant and time', async () => {
        const { store } = await open();
        const models = await loadDataset(store);
        const summaries = models.map((m) => expectedSummary(m, NOW, STALE, models)).sort(newestFirst);
        const times = summaries.map((s) => s.sortAt).sort((a, b) => a - b);
        const middle = times[Math.floor(times.length / 2)]!;
        const quarter = times[Math.floor(times.length / 4)]!;
        const check = async (filters: SessionFilters, predicate: (s: SessionSummary) => boolean) => {
          const expected = summaries.filter(predicate).map((s) => s.sessionId);
          expect(expected.length, JSON.stringify(filters)).toBeGreaterThan(0);
          expect(expected.length, JSON.stringify(filters)).toBeLessThan(summaries.length);
          const { ids, total } = await allPages(store, { filters, limit: 5 });
          expect(ids, JSON.stringify(filters)).toEqual(expected);
          expect(total, JSON.stringify(filters)).toBe(expected.length);
        };
        await check({ reasons: ['timeout'] }, (s) => s.reason === 'timeout');
        await check({ reasons: ['timeout', 'client_disconnect'] }, (s) => s.reason === 'timeout' || s.reason === 'client_disconnect');
        await check({ mode: 'voice' }, (s) => s.mode === 'voice');
        await check({ mode: 'text' }, (s) => s.mode === 'text');
        await check({ status: 'ended' }, (s) => s.status === 'ended');
        await check({ status: 'active' }, (s) => s.status === 'active' && !s.stale);
        await check({ status: 'stale' }, (s) => s.stale);
        await check({ minDurationSeconds: 60 }, (s) => s.durationSeconds !== null && s.durationSeconds >= 60);
        await check({ maxDurationSeconds: 60 }, (s) => s.durationSeconds !== null && s.durationSeconds <= 60);
        await check({ hasToolErrors: true }, (s) => s.toolErrorCount > 0);
        await check({ hasToolErrors: false }, (s) => s.toolErrorCount === 0);
        await check({ hasFiles: true }, (s) => s.fileCount > 0);
        await check({ hasFiles: false, mode: 'voice' }, (s) => s.fileCount === 0 && s.mode === 'voice');
        await check({ assistantId: '205' }, (s) => s.assistantId === '205');
        await check({ assistantId: 'asst-x' }, (s) => s.assistantId === 'asst-x');
        await check({ from: middle }, (s) => s.sortAt >= middle); // inclusive
        await check({ to: middle }, (s) => s.sortAt <= middle);
        await check({ from: quarter, to: middle, status: 'ended' }, (s) => s.sortAt >= quarter && s.sortAt <= middle && s.status === 'ended');
        expect((await allPages(store, { filters: { assistantId: 'nobody' } })).ids).toEqual([]);
        expect((await allPages(store, { filters: { reasons: [] } })).ids).toHaveLength(summaries.length);
      });

      it('flags sessions that started and never ended as stale after the threshold', async () => {
        const { store } = await open();
        const old = startedPayload(NOW - 3 * HOUR);
        const recent = startedPayload(NOW - 60_000);
        await ingestAll(store, [old, recent]);
        const page = await store.listSessions({ filters: {}, limit: 10, staleAfterMs: STALE, now: NOW });
        expect(page.items.map((s) => [s.sessionId, s.status, s.stale])).toEqual([[recent.sessionId, 'active', false], [old.sessionId, 'active', true]]);
        const ids = async (status: SessionFilters['status'], staleAfterMs = STALE) =>
          (await store.listSessions({ filters: { status }, limit: 10, staleAfterMs, now: NOW })).items.map((s) => s.sessionId);
        expect(await ids('stale')).toEqual([old.sessionId]);
        expect(await ids('active')).toEqual([recent.sessionId]);
        expect(await ids('ended')).toEqual([]);
        expect(await ids('stale', 4 * HOUR)).toEqual([]);
        expect(await ids('active', 4 * HOUR)).toEqual([recent.sessionId, old.sessionId]);
        expect(await store.counts({ staleBefore: NOW - STALE })).toMatchObject({ activeSessions: 1, staleSessions: 1 });
        expect(await store.counts({ staleBefore: NOW - 4 * HOUR })).toMatchObject({ activeSessions: 2, staleSessions: 0 });
        // getSession judges staleness against the present.
        expect(await store.getSession(old.sessionId, Date.now() - NOW + 2 * HOUR)).toMatchObject({ stale: true });
        expect(await store.getSession(old.sessionId, Date.now() - NOW + 4 * HOUR)).toMatchObject({ stale: false });
      });

      it('rejects a forged or damaged cursor with BadCursorError', async () => {
        const { store } = await open();
        await ingestAll(store, [sessionPair().started]);
        const forged = [
          'not-a-cursor',
          Buffer.from(JSON.stringify({ a: 1 })).toString('base64url'),
          Buffer.from('[1,2]').toString('base64url'),
          Buffer.from('["x","y",3]').toString('base64url'),
          // Well formed, but a list position is whole: this one was never handed out.
          Buffer.from('[1000,"s",1.5]').toString('base64url'),
        ];
        for (const cursor of forged) {
          await expect(store.listSessions({ filters: {}, limit: 5, staleAfterMs: STALE, cursor }), cursor).rejects.toBeInstanceOf(BadCursorError);
          await expect(store.listSessions({ query: 'hello', filters: {}, limit: 5, staleAfterMs: STALE, cursor }), cursor).rejects.toBeInstanceOf(BadCursorError);
        }
        // The store still answers after an error.
        expect((await store.listSessions({ filters: {}, limit: 5, staleAfterMs: STALE })).items).toHaveLength(1);
      });
    });

    describe('search', () => {
      async function searchArchive() {
        const { store } = await open();
        const sessions = {
          spanish: customSession(
            [
              say('user', 'Mi cita es el sábado por la mañana'),
              say('tool', 'calendar', { toolCall: { name: 'reschedule_visit', arguments: { patient: 'Zoë' }, result: null, error: 'Calendar gateway exploded' } }),
            ],
            { business: 'Quixotic Plumbing' },
          ),
          go: customSession([say('user', 'Can we go now?')], { mode: 'text' }),
          gone: customSession([say('user', 'The pain has gone away')]),
          syntax: customSession([say('user', 'The price is Q-1182 (((approx))) AND more, col:value NEAR(a b)')]),
          apple: customSession([say('assistant', 'An apple a day')]),
        };
        await ingestAll(store, Object.values(sessions).flatMap((s) => [s.started, s.ended]));
        const id = Object.fromEntries(Object.entries(sessions).map(([k, s]) => [k, idOf(s)])) as Record<keyof typeof sessions, string>;
        return { store, sessions, id };
      }

      it('finds message text, tool calls and metadata, with highlighted snippets', async () => {
        const { store, id } = await searchArchive();
        const hit = async (query: string) => {
          const page = await store.listSessions({ query, filters: {}, limit: 10, staleAfterMs: STALE });
          return { ids: page.items.map((s) => s.sessionId), snippet: page.items[0]?.snippet ?? null, total: page.total, hint: page.hint ?? null };
        };
        const mark = (word: string) => `${HIGHLIGHT_START}${word}${HIGHLIGHT_END}`;

        const byText = await hit('sabado');
        expect(byText).toMatchObject({ ids: [id.spanish], total: 1, hint: null });
        expect(byText.snippet).toContain(`el ${mark('sábado')} por`);
        const byTool = await hit('reschedule_visit');
        expect(byTool.ids).toEqual([id.spanish]);
        expect(byTool.snippet).toContain(mark('reschedule_visit'));
        const byError = await hit('exploded');
        expect(byError.ids).toEqual([id.spanish]);
        expect(byError.snippet).toContain(mark('exploded'));
        const byArgument = await hit('Zoe');
        expect(byArgument.ids).toEqual([id.spanish]);
        expect(byArgument.snippet).toContain(mark('Zoë'));
        const byMetadata = await hit('Quixotic');
        expect(byMetadata.ids).toEqual([id.spanish]);
        expect(byMetadata.snippet).toContain(mark('Quixotic'));
        expect((await hit(id.gone)).ids).toEqual([id.gone]); // the session id itself

        expect(await store.listSessions({ query: 'zzzznotaword', filters: {}, limit: 5, staleAfterMs: STALE })).toEqual({ items: [], nextCursor: null, total: 0, hint: null });
      });

      it('folds case and accents both ways, and highlights the original text', async () => {
        const { store, id } = await searchArchive();
        for (const query of ['SABADO', 'Sábado', 'sÁbAdO', 'mañana', 'MANANA', 'zoë', 'CALENDAR GATEWAY']) {
          const page = await store.listSessions({ query, filters: {}, limit: 10, staleAfterMs: STALE });
          expect(page.items.map((s) => s.sessionId), query).toEqual([id.spanish]);
          expect(page.items[0]!.snippet, query).toMatch(new RegExp(`${HIGHLIGHT_START}[^${HIGHLIGHT_END}]+${HIGHLIGHT_END}`));
        }
        const page = await store.listSessions({ query: 'SABADO MANANA', filters: {}, limit: 10, staleAfterMs: STALE });
        expect(page.items[0]!.snippet).toBe(`Mi cita es el ${HIGHLIGHT_START}sábado${HIGHLIGHT_END} por la ${HIGHLIGHT_START}mañana${HIGHLIGHT_END}`);
      });

      it('folds accents as FTS5 does: ø, ł, ß and æ are letters of their own, and scripts without accents match as written', async () => {
        const { store } = await open();
        const nordic = customSession([say('user', 'Søren from Łódź, Straße 5, asked about the Æsir exhibit')]);
        const scripts = customSession([say('user', 'Звонил Иван: 予約 は 明日, Ελενη καλεί')]);
        await ingestAll(store, [nordic.started, nordic.ended, scripts.started, scripts.ended]);
        for (const query of ['Søren', 'SØREN', 'łódź', 'Łodz', 'straße', 'æsir', 'ÆSIR exhibit']) expect(await searchIds(store, query), query).toEqual([idOf(nordic)]);
        for (const query of ['soren', 'lodz', 'strasse', 'aesir']) expect(await searchIds(store, query), query).toEqual([]);
        for (const query of ['иван', 'ЗВОНИЛ', 'звони', '予約', 'ελενη', 'ΕΛΕΝΗ']) expect(await searchIds(store, query), query).toEqual([idOf(scripts)]);
      });

      it('treats what people type as text, never as query syntax', async () => {
        const { store, id } = await searchArchive();
        const hostile = ['AND', 'OR NOT', '"', '""', '*', 'NEAR(a b)', 'col:value', '(((', ')', "'; DROP TABLE sessions; --", '^start', 'a + b', '-minus', '{x}', 'a\u0000b', '\\'];
        for (const query of hostile) {
          const page = await store.listSessions({ query, filters: {}, limit: 5, staleAfterMs: STALE });
          expect(Array.isArray(page.items), query).toBe(true);
        }
        expect(await searchIds(store, 'Q-1182')).toEqual([id.syntax]);
        expect(await searchIds(store, '(((approx')).toEqual([id.syntax]);
        expect(await searchIds(store, 'col:value')).toEqual([id.syntax]);
        expect(await searchIds(store, 'NEAR(a b)')).toEqual([id.syntax]);
        expect(await searchIds(store, 'AND more')).toEqual([id.syntax]);
        expect(await searchIds(store, '"price is')).toEqual([id.syntax]);
        expect(await store.counts({ staleBefore })).toMatchObject({ sessions: 5 });
      });

      it('matches the last word of three or more letters as a prefix, shorter ones as whole words with a hint', async () => {
        const { store, id } = await searchArchive();
        const run = (query: string) => store.listSessions({ query, filters: {}, limit: 10, staleAfterMs: STALE });
        // Three letters or more: a prefix (search as you type).
        expect(await searchIds(store, 'gon')).toEqual([id.gone]);
        expect(await searchIds(store, 'resched')).toEqual([id.spanish]);
        expect(await searchIds(store, 'sabad')).toEqual([id.spanish]);
        expect(await searchIds(store, 'explod')).toEqual([id.spanish]);
        expect((await run('gon')).hint ?? null).toBeNull();
        // Earlier words are whole words; every word is required.
        expect(await searchIds(store, 'resched visit')).toEqual([]);
        expect(await searchIds(store, 'reschedule vis')).toEqual([id.spanish]);
        expect(await searchIds(store, 'sabado gone')).toEqual([]);
        // One or two letters: a whole word, and the page says so.
        const go = await run('go');
        expect(go.items.map((s) => s.sessionId)).toEqual([id.go]);
        expect(go.hint).toEqual(expect.any(String));
        expect(go.hint!.length).toBeGreaterThan(0);
        expect(await searchIds(store, 'a')).toEqual([id.apple, id.syntax].sort()); // "a" as a word, not every word starting with a
        expect((await run('a')).hint).toEqual(expect.any(String));
        expect(await searchIds(store, 'ap')).toEqual([]);
        expect(await searchIds(store, 'appl')).toEqual([id.apple]);
        expect(await searchIds(store, 'app')).toEqual([id.apple, id.syntax].sort()); // apple, approx
        expect((await run('apple a')).items.map((s) => s.sessionId)).toEqual([id.apple]);
        expect((await run('a apple')).hint ?? null).toBeNull();
        expect((await store.listSessions({ filters: {}, limit: 10, staleAfterMs: STALE })).hint ?? null).toBeNull();
      });

      it('pages search results, each matching session exactly once, and combines with filters', async () => {
        const { store } = await open();
        const models = await loadDataset(store, 90);
        const ended = models.filter((m) => m.ended);
        // "gluten" appears in some transcripts; every finished session's transcript opens with "You are the phone assistant".
        const withWord = (word: string) => ended.filter((m) => JSON.stringify(m.ended!.data.transcript).toLowerCase().includes(word)).map(idOf).sort();
        const everyEnded = await allPages(store, { query: 'phone assistant' });
        expect(everyEnded.ids.sort()).toEqual(ended.filter((m) => m.ended!.data.transcript!.length > 0).map(idOf).sort());
        expect(everyEnded.pages).toBeGreaterThan(3);
        expect(everyEnded.total).toBe(everyEnded.ids.length);

        const gluten = await allPages(store, { query: 'gluten' });
        expect(gluten.ids.sort()).toEqual(withWord('gluten'));
        expect(gluten.ids.length).toBeGreaterThan(0);
        for (const item of gluten.items) expect(item.snippet?.toLowerCase()).toContain(`${HIGHLIGHT_START}gluten${HIGHLIGHT_END}`);

        const voice = (await allPages(store, { query: 'phone assistant', filters: { mode: 'voice' } })).ids.sort();
        expect(voice).toEqual(ended.filter((m) => m.started?.data.metadata?.sessionMode === 'voice' && m.ended!.data.transcript!.length > 0).map(idOf).sort());
        expect(voice.length).toBeGreaterThan(0);
        expect(voice.length).toBeLessThan(everyEnded.ids.length);
        // Search results carry the same summaries as the list.
        const summaries = new Map(models.map((m) => [idOf(m), expectedSummary(m, NOW, STALE, models)]));
        for (const item of everyEnded.items) {
          const { snippet, ...rest } = item;
          expect(rest).toEqual(summaries.get(item.sessionId));
          expect(snippet).toEqual(expect.any(String));
        }
      });
    });

    describe('sessions and messages', () => {
      it('returns null for an unknown session, and the times each event was received', async () => {
        const { store } = await open();
        expect(await store.getSession('nobody', STALE)).toBeNull();
        const { started, ended } = sessionPair({ messages: 4 });
        const numeric = { ...started, assistantId: 205 };
        await ingest(store, numeric, { receivedAt: RECEIVED + 1 });
        await ingest(store, ended, { receivedAt: RECEIVED + 2 });
        await store.settled();
        expect(await store.getSession(started.sessionId, STALE)).toEqual({
          ...expectedSummary({ started: numeric, ended }, Date.now(), STALE),
          assistantId: '205',
          metadata: started.data.metadata,
          receivedStartedAt: RECEIVED + 1,
          receivedEndedAt: RECEIVED + 2,
          redactions: 0,
        });
      });

      it('returns messages in order, a page at a time, with tool calls and files', async () => {
        const { store } = await open();
        const transcript: TranscriptItem[] = [
          say('user', 'Here is my card', { timestamp: 1_780_000_000_123.9, files: [{ gcsUri: 'gs://b/card.jpg', mimeType: 'image/jpeg', filename: 'card.jpg' }] }),
          say('tool', '', { toolCall: { name: 'book', arguments: { slot: '14:00', people: [1, 2] }, error: 'slot taken' } }),
          say('tool', '', { toolCall: { name: 'book', arguments: {}, result: { ok: true, ref: 'X-1' } } }),
          say('assistant', 'Done, and here are both files', { files: [{ gcsUri: 'gs://b/a.pdf' }, { gcsUri: 'gs://b/b.pdf', filename: 'b.pdf' }] }),
          say('user', 'Thanks'),
        ];
        const session = customSession(transcript);
        await ingestAll(store, [session.started, session.ended]);
        const id = idOf(session);
        const all = await store.getMessages(id, 0, 100);
        expect(all.total).toBe(5);
        expect(all.items.map((m) => ({ ...m, toolCall: m.toolCall && { ...m.toolCall, arguments: m.toolCall.arguments && JSON.parse(m.toolCall.arguments), result: m.toolCall.result && JSON.parse(m.toolCall.result) } }))).toEqual([
          { seq: 0, role: 'user', content: 'Here is my card', timestampMs: 1_780_000_000_123, toolCall: null, files: [{ gcsUri: 'gs://b/card.jpg', mimeType: 'image/jpeg', filename: 'card.jpg' }] },
          { seq: 1, role: 'tool', content: '', timestampMs: 1_780_000_000_000, toolCall: { name: 'book', arguments: { slot: '14:00', people: [1, 2] }, result: null, error: 'slot taken' }, files: [] },
          { seq: 2, role: 'tool', content: '', timestampMs: 1_780_000_000_000, toolCall: { name: 'book', arguments: {}, result: { ok: true, ref: 'X-1' }, error: null }, files: [] },
          { seq: 3, role: 'assistant', content: 'Done, and here are both files', timestampMs: 1_780_000_000_000, toolCall: null, files: [{ gcsUri: 'gs://b/a.pdf', mimeType: null, filename: null }, { gcsUri: 'gs://b/b.pdf', mimeType: null, filename: 'b.pdf' }] },
          { seq: 4, role: 'user', content: 'Thanks', timestampMs: 1_780_000_000_000, toolCall: null, files: [] },
        ]);
        const paged = [...(await store.getMessages(id, 0, 2)).items, ...(await store.getMessages(id, 2, 2)).items, ...(await store.getMessages(id, 4, 2)).items];
        expect(paged).toEqual(all.items);
        expect(await store.getMessages(id, 3, 1)).toEqual({ total: 5, items: [all.items[3]] });
        expect(await store.getMessages(id, 5, 10)).toEqual({ total: 5, items: [] });
        expect(await store.getSession(id, STALE)).toMatchObject({ messageCount: 5, toolCallCount: 2, toolErrorCount: 1, fileCount: 3, firstUserLine: 'Here is my card' });
        expect(await store.getMessages('nobody', 0, 10)).toEqual({ items: [], total: 0 });
      });

      it('gives the filter lists: reasons, assistants and the time range', async () => {
        const { store } = await open();
        const models = await loadDataset(store);
        const summaries = models.map((m) => expectedSummary(m, NOW, STALE, models));
        const distinct = (values: Array<string | null>) => [...new Set(values.filter((v): v is string => v !== null))].sort();
        const facets = await store.facets();
        expect(facets).toEqual({
          reasons: distinct(summaries.map((s) => s.reason)),
          assistants: distinct(summaries.map((s) => s.assistantId)),
          oldestSortAt: Math.min(...summaries.map((s) => s.sortAt)),
          newestSortAt: Math.max(...summaries.map((s) => s.sortAt)),
        });
        expect(facets.assistants).toEqual(['101', '102', '205', 'asst-x']);
        expect(facets.reasons.length).toBeGreaterThan(2);
      });
    });

    describe('exportSessions', () => {
      it('renders every session in every format, as CallAIder sent it', async () => {
        const { store } = await open();
        const models = await loadDataset(store, 24);
        // Fields the archive does not know survive in the transcript.
        const odd = customSession([say('user', 'Hola', { sentiment: 'positive', extra: { nested: [1, 2] } } as Partial<TranscriptItem>)]);
        await ingestAll(store, [odd.started, odd.ended]);
        models.push(odd);
        const expected = new Map(models.map((m) => [idOf(m), expectedExport(m)]));

        for (const format of ['json', 'ndjson'] as const) {
          const { items } = await exportAll(store, { format });
          const parsed = items.map((item) => JSON.parse(item) as ExportedSession);
          expect(parsed.map((s) => s.sessionId).sort(), format).toEqual([...expected.keys()].sort());
          for (const session of parsed) expect(session, format).toEqual(expected.get(session.sessionId));
          if (format === 'ndjson') for (const item of items) expect(item).not.toContain('\n');
        }
        const csv = (await exportAll(store, { format: 'csv' })).items;
        expect(csv).toHaveLength(models.length);
        for (const item of csv) {
          const rows = item.split('\r\n').filter((row) => row !== '');
          const session = expected.get(rows[0]!.split(',')[0]!)!;
          expect(session).toBeDefined();
          expect(rows).toHaveLength(Math.max(1, session.transcript.length));
        }
        const md = (await exportAll(store, { format: 'md' })).items;
        expect(md).toHaveLength(models.length);
        const oddMd = md.find((item) => item.startsWith(`# Session ${idOf(odd)}`))!;
        expect(oddMd).toContain('> Hola');

        const pretty = await store.exportSessions({ format: 'json', sessionId: idOf(odd), limit: 1, pretty: true });
        expect(pretty.items).toHaveLength(1);
        expect(pretty.items[0]).toContain('\n  "sessionId"');
        expect(JSON.parse(pretty.items[0]!)).toEqual(expectedExport(odd));
        expect(pretty.nextAfterId).toBeNull();
      });

      it('pages an export with nextAfterId: each session exactly once', async () => {
        const { store } = await open();
        const models = await loadDataset(store, 24);
        for (const limit of [1, 3, 5, 100]) {
          const { items, pages } = await exportAll(store, { format: 'ndjson', limit });
          const ids = items.map((item) => (JSON.parse(item) as ExportedSession).sessionId);
          expect(ids, `limit ${limit}`).toHaveLength(models.length);
          expect(new Set(ids).size, `limit ${limit}`).toBe(models.length);
          expect(pages, `limit ${limit}`).toBeGreaterThanOrEqual(Math.ceil(models.length / limit));
          expect(pages, `limit ${limit}`).toBeLessThanOrEqual(Math.ceil(models.length / limit) + 1);
        }
        const first = await store.exportSessions({ format: 'ndjson', limit: 3 });
        expect(first.items).toHaveLength(3);
        expect(first.nextAfterId).toEqual(expect.any(Number));
      });

      it('exports one session by id, and nothing for an unknown one', async () => {
        const { store } = await open();
        const { started, ended } = sessionPair({ messages: 3 });
        const other = sessionPair();
        await ingestAll(store, [started, ended, other.started]);
        const one = await store.exportSessions({ format: 'json', sessionId: started.sessionId, limit: 10 });
        expect(one.nextAfterId).toBeNull();
        expect(one.items.map((item) => JSON.parse(item) as unknown)).toEqual([expectedExport({ started, ended })]);
        const active = await store.exportSessions({ format: 'ndjson', sessionId: other.started.sessionId, limit: 10 });
        expect(active.items.map((item) => JSON.parse(item) as unknown)).toEqual([expectedExport({ started: other.started })]);
        expect(await store.exportSessions({ format: 'json', sessionId: 'nobody', limit: 10 })).toEqual({ items: [], nextAfterId: null });
      });

      it('exports an acknowledged event at once, before it is indexed', async () => {
        const { store } = await open();
        const { started, ended } = sessionPair({ messages: 5 });
        await ingest(store, started);
        await ingest(store, ended);
        // No settled(): an acknowledged event is in the export whether or not it is indexed yet.
        const { items } = await exportAll(store, { format: 'json' });
        const [{ followUp, ...session }] = items.map((item) => JSON.parse(item) as ExportedSession) as [ExportedSession];
        const { followUp: expectedFollowUp, ...expected } = expectedExport({ started, ended });
        expect(session).toEqual(expected);
        // The owner's side follows the index: null until the session is indexed.
        if (followUp !== null) expect(followUp).toEqual(expectedFollowUp);
      });
    });

    describe('settled and durability', () => {
      it('settled() resolves once everything submitted is committed and indexed', async () => {
        const { store } = await open();
        const pairs = Array.from({ length: 25 }, () => sessionPair({ messages: 6 }));
        const writes = pairs.flatMap((p) => [ingest(store, p.started), ingest(store, p.ended)]);
        void store.logDelivery(delivery());
        await store.settled();
        expect(await store.counts({ staleBefore })).toMatchObject({ sessions: 25, events: 50, messages: 150, deliveries: 1, indexing: 0 });
        const results = await Promise.all(writes);
        expect(results.every((r) => !r.duplicate)).toBe(true);
        await store.settled(); // idle: resolves at once
      });

      it('keeps every write that resolved before a clean restart', async () => {
        const handle = await open();
        const store = handle.store;
        const pairs = Array.from({ length: 30 }, () => sessionPair({ messages: 4 }));
        await Promise.all(pairs.flatMap((p) => [ingest(store, p.started), ingest(store, p.ended, { delivery: pendingDelivery() })]));
        await store.logDelivery(delivery(), quarantined('kept body'));
        await store.recordOutage({ startedAt: 1, endedAt: 2, reason: 'r' });
        const countsBefore = await (async () => {
          await store.settled();
          return store.counts({ staleBefore });
        })();
        const reopened = await handle.reopen();
        await reopened.settled();
        expect(await reopened.counts({ staleBefore })).toEqual(countsBefore);
        expect(countsBefore).toMatchObject({ sessions: 30, events: 60, messages: 120, deliveries: 31, quarantined: 1, indexing: 0 });
        expect((await reopened.listQuarantine({ limit: 10 })).map((q) => q.body.toString())).toEqual(['kept body']);
        expect(await reopened.recentOutages({ since: 0, limit: 10 })).toEqual([{ startedAt: 1, endedAt: 2, reason: 'r' }]);
        expect((await allPages(reopened, { query: 'phone assistant' })).ids.sort()).toEqual(pairs.map((p) => p.started.sessionId).sort());
        for (const p of pairs.slice(0, 3)) expect((await reopened.getMessages(p.started.sessionId, 0, 100)).items).toHaveLength(4);
      });

      it('keeps every acknowledged write through a crash, and indexes what was waiting', async (context) => {
        const handle = await open();
        if (!handle.crash) context.skip();
        const store = handle.store;
        const pairs = Array.from({ length: 30 }, () => sessionPair({ messages: 5 }));
        const results = await Promise.all(pairs.flatMap((p) => [ingest(store, p.started), ingest(store, p.ended)]));
        expect(results.every((r) => !r.duplicate)).toBe(true);
        // No settled(), no close: what was acknowledged must be there, indexed or about to be.
        const after = await handle.crash!();
        await after.settled();
        expect(await after.counts({ staleBefore })).toMatchObject({ sessions: 30, events: 60, messages: 150, indexing: 0, unindexed: 0 });
        expect((await allPages(after, { query: 'phone assistant' })).ids.sort()).toEqual(pairs.map((p) => p.started.sessionId).sort());
        for (const p of pairs) expect(await ingest(after, p.ended)).toEqual({ duplicate: true });
      });
    });

    describe.runIf(target.defersProjection)('deferred indexing', () => {
      it('keeps an event it cannot index: counted as unindexed, still stored and exported', async () => {
        const handle = await open();
        const store = handle.store;
        const seen: ProjectedEvent[] = [];
        store.on('projected', (events) => seen.push(...events));
        const { started } = sessionPair();
        // Valid at the door, but its stored bytes do not index as a CallAIder event (a future format, say).
        const body = Buffer.from(JSON.stringify({ event: 'session.started', sessionId: started.sessionId, data: { metadata: { future: true } } }));
        expect(await store.ingest({ payload: started, body, source: 'webhook', receivedAt: RECEIVED })).toEqual({ duplicate: false });
        await store.settled();
        const expected = { events: 1, sessions: 0, indexing: 0, unindexed: 1 };
        expect(await store.counts({ staleBefore })).toMatchObject(expected);
        expect(seen).toEqual([]);
        expect(await store.storedEvents(started.sessionId)).toEqual(['session.started']);
        expect(await store.getSession(started.sessionId, STALE)).toBeNull();
        const { items } = await exportAll(store, { format: 'json' });
        expect(items.map((item) => JSON.parse(item) as ExportedSession)).toEqual([
          { sessionId: started.sessionId, assistantId: null, status: 'active', startedAt: null, endedAt: null, reason: null, durationSeconds: null, metadata: { future: true }, transcript: [], followUp: null },
        ]);
        expect(await ingest(store, started)).toEqual({ duplicate: true });

        // Still there, still counted, after a restart; deleting it clears the count.
        const reopened = await handle.reopen();
        await reopened.settled();
        expect(await reopened.counts({ staleBefore })).toMatchObject(expected);
        expect(await reopened.eraseSession(started.sessionId)).toBe(true);
        expect(await reopened.counts({ staleBefore })).toMatchObject({ events: 0, sessions: 0, indexing: 0, unindexed: 0 });
      });
    });
  });
}
