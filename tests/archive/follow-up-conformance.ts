/**
 * Conformance for the owner's side of the archive: follow-ups, notes, tags, triage rules, callers,
 * the inbox, the summary numbers, and their place in exports. Written against the ArchiveStore
 * interface only (the PostgreSQL store runs it unchanged), with real payload bodies going in
 * through ingest, exactly as webhooks and imports deliver them.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BadCursorError, ConflictError, InvalidEditError, NotFoundError } from '../../electron/core/archive/errors.js';
import type { ArchiveStore } from '../../electron/core/archive/store.js';
import type { SaveRuleInput } from '../../electron/core/archive/types.js';
import type { ExportedSession } from '../../shared/export-format.js';
import { ruleInputSchema, type Rule, type RuleInput } from '../../shared/follow-up.js';
import type { SessionEndedPayload, SessionStartedPayload, TranscriptItem } from '../../shared/payload.js';
import type { StoreTarget } from './store-conformance.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 4, 28, 12);
const STALE = 2 * HOUR;
const PHONE = '+1 415 555 2671';

type Payload = SessionStartedPayload | SessionEndedPayload;
interface Call {
  id: string;
  started: SessionStartedPayload;
  ended: SessionEndedPayload;
}

const say = (role: TranscriptItem['role'], content: string, extra: Partial<TranscriptItem> = {}): TranscriptItem => ({ role, content, timestamp: NOW, ...extra });

const FAILED_BOOKING: TranscriptItem[] = [
  say('user', 'I would like a table for four on Friday'),
  say('tool', 'booking', { toolCall: { name: 'create_reservation', arguments: { party: 4 }, error: 'upstream timeout' } }),
  say('assistant', 'Sorry, something went wrong.'),
];
const PLAIN: TranscriptItem[] = [say('user', 'What time do you open tomorrow?'), say('assistant', 'At nine.')];

function call(options: { at?: number; transcript?: TranscriptItem[]; phone?: string; mode?: 'voice' | 'text'; seconds?: number; reason?: string } = {}): Call {
  const id = randomUUID();
  const at = options.at ?? NOW - HOUR;
  const seconds = options.seconds ?? 90;
  const metadata: Record<string, unknown> = { sessionMode: options.mode ?? 'voice', business: 'Trattoria' };
  if (options.phone) metadata.phone = options.phone;
  return {
    id,
    started: { event: 'session.started', timestamp: new Date(at).toISOString(), assistantId: 'asst-1', sessionId: id, data: { metadata } },
    ended: {
      event: 'session.ended',
      timestamp: new Date(at + seconds * 1000).toISOString(),
      assistantId: 'asst-1',
      sessionId: id,
      data: { reason: options.reason ?? 'completed', durationSeconds: seconds, transcript: options.transcript ?? PLAIN },
    },
  };
}

async function ingestCalls(store: ArchiveStore, calls: Call[], only?: 'started'): Promise<void> {
  const payloads: Payload[] = calls.flatMap((c) => (only === 'started' ? [c.started] : [c.started, c.ended]));
  await Promise.all(payloads.map((payload) => store.ingest({ payload, body: Buffer.from(JSON.stringify(payload)), source: 'webhook', receivedAt: NOW })));
  await store.settled();
}

const rule = (input: RuleInput): SaveRuleInput => ruleInputSchema.parse(input);
/** A saved rule as the window sends it back to be saved again. */
const asInput = ({ updatedAt: _updatedAt, ...r }: Rule): SaveRuleInput => rule(r);

async function retriageAll(store: ArchiveStore, now = NOW, staleBefore = NOW - STALE) {
  let after: number | undefined;
  let changed = 0;
  let pages = 0;
  for (;;) {
    const page = await store.retriage({ after, budgetMs: 5, now, staleBefore });
    changed += page.changed;
    pages += 1;
    if (page.nextAfter === null) return { changed, pages };
    after = page.nextAfter;
  }
}

async function previewAll(store: ArchiveStore, input: SaveRuleInput, staleBefore = NOW - STALE) {
  let after: number | undefined;
  let matched = 0;
  let checked = 0;
  const examples: string[] = [];
  for (;;) {
    const page = await store.previewRule(input, { after, budgetMs: 5, staleBefore });
    matched += page.matched;
    checked += page.checked;
    examples.push(...page.examples);
    if (page.nextAfter === null) return { matched, checked, examples, total: page.total };
    after = page.nextAfter;
  }
}

async function inboxIds(store: ArchiveStore, view: 'open' | 'snoozed' | 'done' = 'open', now = NOW) {
  return (await store.inbox({ view, limit: 500, now })).items.map((item) => item.sessionId);
}

export function describeFollowUpConformance(name: string, target: StoreTarget): void {
  const open = async () => (await target.open()).store;

  describe(`ArchiveStore follow-ups: ${name}`, () => {
    describe('the inbox', () => {
      it('puts a session whose tool call failed in the inbox, with a reason naming the tool and its error', async () => {
        const store = await open();
        const failed = call({ transcript: FAILED_BOOKING });
        const fine = call();
        await ingestCalls(store, [failed, fine]);
        const page = await store.inbox({ view: 'open', limit: 10, now: NOW });
        expect(page.total).toBe(1);
        expect(page.nextCursor).toBeNull();
        expect(page.items).toHaveLength(1);
        const item = page.items[0]!;
        expect(item).toMatchObject({ sessionId: failed.id, state: 'follow-up', priority: 'high', mode: 'voice', durationSeconds: 90, noteCount: 0, tags: [], snoozedUntil: null });
        expect(item.firstUserLine).toBe('I would like a table for four on Friday');
        expect(item.sortAt).toBe(Date.parse(failed.started.timestamp));
        expect(item.reasons).toHaveLength(1);
        expect(item.reasons[0]!.ruleId).toBe('tool-failed');
        expect(item.reasons[0]!.text).toContain('create_reservation');
        expect(item.reasons[0]!.text).toContain('upstream timeout');
        expect(await store.followUpCounts(NOW)).toEqual({ open: 1, snoozed: 0 });
        expect(await store.getFollowUp(fine.id)).toMatchObject({ state: 'open', version: 0, reasons: [], priority: null, changedBy: null });
        expect(await store.getFollowUp('nobody')).toBeNull();
      });

      it('flaggedCalls reads a batch of calls as getSession and getFollowUp show them, in the order asked, leaving out sessions it does not have', async () => {
        const store = await open();
        // Recent, so the caller's 7- and 30-day counts (taken at the time of reading) are not zero.
        const recent = Date.now() - HOUR;
        const failed = call({ transcript: FAILED_BOOKING, phone: PHONE, at: recent });
        const again = call({ phone: PHONE, at: recent + MINUTE, mode: 'text' });
        const unknown = call({ at: recent + 2 * MINUTE });
        await ingestCalls(store, [failed, again, unknown]);
        const asked = [unknown.id, 'nobody', failed.id, again.id];
        const calls = await store.flaggedCalls(asked);
        expect(calls.map((c) => c.sessionId)).toEqual([unknown.id, failed.id, again.id]);
        for (const flagged of calls) {
          const session = (await store.getSession(flagged.sessionId, STALE))!;
          const followUp = (await store.getFollowUp(flagged.sessionId))!;
          expect(flagged).toEqual({ sessionId: flagged.sessionId, mode: session.mode, firstUserLine: session.firstUserLine, caller: session.caller, reasons: followUp.reasons });
        }
        expect(calls[1]!.reasons[0]!.ruleId).toBe('tool-failed');
        expect(calls[1]!.caller).toMatchObject({ calls7d: 2, calls30d: 2 });
        expect(calls[2]!.mode).toBe('text');
        expect(calls[0]!).toMatchObject({ caller: null, reasons: [] });
        expect(await store.flaggedCalls([])).toEqual([]);
      });

      it('done removes an item from the inbox; the done view lists it, newest first', async () => {
        const store = await open();
        const [a, b] = [call({ transcript: FAILED_BOOKING }), call({ transcript: FAILED_BOOKING, at: NOW - 2 * HOUR })];
        await ingestCalls(store, [a!, b!]);
        expect(await inboxIds(store)).toEqual([b!.id, a!.id]); // same priority: oldest first
        const view = await store.setFollowUp({ sessionId: a!.id, state: 'done', snoozedUntil: null, actor: 'Ana', at: NOW });
        expect(view).toMatchObject({ state: 'done', changedBy: 'Ana', changedAt: NOW, version: 2, priority: null });
        expect(view.reasons[0]!.ruleId).toBe('tool-failed'); // the reasons stay
        await store.setFollowUp({ sessionId: b!.id, state: 'done', snoozedUntil: null, actor: 'Ana', at: NOW + 1 });
        expect(await inboxIds(store)).toEqual([]);
        expect(await inboxIds(store, 'done')).toEqual([b!.id, a!.id]);
        expect(await store.followUpCounts(NOW)).toEqual({ open: 0, snoozed: 0 });
        // A person's decision survives the rules running again.
        await retriageAll(store);
        expect(await inboxIds(store)).toEqual([]);
      });

      it('snooze hides an item until its time', async () => {
        const store = await open();
        const c = call({ transcript: FAILED_BOOKING });
        await ingestCalls(store, [c]);
        const until = NOW + DAY;
        const view = await store.setFollowUp({ sessionId: c.id, state: 'follow-up', snoozedUntil: until, actor: 'Ana', at: NOW });
        expect(view).toMatchObject({ state: 'follow-up', snoozedUntil: until, priority: 'high' }); // priority kept
        expect(await inboxIds(store)).toEqual([]);
        expect(await inboxIds(store, 'snoozed')).toEqual([c.id]);
        expect(await store.followUpCounts(NOW)).toEqual({ open: 0, snoozed: 1 });
        expect(await inboxIds(store, 'open', until)).toEqual([c.id]);
        expect(await store.followUpCounts(until)).toEqual({ open: 1, snoozed: 0 });
        // Done clears the snooze.
        expect(await store.setFollowUp({ sessionId: c.id, state: 'done', snoozedUntil: until, actor: 'Ana', at: NOW })).toMatchObject({ snoozedUntil: null });
        expect(await inboxIds(store, 'snoozed')).toEqual([]);
      });

      it('orders by priority, then age, and pages 1,000 items with a keyset cursor', async () => {
        const store = await open();
        const calls = Array.from({ length: 1000 }, (_, i) => call({ at: NOW - (i + 1) * MINUTE, transcript: FAILED_BOOKING }));
        await ingestCalls(store, calls);
        // A tenth set to low priority by a person: they go last.
        for (const c of calls.filter((_, i) => i % 10 === 0)) {
          await store.setFollowUp({ sessionId: c.id, state: 'follow-up', priority: 'low', snoozedUntil: null, actor: 'Ana', at: NOW });
        }
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.inbox({ view: 'open', limit: 64, now: NOW, cursor });
          expect(page.total).toBe(1000);
          seen.push(...page.items.map((item) => item.sessionId));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        const oldestFirst = (list: Call[]) => [...list].sort((x, y) => Date.parse(x.started.timestamp) - Date.parse(y.started.timestamp)).map((c) => c.id);
        expect(seen).toEqual([...oldestFirst(calls.filter((_, i) => i % 10 !== 0)), ...oldestFirst(calls.filter((_, i) => i % 10 === 0))]);
        await expect(store.inbox({ view: 'open', limit: 10, now: NOW, cursor: 'garbage' })).rejects.toThrow(BadCursorError);
        // Well formed, but its keys are whole numbers (a priority and a time): this one was never handed out.
        const fractional = Buffer.from(JSON.stringify(['open', 2, 1.5, 'x'])).toString('base64url');
        await expect(store.inbox({ view: 'open', limit: 10, now: NOW, cursor: fractional })).rejects.toThrow(BadCursorError);
      });
    });

    describe('setFollowUp', () => {
      it('refuses a change over one made meanwhile, saying who made it and what it is now', async () => {
        const store = await open();
        const c = call();
        await ingestCalls(store, [c]);
        const seen = await store.getFollowUp(c.id);
        expect(seen!.version).toBe(0);
        const first = await store.setFollowUp({ sessionId: c.id, state: 'done', snoozedUntil: null, actor: 'Ana', at: NOW, expectedVersion: 0 });
        expect(first).toMatchObject({ state: 'done', version: 1, changedBy: 'Ana' });
        const late = store.setFollowUp({ sessionId: c.id, state: 'follow-up', snoozedUntil: null, actor: 'Bo', at: NOW + 1, expectedVersion: 0 });
        await expect(late).rejects.toThrow(ConflictError);
        await expect(late).rejects.toThrow(/^Changed meanwhile by Ana at \d\d:\d\d \(now: done\)\. Your change was not saved; look again and retry\.$/);
        expect(await store.getFollowUp(c.id)).toMatchObject({ state: 'done', version: 1, changedBy: 'Ana' });
        // Without expectedVersion the last write wins.
        expect(await store.setFollowUp({ sessionId: c.id, state: 'follow-up', snoozedUntil: null, actor: 'Bo', at: NOW + 2 })).toMatchObject({
          state: 'follow-up',
          priority: 'normal',
          version: 2,
          changedBy: 'Bo',
        });
        await expect(store.setFollowUp({ sessionId: 'nobody', state: 'done', snoozedUntil: null, actor: 'Ana', at: NOW })).rejects.toThrow(NotFoundError);
      });
    });

    describe('notes', () => {
      it('adds notes oldest first; only the author edits or deletes one; an edit over a newer one is refused', async () => {
        const store = await open();
        const c = call();
        await ingestCalls(store, [c]);
        await store.addNote({ sessionId: c.id, text: 'Called back, no answer', author: 'Ana', at: NOW });
        const view = await store.addNote({ sessionId: c.id, text: 'Booked for Friday', author: 'Bo', at: NOW + 1 });
        expect(view.notes.map((n) => [n.author, n.text])).toEqual([
          ['Ana', 'Called back, no answer'],
          ['Bo', 'Booked for Friday'],
        ]);
        const anas = view.notes[0]!;
        await expect(store.editNote({ noteId: anas.id, text: 'mine now', author: 'Bo', at: NOW + 2 })).rejects.toThrow(InvalidEditError);
        await expect(store.editNote({ noteId: anas.id, text: 'mine now', author: 'Bo', at: NOW + 2 })).rejects.toThrow('Only Ana can edit this note.');
        await expect(store.deleteNote({ noteId: anas.id, author: 'Bo' })).rejects.toThrow(InvalidEditError);
        const edited = await store.editNote({ noteId: anas.id, text: 'Called back twice', author: 'Ana', at: NOW + 3, expectedUpdatedAt: anas.updatedAt });
        const note = edited.notes.find((n) => n.id === anas.id)!;
        expect(note).toMatchObject({ text: 'Called back twice', createdAt: NOW, updatedAt: NOW + 3 });
        // A second window still showing the old text.
        await expect(store.editNote({ noteId: anas.id, text: 'stale', author: 'Ana', at: NOW + 4, expectedUpdatedAt: anas.updatedAt })).rejects.toThrow(ConflictError);
        const after = await store.deleteNote({ noteId: anas.id, author: 'Ana' });
        expect(after.notes.map((n) => n.author)).toEqual(['Bo']);
        await expect(store.addNote({ sessionId: 'nobody', text: 'x', author: 'Ana', at: NOW })).rejects.toThrow(NotFoundError);
        await expect(store.editNote({ noteId: anas.id, text: 'x', author: 'Ana', at: NOW })).rejects.toThrow(NotFoundError);
        expect((await store.inbox({ view: 'open', limit: 10, now: NOW })).items).toEqual([]);
      });
    });

    describe('tags', () => {
      it('creates, renames, recolours and deletes tags; names are unique whatever their case', async () => {
        const store = await open();
        const vip = await store.saveTag({ name: 'VIP', color: 'purple' });
        const late = await store.saveTag({ name: 'Late payer', color: 'red' });
        await expect(store.saveTag({ name: 'vip', color: 'blue' })).rejects.toThrow(InvalidEditError);
        await expect(store.saveTag({ id: late.id, name: 'Vip', color: 'red' })).rejects.toThrow(InvalidEditError);
        expect(await store.saveTag({ id: vip.id, name: 'Vip', color: 'yellow' })).toEqual({ id: vip.id, name: 'Vip', color: 'yellow' });
        const c = call();
        await ingestCalls(store, [c]);
        const tagged = await store.tagSession({ sessionId: c.id, tagId: vip.id, on: true, actor: 'Ana', at: NOW });
        expect(tagged.tags).toEqual([{ id: vip.id, name: 'Vip', color: 'yellow' }]);
        expect(await store.listTags()).toEqual([
          { id: late.id, name: 'Late payer', color: 'red', sessions: 0 },
          { id: vip.id, name: 'Vip', color: 'yellow', sessions: 1 },
        ]);
        expect((await store.tagSession({ sessionId: c.id, tagId: vip.id, on: false, actor: 'Ana', at: NOW })).tags).toEqual([]);
        await store.tagSession({ sessionId: c.id, tagId: vip.id, on: true, actor: 'Ana', at: NOW });
        expect(await store.deleteTag(vip.id)).toBe(true);
        expect(await store.deleteTag(vip.id)).toBe(false);
        expect((await store.getFollowUp(c.id))!.tags).toEqual([]);
        await expect(store.tagSession({ sessionId: c.id, tagId: vip.id, on: true, actor: 'Ana', at: NOW })).rejects.toThrow(NotFoundError);
        await expect(store.tagSession({ sessionId: 'nobody', tagId: late.id, on: true, actor: 'Ana', at: NOW })).rejects.toThrow(NotFoundError);
      });

      it('rules add and remove their own tags, never the owner’s; taking up a rule tag makes it the owner’s', async () => {
        const store = await open();
        const custom = await store.saveRule(
          rule({
            name: 'Bookings',
            enabled: true,
            kind: 'custom',
            conditions: [{ field: 'tool', op: 'called', names: ['create_reservation'] }],
            action: { followUp: false, priority: 'normal', tags: ['Booking'], notify: false },
          }),
          NOW,
        );
        const [a, b] = [call({ transcript: FAILED_BOOKING }), call({ transcript: FAILED_BOOKING })];
        await ingestCalls(store, [a!, b!]);
        const booking = (await store.listTags()).find((t) => t.name === 'Booking')!;
        expect(booking).toMatchObject({ color: 'gray', sessions: 2 });
        await store.tagSession({ sessionId: b!.id, tagId: booking.id, on: true, actor: 'Ana', at: NOW });
        await store.saveRule(asInput({ ...custom, enabled: false }), NOW + 1);
        await retriageAll(store);
        expect((await store.getFollowUp(a!.id))!.tags).toEqual([]);
        expect((await store.getFollowUp(b!.id))!.tags.map((t) => t.name)).toEqual(['Booking']);
        const list = await store.listSessions({ filters: { tagId: booking.id }, limit: 10, staleAfterMs: STALE, now: NOW });
        expect(list.items.map((s) => s.sessionId)).toEqual([b!.id]);
      });
    });

    describe('rules', () => {
      it('has the built-in rules, which cannot be deleted or created twice', async () => {
        const store = await open();
        const rules = await store.listRules();
        expect(rules.map((r) => r.kind)).toEqual(['tool-failed', 'dropped', 'files', 'asked-for-person', 'short-call']);
        expect(rules.every((r) => r.enabled)).toBe(true);
        await expect(store.deleteRule('tool-failed')).rejects.toThrow(InvalidEditError);
        expect(await store.deleteRule('no-such-rule')).toBe(false);
        await expect(store.saveRule({ ...asInput(rules[0]!), id: undefined }, NOW)).rejects.toThrow(InvalidEditError);
        // A built-in rule keeps its kind.
        const saved = await store.saveRule({ ...asInput(rules[4]!), kind: 'custom', seconds: 20, conditions: [{ field: 'mode', value: 'voice' }] }, NOW);
        expect(saved).toMatchObject({ id: rules[4]!.id, kind: 'short-call', seconds: 20, updatedAt: NOW });
        const custom = await store.saveRule(rule({ name: 'Angry', enabled: true, kind: 'custom', conditions: [{ field: 'words', who: 'caller', words: ['furious'] }], action: { followUp: true, priority: 'high', tags: [], notify: true } }), NOW);
        expect((await store.listRules()).map((r) => r.id)).toEqual([...rules.map((r) => r.id), custom.id]);
        expect(await store.deleteRule(custom.id)).toBe(true);
        expect((await store.listRules()).map((r) => r.id)).toEqual(rules.map((r) => r.id));
      });

      it('turning a rule off and re-running removes its rules-only follow-ups and keeps the ones a person set', async () => {
        const store = await open();
        const [a, b] = [call({ transcript: FAILED_BOOKING }), call({ transcript: FAILED_BOOKING })];
        await ingestCalls(store, [a!, b!]);
        await store.setFollowUp({ sessionId: b!.id, state: 'follow-up', snoozedUntil: null, actor: 'Ana', at: NOW });
        const toolFailed = (await store.listRules()).find((r) => r.kind === 'tool-failed')!;
        await store.saveRule(asInput({ ...toolFailed, enabled: false }), NOW);
        const { changed } = await retriageAll(store);
        expect(changed).toBe(2); // a: back to open; b: its reason gone
        expect(await store.getFollowUp(a!.id)).toMatchObject({ state: 'open', reasons: [], changedBy: 'rules' });
        expect(await store.getFollowUp(b!.id)).toMatchObject({ state: 'follow-up', reasons: [], changedBy: 'Ana' });
        expect(await inboxIds(store)).toEqual([b!.id]);
        expect((await retriageAll(store)).changed).toBe(0);
      });

      it('a new custom rule flags matching old sessions when re-run, as many as its preview counted', async () => {
        const store = await open();
        const calls = Array.from({ length: 60 }, (_, i) =>
          call({ at: NOW - i * MINUTE, transcript: i % 3 === 0 ? [say('user', 'I am furious about the bill')] : PLAIN, mode: i % 2 === 0 ? 'voice' : 'text' }),
        );
        await ingestCalls(store, calls);
        expect(await store.followUpCounts(NOW)).toEqual({ open: 0, snoozed: 0 });
        const angry = rule({
          name: 'Angry voice callers',
          enabled: true,
          kind: 'custom',
          conditions: [
            { field: 'words', who: 'caller', words: ['furious'] },
            { field: 'mode', value: 'voice' },
          ],
          action: { followUp: true, priority: 'high', tags: [], notify: false },
        });
        const expected = calls.filter((_, i) => i % 3 === 0 && i % 2 === 0).map((c) => c.id);
        const preview = await previewAll(store, angry);
        expect(preview).toMatchObject({ matched: expected.length, checked: 60, total: 60 });
        expect(preview.examples.length).toBeGreaterThanOrEqual(5);
        for (const id of preview.examples) expect(expected).toContain(id);
        const saved = await store.saveRule(angry, NOW);
        expect((await retriageAll(store)).changed).toBe(expected.length);
        const inbox = await store.inbox({ view: 'open', limit: 500, now: NOW });
        expect(inbox.items.map((i) => i.sessionId).sort()).toEqual([...expected].sort());
        for (const item of inbox.items) expect(item.reasons).toEqual([{ ruleId: saved.id, text: expect.stringContaining('Angry voice callers') as string, priority: 'high' }]);
      });

      it('flags sessions that started and never ended once they are stale (the dropped-call rule)', async () => {
        const store = await open();
        const old = call({ at: NOW - 5 * HOUR });
        const recent = call({ at: NOW - 10 * MINUTE });
        await ingestCalls(store, [old, recent], 'started');
        expect(await store.followUpCounts(NOW)).toEqual({ open: 0, snoozed: 0 });
        expect(await store.triageStale({ staleBefore: NOW - STALE, now: NOW })).toEqual({ changed: 1 });
        expect(await store.triageStale({ staleBefore: NOW - STALE, now: NOW })).toEqual({ changed: 0 });
        const [item] = (await store.inbox({ view: 'open', limit: 10, now: NOW })).items;
        expect(item).toMatchObject({ sessionId: old.id, priority: 'normal' });
        expect(item!.reasons.map((r) => r.ruleId)).toEqual(['dropped']);
        // Its end arrives after all: nothing to do any more.
        await store.ingest({ payload: old.ended, body: Buffer.from(JSON.stringify(old.ended)), source: 'webhook', receivedAt: NOW });
        await store.settled();
        expect(await inboxIds(store)).toEqual([]);
      });
    });

    describe('callers', () => {
      it('identifies a returning caller, counts their calls, and gives their page', async () => {
        const store = await open();
        const calls = [
          call({ phone: PHONE, at: NOW - 40 * DAY }),
          call({ phone: PHONE, at: NOW - 10 * DAY }),
          call({ phone: PHONE, at: NOW - 2 * DAY, transcript: FAILED_BOOKING }),
          call({ phone: PHONE, at: NOW - HOUR }),
          call({ phone: '+44 20 7946 0958', at: NOW - HOUR }),
          call({ at: NOW - HOUR }),
        ];
        await ingestCalls(store, calls);
        // Counted from `now`: this call and one two days before in the last week, one more in the month.
        const newest = (await store.listSessions({ filters: { callerKey: 'tel:+14155552671' }, limit: 1, staleAfterMs: STALE, now: NOW })).items[0]!;
        expect(newest.sessionId).toBe(calls[3]!.id);
        expect(newest.caller).toMatchObject({ kind: 'phone', calls7d: 2, calls30d: 3 });
        const key = newest.caller!.key;
        expect(key).toMatch(/^tel:\+14155552671$/);
        expect((await store.getSession(calls[5]!.id, STALE))!.caller).toBeNull();
        await store.addNote({ sessionId: calls[1]!.id, text: 'Prefers mornings', author: 'Ana', at: NOW - 10 * DAY });
        await store.addNote({ sessionId: calls[3]!.id, text: 'Asked about parking', author: 'Bo', at: NOW - HOUR });
        const page = (await store.getCaller(key, { limit: 3, now: NOW, staleAfterMs: STALE }))!;
        expect(page.caller).toMatchObject({ key, kind: 'phone', sessions: 4, calls7d: 2, calls30d: 3, firstAt: NOW - 40 * DAY, lastAt: NOW - HOUR });
        expect(page.sessions.items.map((s) => s.sessionId)).toEqual([calls[3]!.id, calls[2]!.id, calls[1]!.id]);
        const rest = (await store.getCaller(key, { limit: 3, now: NOW, staleAfterMs: STALE, cursor: page.sessions.nextCursor! }))!;
        expect(rest.sessions.items.map((s) => s.sessionId)).toEqual([calls[0]!.id]);
        expect(page.openFollowUps.map((i) => i.sessionId)).toEqual([calls[2]!.id]);
        expect(page.openFollowUps[0]!.caller).toMatchObject({ key, calls7d: 2 });
        expect(page.notes.map((n) => n.text)).toEqual(['Asked about parking', 'Prefers mornings']);
        expect(await store.getCaller('tel:+10000000000', { limit: 3, now: NOW, staleAfterMs: STALE })).toBeNull();
        const listed = await store.listSessions({ filters: { callerKey: key }, limit: 10, staleAfterMs: STALE, now: NOW });
        expect(listed.total).toBe(4);
      });

      it('re-identifies callers when the caller settings change', async () => {
        const store = await open();
        const c = call();
        c.started.data.metadata = { sessionMode: 'voice', customerRef: 'ana@example.com' };
        await ingestCalls(store, [c]);
        expect((await store.getSession(c.id, STALE))!.caller).toBeNull();
        const settings = { fields: ['customerRef'], defaultCountry: 'US' };
        expect(await store.saveCallerSettings(settings)).toEqual(settings);
        expect(await store.callerSettings()).toEqual(settings);
        expect((await retriageAll(store)).changed).toBe(1);
        expect((await store.getSession(c.id, STALE))!.caller).toMatchObject({ kind: 'email', key: 'mailto:ana@example.com' });
      });
    });

    describe('listSessions', () => {
      it('filters by follow-up state, tag and caller, with and without a search, across pages', async () => {
        const store = await open();
        const calls = Array.from({ length: 30 }, (_, i) =>
          call({ at: NOW - i * MINUTE, phone: i % 2 === 0 ? PHONE : undefined, transcript: i % 3 === 0 ? FAILED_BOOKING : [say('user', `Question number ${i} about zeppelins`)] }),
        );
        await ingestCalls(store, calls);
        const tag = await store.saveTag({ name: 'Check', color: 'blue' });
        for (const c of calls.slice(0, 10)) await store.tagSession({ sessionId: c.id, tagId: tag.id, on: true, actor: 'Ana', at: NOW });
        await store.setFollowUp({ sessionId: calls[0]!.id, state: 'done', snoozedUntil: null, actor: 'Ana', at: NOW });
        await store.setFollowUp({ sessionId: calls[3]!.id, state: 'follow-up', snoozedUntil: NOW + DAY, actor: 'Ana', at: NOW });
        const key = (await store.getSession(calls[0]!.id, STALE))!.caller!.key;
        const ids = async (filters: Parameters<ArchiveStore['listSessions']>[0]['filters'], query?: string) => {
          const out: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await store.listSessions({ filters, query, limit: 4, staleAfterMs: STALE, now: NOW, cursor });
            out.push(...page.items.map((s) => s.sessionId));
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
          return out.sort();
        };
        const pick = (test: (i: number) => boolean) => calls.filter((_, i) => test(i)).map((c) => c.id).sort();
        const failed = (i: number) => i % 3 === 0;
        expect(await ids({ followUp: 'follow-up' })).toEqual(pick((i) => failed(i) && i !== 0 && i !== 3));
        expect(await ids({ followUp: 'snoozed' })).toEqual([calls[3]!.id]);
        expect(await ids({ followUp: 'done' })).toEqual([calls[0]!.id]);
        expect(await ids({ followUp: 'open' })).toEqual(pick((i) => !failed(i)));
        expect(await ids({ tagId: tag.id })).toEqual(pick((i) => i < 10));
        expect(await ids({ callerKey: key })).toEqual(pick((i) => i % 2 === 0));
        expect(await ids({ callerKey: key, tagId: tag.id, followUp: 'open' })).toEqual(pick((i) => i % 2 === 0 && i < 10 && !failed(i)));
        expect(await ids({ tagId: tag.id }, 'zeppelins')).toEqual(pick((i) => i < 10 && !failed(i)));
        expect(await ids({ followUp: 'follow-up', callerKey: key }, 'table')).toEqual(pick((i) => failed(i) && i % 2 === 0 && i !== 0));
        const page = await store.listSessions({ filters: { tagId: tag.id, followUp: 'snoozed' }, limit: 10, staleAfterMs: STALE, now: NOW });
        expect(page.total).toBe(1);
        expect(page.items[0]).toMatchObject({ followUpState: 'follow-up', priority: 'high', snoozedUntil: NOW + DAY, tags: [tag], caller: null }); // odd calls have no phone
        const withCaller = await store.listSessions({ filters: { tagId: tag.id, followUp: 'done' }, limit: 10, staleAfterMs: STALE, now: NOW });
        expect(withCaller.items[0]).toMatchObject({ followUpState: 'done', priority: null, snoozedUntil: null, caller: { key, kind: 'phone', calls7d: 15, calls30d: 15 } });
      });
    });

    describe('keeping the owner’s edits', () => {
      it('deleting a session removes its follow-up, notes and tags', async () => {
        const store = await open();
        const [c, other] = [call({ transcript: FAILED_BOOKING }), call({ transcript: FAILED_BOOKING })];
        await ingestCalls(store, [c!, other!]);
        const tag = await store.saveTag({ name: 'VIP', color: 'red' });
        await store.tagSession({ sessionId: c!.id, tagId: tag.id, on: true, actor: 'Ana', at: NOW });
        await store.addNote({ sessionId: c!.id, text: 'call back', author: 'Ana', at: NOW });
        expect(await store.eraseSession(c!.id)).toBe(true);
        expect(await store.getFollowUp(c!.id)).toBeNull();
        expect(await inboxIds(store)).toEqual([other!.id]);
        expect(await store.listTags()).toEqual([{ ...tag, sessions: 0 }]);
        // The same session arriving again starts afresh.
        await ingestCalls(store, [c!]);
        expect(await store.getFollowUp(c!.id)).toMatchObject({ notes: [], tags: [], changedBy: 'rules' });
      });

      it('keeps the owner’s edits across a restart', async () => {
        const handle = await target.open();
        const c = call();
        await ingestCalls(handle.store, [c]);
        const tag = await handle.store.saveTag({ name: 'VIP', color: 'red' });
        await handle.store.tagSession({ sessionId: c.id, tagId: tag.id, on: true, actor: 'Ana', at: NOW });
        await handle.store.addNote({ sessionId: c.id, text: 'call back', author: 'Ana', at: NOW });
        const before = await handle.store.setFollowUp({ sessionId: c.id, state: 'follow-up', priority: 'high', snoozedUntil: null, actor: 'Ana', at: NOW });
        const custom = await handle.store.saveRule(rule({ name: 'Text', enabled: false, kind: 'custom', conditions: [{ field: 'mode', value: 'text' }], action: { followUp: true, priority: 'low', tags: [], notify: false } }), NOW);
        const reopened = await handle.reopen();
        expect(await reopened.getFollowUp(c.id)).toEqual(before);
        expect((await reopened.listRules()).find((r) => r.id === custom.id)).toEqual(custom);
      });

      it('exports carry the follow-up, and restoreFollowUp puts it back in another archive', async () => {
        const source = await open();
        const c = call({ phone: PHONE, transcript: FAILED_BOOKING });
        await ingestCalls(source, [c]);
        const tag = await source.saveTag({ name: 'VIP', color: 'purple' });
        await source.tagSession({ sessionId: c.id, tagId: tag.id, on: true, actor: 'Ana', at: NOW });
        await source.addNote({ sessionId: c.id, text: 'Rebook on Friday', author: 'Ana', at: NOW });
        await source.setFollowUp({ sessionId: c.id, state: 'follow-up', snoozedUntil: NOW + DAY, actor: 'Ana', at: NOW });
        const exported = JSON.parse((await source.exportSessions({ format: 'json', sessionId: c.id, limit: 1 })).items[0]!) as ExportedSession;
        const followUp = exported.followUp!;
        expect(followUp).toMatchObject({
          state: 'follow-up',
          priority: 'high',
          snoozedUntil: new Date(NOW + DAY).toISOString(),
          changedBy: 'Ana',
          changedAt: new Date(NOW).toISOString(),
          notes: [{ author: 'Ana', text: 'Rebook on Friday', createdAt: new Date(NOW).toISOString(), updatedAt: new Date(NOW).toISOString() }],
          tags: [{ name: 'VIP', color: 'purple' }],
          caller: { key: 'tel:+14155552671', kind: 'phone' },
        });
        expect(followUp.reasons.map((r) => r.ruleId)).toEqual(['tool-failed']);
        const ndjson = JSON.parse((await source.exportSessions({ format: 'ndjson', sessionId: c.id, limit: 1 })).items[0]!) as ExportedSession;
        expect(ndjson.followUp).toEqual(followUp);

        const target2 = await open();
        await expect(target2.restoreFollowUp(c.id, followUp)).rejects.toThrow(NotFoundError);
        await ingestCalls(target2, [c]);
        await target2.restoreFollowUp(c.id, followUp);
        await target2.restoreFollowUp(c.id, followUp); // importing twice adds nothing twice
        const again = JSON.parse((await target2.exportSessions({ format: 'json', sessionId: c.id, limit: 1 })).items[0]!) as ExportedSession;
        expect(again.followUp).toEqual(followUp);
        expect(await inboxIds(target2, 'snoozed')).toEqual([c.id]);
      });
    });

    describe('summaries', () => {
      it('counts a period: calls by mode, tool errors, refusals and open follow-ups', async () => {
        const store = await open();
        const from = NOW - DAY;
        await ingestCalls(store, [
          call({ at: from + HOUR, transcript: FAILED_BOOKING }),
          call({ at: from + 2 * HOUR, mode: 'text' }),
          call({ at: from + 3 * HOUR }),
          call({ at: from - HOUR, transcript: FAILED_BOOKING }), // the day before
          call({ at: NOW + HOUR }), // after the period
        ]);
        const refusal = { method: 'POST', path: '/webhook', remote: null, eventHeader: null, event: null, sessionId: null, statusCode: 401, reason: 'bad signature', size: 1, latencyMs: 1, headersJson: null };
        await store.logDelivery({ ...refusal, receivedAt: from + 5, outcome: 'rejected' });
        await store.logDelivery({ ...refusal, receivedAt: from + 6, outcome: 'rejected' });
        await store.logDelivery({ ...refusal, receivedAt: from - 6, outcome: 'rejected' });
        await store.logDelivery({ ...refusal, receivedAt: from + 7, outcome: 'ignored', statusCode: 202 });
        expect(await store.periodSummary({ from, to: NOW, now: NOW })).toEqual({ from, to: NOW, calls: 3, voice: 2, text: 1, withToolErrors: 1, refused: 2, openFollowUps: 2 });
      });

      it('profiles activity per local weekday and hour', async () => {
        const store = await open();
        // 2026-05-28 is a Thursday (weekday 4).
        const thursdayNoon = Date.UTC(2026, 4, 28, 12);
        await ingestCalls(store, [
          call({ at: thursdayNoon }),
          call({ at: thursdayNoon + 5 * MINUTE }),
          call({ at: thursdayNoon - DAY + HOUR }), // Wednesday 13:00 UTC
          call({ at: thursdayNoon - 30 * DAY }), // before `since`
        ]);
        const since = thursdayNoon - 7 * DAY;
        const utc = await store.activityProfile({ since, utcOffsetMinutes: 0 });
        expect(utc.counts).toHaveLength(168);
        expect(utc.counts[4 * 24 + 12]).toBe(2);
        expect(utc.counts[3 * 24 + 13]).toBe(1);
        expect(utc.counts.reduce((a, b) => a + b, 0)).toBe(3);
        expect(utc.lastAt).toBe(thursdayNoon + 5 * MINUTE);
        // From the oldest session since `since` (Wednesday) to now.
        expect(utc.days).toBe(Math.max(1, Math.round((Date.now() - (thursdayNoon - DAY + HOUR)) / DAY)));
        // Twelve hours ahead: Thursday noon UTC is midnight on Friday.
        const ahead = await store.activityProfile({ since, utcOffsetMinutes: 12 * 60 });
        expect(ahead.counts[5 * 24 + 0]).toBe(2);
        expect(ahead.counts[4 * 24 + 1]).toBe(1);
        expect(await (await open()).activityProfile({ since, utcOffsetMinutes: 0 })).toEqual({ counts: new Array(168).fill(0), days: expect.any(Number) as number, lastAt: null });
      });
    });
  });
}
