/**
 * Conformance for the Overview (store.overview) and the Sessions filters its charts open: written
 * against the ArchiveStore interface only (the PostgreSQL store runs it unchanged), with real
 * payloads going in through ingest. Every expected number is derived from the calls that went in;
 * every bar's click-through filter must list exactly the sessions the bar counts.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ArchiveStore } from '../../electron/core/archive/store.js';
import type { SessionFilters } from '../../shared/api.js';
import { DAY_MS, DURATION_BUCKETS, HOUR_MS, MINUTE_MS, localDayStart, type Overview, type UtcOffsets } from '../../shared/overview.js';
import type { SessionEndedPayload, SessionStartedPayload, TranscriptItem } from '../../shared/payload.js';
import type { StoreTarget } from './store-conformance.js';

const STALE = 2 * HOUR_MS;
/** A Monday, midnight in Berlin in winter (UTC+1). */
const P0 = Date.UTC(2026, 10, 15, 23);
const WINTER: UtcOffsets = [{ from: P0 - 30 * DAY_MS, offsetMinutes: 60 }];
const NOW = P0 + 10 * DAY_MS;
const FILE = { gcsUri: 'gs://bucket/photo.jpg', mimeType: 'image/jpeg', filename: 'photo.jpg' };

interface CallSpec {
  at: number;
  mode?: 'voice' | 'text';
  seconds?: number;
  reason?: string;
  /** Tool calls: [name, failed]. */
  tools?: Array<[string | undefined, boolean]>;
  files?: number;
  phone?: string;
  /** Only session.started arrives (still going). */
  open?: boolean;
}
interface Call extends CallSpec {
  id: string;
  started: SessionStartedPayload;
  ended: SessionEndedPayload;
}

function call(spec: CallSpec): Call {
  const id = randomUUID();
  const seconds = spec.seconds ?? 90;
  const metadata: Record<string, unknown> = { sessionMode: spec.mode ?? 'voice' };
  if (spec.phone) metadata.phone = spec.phone;
  const transcript: TranscriptItem[] = [{ role: 'user', content: 'Hello, I would like to book', timestamp: spec.at }];
  for (const [name, failed] of spec.tools ?? []) {
    transcript.push({ role: 'tool', content: 'tool', timestamp: spec.at, toolCall: { ...(name === undefined ? {} : { name }), arguments: { x: 1 }, ...(failed ? { error: 'upstream timeout' } : { result: { ok: true } }) } });
  }
  if (spec.files) transcript.push({ role: 'user', content: 'here', timestamp: spec.at, files: Array.from({ length: spec.files }, () => FILE) });
  return {
    ...spec,
    id,
    started: { event: 'session.started', timestamp: new Date(spec.at).toISOString(), assistantId: 'asst-1', sessionId: id, data: { metadata } },
    ended: {
      event: 'session.ended',
      timestamp: new Date(spec.at + seconds * 1000).toISOString(),
      assistantId: 'asst-1',
      sessionId: id,
      data: { reason: spec.reason ?? 'user_ended', durationSeconds: seconds, transcript },
    },
  };
}

async function ingest(store: ArchiveStore, calls: Call[]): Promise<void> {
  const payloads = calls.flatMap((c) => (c.open ? [c.started] : [c.started, c.ended]));
  for (const payload of payloads) await store.ingest({ payload, body: Buffer.from(JSON.stringify(payload)), source: 'webhook', receivedAt: NOW });
  await store.settled();
}

/** Every session the Sessions list shows for these filters, page by page. */
async function listed(store: ArchiveStore, filters: SessionFilters): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.listSessions({ filters, limit: 2, cursor, staleAfterMs: STALE, now: NOW });
    ids.push(...page.items.map((item) => item.sessionId));
    if (!page.nextCursor) return ids.sort();
    cursor = page.nextCursor;
  }
}

const ids = (calls: Call[]) => calls.map((c) => c.id).sort();
const inRange = (calls: Call[], from: number, to: number) => calls.filter((c) => c.at >= from && c.at < to);

/** The period [P0, P0 + 7 days) and the week before it, with callers, tools, files and follow-ups. */
function week() {
  const X = '+1 415 555 2671';
  const Y = '+44 20 7946 0958';
  const calls = {
    // Monday 02:00 local.
    a: call({ at: P0 + 2 * HOUR_MS, seconds: 45, tools: [['book', false], ['book', true]], files: 2, phone: X }),
    // Tuesday 23:30 local, and Wednesday 00:30 local (23:30 UTC): the same UTC day, different local days.
    b: call({ at: P0 + DAY_MS + 23.5 * HOUR_MS, mode: 'text', seconds: 200, reason: 'assistant_ended', tools: [['lookup', false]], phone: X }),
    c: call({ at: P0 + 2 * DAY_MS + 0.5 * HOUR_MS, seconds: 700, phone: Y, files: 1 }),
    d: call({ at: P0 + 3 * DAY_MS + 9 * HOUR_MS, seconds: 2000, reason: 'timeout', tools: [['book', true], [undefined, false]] }),
    e: call({ at: P0 + 5 * DAY_MS + 14 * HOUR_MS, mode: 'text', open: true }),
    // Exactly at a bucket's edge: 60 s is "1–2 min", not "30 s–1 min".
    f: call({ at: P0 + 6 * DAY_MS + 23 * HOUR_MS, seconds: 60, reason: 'assistant_ended' }),
    // The week before: Y's first call, and a text.
    g: call({ at: P0 - 2 * DAY_MS, seconds: 30, phone: Y, tools: [['book', false]] }),
    h: call({ at: P0 - 3 * DAY_MS, mode: 'text', seconds: 59.5 }),
    // After the period, and long before: neither counts.
    i: call({ at: P0 + 7 * DAY_MS, seconds: 10 }),
    j: call({ at: P0 - 20 * DAY_MS, seconds: 10, phone: '+1 212 555 0100' }),
  };
  return { calls, all: Object.values(calls), from: P0, to: P0 + 7 * DAY_MS };
}

export function describeOverviewConformance(name: string, target: StoreTarget): void {
  const open = async () => (await target.open()).store;

  describe(`ArchiveStore overview: ${name}`, () => {
    it('adds up a period and the one before it from the calls that went in', async () => {
      const store = await open();
      const { calls, all, from, to } = week();
      await ingest(store, all);
      const overview = await store.overview({ from, to, utcOffsets: WINTER, now: NOW });
      const inPeriod = inRange(all, from, to);
      const previous = inRange(all, from - 7 * DAY_MS, from);
      const ended = (list: Call[]) => list.filter((c) => !c.open);
      const totalsOf = (list: Call[]) => ({
        calls: list.length,
        voice: list.filter((c) => (c.mode ?? 'voice') === 'voice').length,
        text: list.filter((c) => c.mode === 'text').length,
        timed: ended(list).length,
        durationSeconds: ended(list).reduce((sum, c) => sum + (c.seconds ?? 90), 0),
        toolCalls: ended(list).reduce((sum, c) => sum + (c.tools?.length ?? 0), 0),
        toolFailures: ended(list).reduce((sum, c) => sum + (c.tools?.filter(([, failed]) => failed).length ?? 0), 0),
        files: ended(list).reduce((sum, c) => sum + (c.files ?? 0), 0),
        sessionsWithFiles: ended(list).filter((c) => (c.files ?? 0) > 0).length,
      });
      expect(overview).toMatchObject({ from, to, previousFrom: from - 7 * DAY_MS });
      expect(overview.totals).toEqual({ ...totalsOf(inPeriod), newCallers: 1, newCallerSessions: 2, returningCallerSessions: 1 });
      expect(overview.previous).toEqual({ ...totalsOf(previous), newCallers: 1, newCallerSessions: 1, returningCallerSessions: 0 });
      expect(overview.unknownCallerSessions).toBe(3);

      // Local days (UTC+1): b is Tuesday 23:30, c Wednesday 00:30 (both on the same UTC day), f Sunday 23:00.
      const day0 = Math.floor((P0 + HOUR_MS) / DAY_MS);
      expect(overview.days).toEqual(
        [
          { day: day0, voice: 1, text: 0, other: 0 },
          { day: day0 + 1, voice: 0, text: 1, other: 0 },
          { day: day0 + 2, voice: 1, text: 0, other: 0 },
          { day: day0 + 3, voice: 1, text: 0, other: 0 },
          { day: day0 + 5, voice: 0, text: 1, other: 0 },
          { day: day0 + 6, voice: 1, text: 0, other: 0 },
        ],
      );
      const cells = (entries: Array<[number, number]>) => {
        const grid = new Array<number>(7 * 24).fill(0);
        for (const [weekday, hour] of entries) grid[weekday * 24 + hour]! += 1;
        return grid;
      };
      // Monday 02, Tuesday 23, Wednesday 00, Thursday 09, Saturday 14, Sunday 23 (weekday 0 = Sunday).
      expect(overview.weekHours).toEqual(cells([[1, 2], [2, 23], [3, 0], [4, 9], [6, 14], [0, 23]]));
      expect(overview.durations).toEqual(DURATION_BUCKETS.map((bucket) => ended(inPeriod).filter((c) => (c.seconds ?? 90) >= bucket.min && (bucket.below === null || (c.seconds ?? 90) < bucket.below)).length));
      expect(overview.durations).toEqual([0, 1, 1, 1, 0, 1, 1]);
      expect(overview.reasons).toEqual([
        { reason: 'assistant_ended', calls: 2 },
        { reason: 'user_ended', calls: 2 },
        { reason: 'timeout', calls: 1 },
      ]);
      expect(overview.noReason).toBe(1);
      expect(overview.tools).toEqual([
        { name: 'book', calls: 3, failures: 2, sessions: 2, failedSessions: 2 },
        { name: '', calls: 1, failures: 0, sessions: 1, failedSessions: 0 },
        { name: 'lookup', calls: 1, failures: 0, sessions: 1, failedSessions: 0 },
      ]);
      expect(await store.getSession(calls.e.id, STALE)).toMatchObject({ status: 'active', mode: 'text' });

      // Y's call before the period erased: Y's first call is now in the period, so Y is new.
      expect(await store.eraseSession(calls.g.id)).toBe(true);
      const after = await store.overview({ from, to, utcOffsets: WINTER, now: NOW });
      expect(after.totals).toMatchObject({ newCallers: 2, newCallerSessions: 3, returningCallerSessions: 0 });
      expect(after.previous).toMatchObject({ calls: 1, newCallers: 0, newCallerSessions: 0 });
      expect(await listed(store, { from, to: to - 1, callerHistory: { kind: 'new', since: from } })).toEqual(ids([calls.a, calls.b, calls.c]));
    });

    it('counts follow-up states as they are now, for the sessions of the period', async () => {
      const store = await open();
      const { calls, all, from, to } = week();
      await ingest(store, all);
      await store.setFollowUp({ sessionId: calls.d.id, state: 'follow-up', snoozedUntil: NOW + DAY_MS, actor: 'Ana', at: NOW });
      await store.setFollowUp({ sessionId: calls.b.id, state: 'done', snoozedUntil: null, actor: 'Ana', at: NOW });
      await store.setFollowUp({ sessionId: calls.h.id, state: 'done', snoozedUntil: null, actor: 'Ana', at: NOW });
      const expected = { followUp: 0, snoozed: 0, done: 0 };
      for (const c of inRange(all, from, to)) {
        const view = await store.getFollowUp(c.id);
        if (view?.state === 'done') expected.done += 1;
        else if (view?.state === 'follow-up' && view.snoozedUntil !== null && view.snoozedUntil > NOW) expected.snoozed += 1;
        else if (view?.state === 'follow-up') expected.followUp += 1;
      }
      expect(expected).toMatchObject({ snoozed: 1, done: 1 });
      // a's failed tool call put it in the inbox (the built-in rule).
      expect(expected.followUp).toBeGreaterThanOrEqual(1);
      const overview = await store.overview({ from, to, utcOffsets: WINTER, now: NOW });
      expect(overview.followUps).toEqual(expected);
      // After the snooze ends, the snoozed one is to follow up again.
      const later = await store.overview({ from, to, utcOffsets: WINTER, now: NOW + 2 * DAY_MS });
      expect(later.followUps).toEqual({ ...expected, followUp: expected.followUp + 1, snoozed: 0 });
    });

    it('puts calls in local days and hours across a DST change, with the offsets the window sends', async () => {
      const store = await open();
      // Berlin: UTC+1 until 2026-03-29 01:00 UTC, then UTC+2 until 2026-10-25 01:00 UTC.
      const spring = Date.UTC(2026, 2, 29, 1);
      const autumn = Date.UTC(2026, 9, 25, 1);
      const offsets: UtcOffsets = [
        { from: Date.UTC(2026, 0, 1), offsetMinutes: 60 },
        { from: spring, offsetMinutes: 120 },
        { from: autumn, offsetMinutes: 60 },
      ];
      const from = Date.UTC(2025, 11, 31, 23); // 2026-01-01 00:00 local
      const to = Date.UTC(2026, 11, 31, 23); // 2027-01-01 00:00 local
      const at = (y: number, m: number, d: number, h: number, min: number, offsetHours: number) => Date.UTC(y, m, d, h - offsetHours, min);
      const calls = [
        call({ at: at(2026, 0, 14, 23, 30, 1) }), // winter: Wednesday 23:30
        call({ at: at(2026, 6, 15, 23, 30, 2) }), // summer: Wednesday 23:30 (21:30 UTC)
        call({ at: at(2026, 6, 16, 0, 15, 2) }), // summer: Thursday 00:15 (22:15 UTC the day before)
        call({ at: spring - MINUTE_MS }), // 01:59 local, the last winter minute
        call({ at: spring }), // 03:00 local, the first summer one
        call({ at: autumn - MINUTE_MS }), // 02:59 local summer time
        call({ at: autumn }), // 02:00 local winter time: the hour repeats
      ];
      await ingest(store, calls);
      const overview = await store.overview({ from, to, utcOffsets: offsets, now: NOW });
      const dayOf = (y: number, m: number, d: number) => Date.UTC(y, m, d) / DAY_MS;
      expect(overview.days.map((d) => [d.day, d.voice])).toEqual([
        [dayOf(2026, 0, 14), 1],
        [dayOf(2026, 2, 29), 2],
        [dayOf(2026, 6, 15), 1],
        [dayOf(2026, 6, 16), 1],
        [dayOf(2026, 9, 25), 2],
      ]);
      const nonZero = overview.weekHours.flatMap((n, i) => (n > 0 ? [[Math.floor(i / 24), i % 24, n]] : []));
      // Wednesday 23 (twice), Thursday 0, Sunday 1 and 3 (spring), Sunday 2 (both autumn calls).
      expect(nonZero).toEqual([
        [0, 1, 1],
        [0, 2, 2],
        [0, 3, 1],
        [3, 23, 2],
        [4, 0, 1],
      ]);
      // A single fixed offset (winter's) would have put the summer calls an hour early.
      const fixed = await store.overview({ from, to, utcOffsets: [{ from, offsetMinutes: 60 }], now: NOW });
      expect(fixed.weekHours[3 * 24 + 22]).toBe(1);

      // The click-through for a heat map cell and a day lists exactly what they count.
      for (const [weekday, hour, n] of nonZero) {
        const filters: SessionFilters = { from, to: to - 1, localTime: { utcOffsets: offsets, weekday, hour } };
        expect(await listed(store, filters)).toHaveLength(n!);
      }
      for (const day of overview.days) {
        const start = localDayStart(offsets, day.day);
        const end = localDayStart(offsets, day.day + 1);
        expect(await listed(store, { from: start, to: end - 1 })).toHaveLength(day.voice);
      }
      expect(localDayStart(offsets, dayOf(2026, 2, 29) + 1) - localDayStart(offsets, dayOf(2026, 2, 29))).toBe(23 * HOUR_MS);
      expect(localDayStart(offsets, dayOf(2026, 9, 25) + 1) - localDayStart(offsets, dayOf(2026, 9, 25))).toBe(25 * HOUR_MS);
    });

    it('puts calls in local days and hours for a zone half an hour off UTC, and for periods that do not start on the hour', async () => {
      const store = await open();
      const INDIA: UtcOffsets = [{ from: P0 - DAY_MS, offsetMinutes: 330 }];
      const calls = [
        call({ at: Date.UTC(2026, 10, 17, 18, 40) }), // 00:10 on Wednesday the 18th in India
        call({ at: Date.UTC(2026, 10, 17, 18, 20) }), // 23:50 on Tuesday the 17th
        call({ at: Date.UTC(2026, 10, 17, 18, 25), mode: 'text' }), // 23:55 on Tuesday
      ];
      await ingest(store, calls);
      const from = Date.UTC(2026, 10, 16, 18, 30); // midnight on the 17th in India
      const to = Date.UTC(2026, 10, 18, 18, 30);
      const overview = await store.overview({ from, to, utcOffsets: INDIA, now: NOW });
      const dayOf = (m: number, d: number) => Date.UTC(2026, m, d) / DAY_MS;
      expect(overview.days).toEqual([
        { day: dayOf(10, 17), voice: 1, text: 1, other: 0 },
        { day: dayOf(10, 18), voice: 1, text: 0, other: 0 },
      ]);
      expect(overview.weekHours[2 * 24 + 23]).toBe(2);
      expect(overview.weekHours[3 * 24 + 0]).toBe(1);
      expect(await listed(store, { from, to: to - 1, localTime: { utcOffsets: INDIA, weekday: 2, hour: 23 } })).toEqual(ids(calls.slice(1)));
      // Cut inside an hour: only what falls inside counts, in every chart.
      const cut = await store.overview({ from: Date.UTC(2026, 10, 17, 18, 22), to: Date.UTC(2026, 10, 17, 18, 45), utcOffsets: INDIA, now: NOW });
      expect(cut.totals).toMatchObject({ calls: 2, voice: 1, text: 1 });
      expect(cut.durations.reduce((a, b) => a + b, 0)).toBe(2);
      expect(cut.reasons).toEqual([{ reason: 'user_ended', calls: 2 }]);
      expect(cut.days.reduce((sum, d) => sum + d.voice + d.text, 0)).toBe(2);
    });

    it('opens exactly the sessions each bar and cell counts (click-through filters)', async () => {
      const store = await open();
      const { calls, all, from, to } = week();
      await ingest(store, all);
      await store.setFollowUp({ sessionId: calls.d.id, state: 'follow-up', snoozedUntil: NOW + DAY_MS, actor: 'Ana', at: NOW });
      await store.setFollowUp({ sessionId: calls.b.id, state: 'done', snoozedUntil: null, actor: 'Ana', at: NOW });
      const overview = await store.overview({ from, to, utcOffsets: WINTER, now: NOW });
      const period = { from, to: to - 1 };
      const inPeriod = inRange(all, from, to);

      for (const day of overview.days) {
        const dayPeriod = { from: localDayStart(WINTER, day.day), to: localDayStart(WINTER, day.day + 1) - 1 };
        expect(await listed(store, { ...dayPeriod, mode: 'voice' })).toHaveLength(day.voice);
        expect(await listed(store, { ...dayPeriod, mode: 'text' })).toHaveLength(day.text);
      }
      for (const [index, n] of overview.weekHours.entries()) {
        if (n === 0) continue;
        expect(await listed(store, { ...period, localTime: { utcOffsets: WINTER, weekday: Math.floor(index / 24), hour: index % 24 } })).toHaveLength(n);
      }
      for (const [i, bucket] of DURATION_BUCKETS.entries()) {
        const filters: SessionFilters = { ...period, minDurationSeconds: bucket.min, ...(bucket.below === null ? {} : { durationBelowSeconds: bucket.below }) };
        expect(await listed(store, filters)).toHaveLength(overview.durations[i]!);
      }
      expect(await listed(store, { ...period, minDurationSeconds: 60, durationBelowSeconds: 120 })).toEqual(ids([calls.f]));
      for (const { reason, calls: n } of overview.reasons) expect(await listed(store, { ...period, reasons: [reason] })).toHaveLength(n);
      for (const tool of overview.tools) {
        expect(await listed(store, { ...period, toolName: tool.name })).toHaveLength(tool.sessions);
        expect(await listed(store, { ...period, toolName: tool.name, toolFailed: true })).toHaveLength(tool.failedSessions);
        expect(await listed(store, { ...period, toolName: tool.name, toolFailed: false })).toHaveLength(tool.sessions - tool.failedSessions);
      }
      expect(await listed(store, { ...period, toolName: 'book', toolFailed: true })).toEqual(ids([calls.a, calls.d]));
      expect(await listed(store, { ...period, callerHistory: { kind: 'new', since: from } })).toEqual(ids([calls.a, calls.b]));
      expect(await listed(store, { ...period, callerHistory: { kind: 'returning', since: from } })).toEqual(ids([calls.c]));
      expect(await listed(store, { ...period, hasFiles: true })).toHaveLength(overview.totals.sessionsWithFiles);
      expect(await listed(store, { ...period, mode: 'voice' })).toHaveLength(overview.totals.voice);
      expect(await listed(store, { ...period, followUp: 'follow-up' })).toHaveLength(overview.followUps.followUp);
      expect(await listed(store, { ...period, followUp: 'snoozed' })).toEqual(ids([calls.d]));
      expect(await listed(store, { ...period, followUp: 'done' })).toEqual(ids([calls.b]));
      expect(await listed(store, period)).toEqual(ids(inPeriod));
      // The page's total agrees with the bars too (the list's header number).
      const page = await store.listSessions({ filters: { ...period, toolName: 'book' }, limit: 100, staleAfterMs: STALE, now: NOW });
      expect(page.total).toBe(2);
    });

    it('keeps tool counts with the session when its start moves, and forgets them when it is erased', async () => {
      const store = await open();
      const late = call({ at: P0 + DAY_MS, seconds: 600, tools: [['book', true]] });
      // An end that says 300 s: until session.started arrives, the start is taken as 5 minutes later.
      late.ended.data.durationSeconds = 300;
      // session.ended first: its start is estimated from the end; session.started then moves it.
      await store.ingest({ payload: late.ended, body: Buffer.from(JSON.stringify(late.ended)), source: 'webhook', receivedAt: NOW });
      await store.settled();
      await store.ingest({ payload: late.started, body: Buffer.from(JSON.stringify(late.started)), source: 'webhook', receivedAt: NOW });
      await store.settled();
      const overview = await store.overview({ from: P0, to: P0 + 7 * DAY_MS, utcOffsets: WINTER, now: NOW });
      expect(overview.tools).toEqual([{ name: 'book', calls: 1, failures: 1, sessions: 1, failedSessions: 1 }]);
      const edge = await store.overview({ from: P0 + DAY_MS + 1, to: P0 + 7 * DAY_MS, utcOffsets: WINTER, now: NOW });
      expect(edge.tools).toEqual([]);
      expect(edge.totals.calls).toBe(0);
      expect(await store.eraseSession(late.id)).toBe(true);
      const erased = await store.overview({ from: P0, to: P0 + 7 * DAY_MS, utcOffsets: WINTER, now: NOW });
      expect(erased.tools).toEqual([]);
      expect(await listed(store, { toolName: 'book' })).toEqual([]);
    });

    it('answers an empty archive with zeros, not errors', async () => {
      const store = await open();
      const overview: Overview = await store.overview({ from: P0, to: P0 + DAY_MS, utcOffsets: WINTER, now: NOW });
      expect(overview.totals.calls).toBe(0);
      expect(overview.previous.calls).toBe(0);
      expect(overview.days).toEqual([]);
      expect(overview.weekHours).toEqual(new Array(168).fill(0));
      expect(overview.durations).toEqual(DURATION_BUCKETS.map(() => 0));
      expect(overview.reasons).toEqual([]);
      expect(overview.tools).toEqual([]);
      expect(overview.followUps).toEqual({ followUp: 0, snoozed: 0, done: 0 });
      expect(overview.noReason).toBe(0);
      expect(overview.unknownCallerSessions).toBe(0);
    });
  });
}
