// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ArchiveApi } from '../../shared/api';
import type { FollowUpView, InboxItem, Tag } from '../../shared/follow-up';
import { ApiCallError, setApi } from '../../renderer/src/api/client';
import { App } from '../../renderer/src/App';
import { formatAge, snoozeChoices } from '../../renderer/src/format';
import { CallerView } from '../../renderer/src/views/CallerView';
import { FollowUpPanel } from '../../renderer/src/views/FollowUpPanel';
import { InboxView } from '../../renderer/src/views/InboxView';
import { caller, fakeApi, followUp, inboxItem, session, status } from './fake-api';
import { giveElementsAWindowSize } from './window-size';

beforeAll(giveElementsAWindowSize);

afterEach(() => {
  cleanup();
  window.location.hash = '';
  window.localStorage.clear();
});

const HOUR = 3_600_000;
const page = (items: InboxItem[]) => Promise.resolve({ items, nextCursor: null, total: items.length });
/** Clicks a button once the edit before it has finished (buttons are disabled while one runs). */
async function clickWhenEnabled(name: string) {
  await waitFor(() => expect((screen.getByRole('button', { name }) as HTMLButtonElement).disabled).toBe(false));
  fireEvent.click(screen.getByRole('button', { name }));
}
const rows = (container: HTMLElement) => Array.from(container.querySelectorAll('.inbox-row'));

function renderInbox(api: ArchiveApi, onOpen = vi.fn()) {
  setApi(api);
  const view = render(<InboxView status={status({ followUps: { open: 3, snoozed: 1 } })} openId={null} onOpen={onOpen} />);
  return { ...view, onOpen };
}

describe('format', () => {
  it('says how old an item is in short words', () => {
    const now = Date.UTC(2026, 4, 28, 12);
    expect(formatAge(now - 20_000, now)).toBe('just now');
    expect(formatAge(now - 5 * 60_000, now)).toBe('5 min');
    expect(formatAge(now - 2 * HOUR - 5 * 60_000, now)).toBe('2 h');
    expect(formatAge(now - 3 * 24 * HOUR, now)).toBe('3 days');
    expect(formatAge(now - 24 * HOUR, now)).toBe('1 day');
  });

  it('snoozes to an hour from now, tomorrow 9:00 and the next Monday 9:00', () => {
    const wednesday = new Date(2026, 4, 27, 15, 30).getTime();
    const [hour, tomorrow, monday] = snoozeChoices(wednesday);
    expect(hour!.until).toBe(wednesday + HOUR);
    expect(new Date(tomorrow!.until)).toEqual(new Date(2026, 4, 28, 9, 0));
    expect(new Date(monday!.until)).toEqual(new Date(2026, 5, 1, 9, 0));
    const aMonday = new Date(2026, 5, 1, 8, 0).getTime();
    expect(new Date(snoozeChoices(aMonday)[2]!.until)).toEqual(new Date(2026, 5, 8, 9, 0));
  });
});

describe('Inbox', () => {
  it('says so while the rules are being applied to past calls (items keep arriving)', async () => {
    setApi(fakeApi({ inbox: () => page([inboxItem(1)]) }));
    const triage = { running: true, checked: 25_000, total: 100_000, changed: 800, startedAt: Date.now(), finishedAt: null, error: null };
    render(<InboxView status={status({ followUps: { open: 1, snoozed: 0 }, triage })} openId={null} onOpen={vi.fn()} />);
    await waitFor(() => expect(screen.getByText(/Applying the rules to past calls… 25%/)).toBeTruthy());
    cleanup();
    setApi(fakeApi({ inbox: () => page([inboxItem(1)]) }));
    render(<InboxView status={status({ followUps: { open: 1, snoozed: 0 }, triage: { ...triage, running: false, checked: 100_000, finishedAt: Date.now() } })} openId={null} onOpen={vi.fn()} />);
    await waitFor(() => expect(screen.getByText(/1 item to follow up/)).toBeTruthy());
    expect(screen.queryByText(/Applying the rules/)).toBeNull();
  });

  it('lists items in the order given, with priority in words, the reason, the caller, the first words and the age', async () => {
    const now = Date.now();
    const items = [
      inboxItem(5, {
        priority: 'high',
        sortAt: now - 3 * 24 * HOUR,
        reasons: [
          { ruleId: 'tool-failed', text: 'Booking failed: upstream timeout', priority: 'high' },
          { ruleId: 'files', text: 'The caller sent files', priority: 'normal' },
        ],
        caller: caller({ calls7d: 3, calls30d: 4 }),
        tags: [{ id: 1, name: 'VIP', color: 'purple' }],
        firstUserLine: 'I need to move my appointment',
      }),
      inboxItem(1, { priority: 'normal', sortAt: now - 2 * HOUR - 60_000 }),
      inboxItem(9, { priority: 'low', sortAt: now - 10 * 60_000 }),
    ];
    const { container } = renderInbox(fakeApi({ inbox: () => page(items) }));
    await waitFor(() => expect(rows(container)).toHaveLength(3));
    const [first, second, third] = rows(container);
    expect(first!.textContent).toContain('High');
    expect(first!.textContent).toContain('Booking failed: upstream timeout +1 more');
    expect(first!.textContent).toContain('+1 555-0100');
    expect(first!.textContent).toContain('3 calls this week');
    expect(first!.textContent).toContain('VIP');
    expect(first!.textContent).toContain('I need to move my appointment');
    expect(first!.querySelector('time')!.textContent).toBe('3 days');
    expect(first!.querySelector('time')!.getAttribute('title')).toMatch(/\d/);
    expect(second!.textContent).toContain('Normal');
    expect(second!.querySelector('time')!.textContent).toBe('2 h');
    expect(third!.textContent).toContain('Low');
    expect(third!.querySelector('time')!.textContent).toBe('10 min');
    expect(screen.getByRole('tab', { name: 'Open (3)' })).toBeTruthy();
    expect(screen.getByRole('tab', { name: 'Snoozed (1)' })).toBeTruthy();
  });

  it('moves with j/k and arrows, opens with Enter and o, marks done with d and makes the next item active', async () => {
    const setFollowUp = vi.fn((args: { sessionId: string }) => Promise.resolve(followUp(args.sessionId, { state: 'done' })));
    const { container, onOpen } = renderInbox(fakeApi({ inbox: () => page([inboxItem(0), inboxItem(1), inboxItem(2)]), setFollowUp: setFollowUp as never }));
    await waitFor(() => expect(rows(container)).toHaveLength(3));
    const list = screen.getByRole('listbox');
    fireEvent.keyDown(list, { key: 'j' });
    expect(list.getAttribute('aria-activedescendant')).toBe('inbox-row-1');
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    fireEvent.keyDown(list, { key: 'k' });
    expect(list.getAttribute('aria-activedescendant')).toBe('inbox-row-1');
    fireEvent.keyDown(list, { key: 'Enter' });
    expect(onOpen).toHaveBeenLastCalledWith('session-1');
    fireEvent.keyDown(list, { key: 'o' });
    expect(onOpen).toHaveBeenCalledTimes(2);

    fireEvent.keyDown(list, { key: 'd' });
    await waitFor(() => expect(rows(container)).toHaveLength(2));
    expect(setFollowUp).toHaveBeenCalledWith({ sessionId: 'session-1', state: 'done', snoozedUntil: null });
    // The item after it (session-2) is now at the same place, and active.
    expect(list.getAttribute('aria-activedescendant')).toBe('inbox-row-1');
    expect(rows(container)[1]!.textContent).toContain('Caller line 2');
  });

  it('keeps only the visible rows in the DOM for 10,000 items, and asks for the next page with the cursor', async () => {
    const first = Array.from({ length: 200 }, (_, i) => inboxItem(i));
    const inbox = vi.fn((args: { cursor?: string }) =>
      Promise.resolve(args.cursor ? { items: [inboxItem(200)], nextCursor: null, total: 10_000 } : { items: first, nextCursor: 'after-200', total: 10_000 }),
    );
    const { container } = renderInbox(fakeApi({ inbox: inbox as never }));
    await waitFor(() => expect(rows(container).length).toBeGreaterThan(5));
    expect(rows(container).length).toBeLessThan(40);
    expect(screen.getByText(/10,000 items to follow up/)).toBeTruthy();
    const list = screen.getByRole('listbox');
    fireEvent.keyDown(list, { key: 'End' });
    // happy-dom does not scroll by itself: scroll as the browser would, to the end.
    list.scrollTop = 200 * 84 - 900;
    fireEvent.scroll(list);
    await waitFor(() => expect(inbox).toHaveBeenCalledWith({ view: 'open', limit: 200, cursor: 'after-200' }));
    expect(rows(container).length).toBeLessThan(40);
  });

  it('snoozes with s and a choice from the small menu', async () => {
    const setFollowUp = vi.fn((args: { sessionId: string }) => Promise.resolve(followUp(args.sessionId)));
    const { container } = renderInbox(fakeApi({ inbox: () => page([inboxItem(0, { priority: 'high' }), inboxItem(1)]), setFollowUp: setFollowUp as never }));
    await waitFor(() => expect(rows(container)).toHaveLength(2));
    const before = Date.now();
    fireEvent.keyDown(screen.getByRole('listbox'), { key: 's' });
    const menu = screen.getByRole('menu', { name: 'Snooze until' });
    expect(within(menu).getByRole('menuitem', { name: /Tomorrow 9:00/ })).toBeTruthy();
    expect(within(menu).getByRole('menuitem', { name: /Next Monday 9:00/ })).toBeTruthy();
    fireEvent.keyDown(menu, { key: '1' });
    await waitFor(() => expect(rows(container)).toHaveLength(1));
    const args = setFollowUp.mock.calls[0]![0] as unknown as { sessionId: string; state: string; snoozedUntil: number; priority: string };
    expect(args).toMatchObject({ sessionId: 'session-0', state: 'follow-up', priority: 'high' });
    expect(args.snoozedUntil).toBeGreaterThanOrEqual(before + HOUR);
    expect(args.snoozedUntil).toBeLessThan(before + HOUR + 10_000);
    expect(screen.queryByRole('menu')).toBeNull();
  });

  it('shows what went wrong when an action is refused, and keeps the item', async () => {
    const { container } = renderInbox(fakeApi({ inbox: () => page([inboxItem(0)]), setFollowUp: () => Promise.reject(new ApiCallError('The archive is read-only.', 'failed', 500)) }));
    await waitFor(() => expect(rows(container)).toHaveLength(1));
    fireEvent.keyDown(screen.getByRole('listbox'), { key: 'd' });
    expect((await screen.findByRole('alert')).textContent).toContain('The archive is read-only.');
    expect(rows(container)).toHaveLength(1);
  });

  it('refreshes live when a follow-up changes elsewhere', async () => {
    let items = [inboxItem(0)];
    const api = fakeApi({ inbox: () => page(items) });
    const { container } = renderInbox(api);
    await waitFor(() => expect(rows(container)).toHaveLength(1));
    items = [inboxItem(7, { firstUserLine: 'A new failed booking' }), inboxItem(0)];
    act(() => api.emit({ type: 'follow-up', sessionId: 'session-7' }));
    expect(await screen.findByText('A new failed booking', {}, { timeout: 2000 })).toBeTruthy();
  });

  it('says calmly when there is nothing to follow up, and where the rules are', async () => {
    renderInbox(fakeApi());
    expect(await screen.findByRole('heading', { name: 'Nothing to follow up' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Setup → Follow-up rules' }).getAttribute('href')).toBe('#/setup/rules-title');
  });

  it('shows recent alerts above the list, newest first, and remembers a dismissal', async () => {
    const now = Date.now();
    const alerts = [
      { id: 'a1', kind: 'summary' as const, at: now - HOUR, title: 'Yesterday: 12 calls', body: '3 open follow-ups, 1 failure' },
      { id: 'a2', kind: 'refusals' as const, at: now - 60_000, title: 'Deliveries are being refused', body: 'The secret in CallAIder and here differ: fix it in Setup.' },
      { id: 'a3', kind: 'ended' as const, at: now, title: 'Call ended', body: 'not shown here' },
    ];
    const api = fakeApi({ listAlerts: () => Promise.resolve({ alerts }) });
    renderInbox(api);
    const list = await screen.findByRole('list', { name: 'Recent alerts' });
    const items = within(list).getAllByRole('listitem');
    expect(items.map((li) => li.querySelector('strong')!.textContent)).toEqual(['Deliveries are being refused', 'Yesterday: 12 calls']);
    fireEvent.click(within(list).getByRole('button', { name: 'Dismiss: Deliveries are being refused' }));
    expect(within(list).getAllByRole('listitem')).toHaveLength(1);
    cleanup();
    renderInbox(api);
    const again = await screen.findByRole('list', { name: 'Recent alerts' });
    expect(again.textContent).not.toContain('refused');
    act(() => api.emit({ type: 'alert', alert: { id: 'a4', kind: 'quiet', at: Date.now(), title: 'No calls for 3 hours', body: 'Usually calls come now.' } }));
    expect(await screen.findByText('No calls for 3 hours')).toBeTruthy();
  });
});

describe('App and the inbox', () => {
  it('opens on the inbox when there is something to follow up, with the open count on its tab', async () => {
    setApi(fakeApi({ status: () => Promise.resolve(status({ followUps: { open: 4, snoozed: 0 } })), inbox: () => page([inboxItem(0)]) }));
    render(<App />);
    await waitFor(() => expect(window.location.hash).toBe('#/inbox'));
    const tab = await screen.findByRole('link', { name: /Inbox/ });
    expect(tab.getAttribute('aria-current')).toBe('page');
    expect(within(tab).getByLabelText('4 to follow up').textContent).toBe('4');
  });

  it('keeps a route the URL already names', async () => {
    window.location.hash = '#/deliveries';
    setApi(fakeApi({ status: () => Promise.resolve(status({ followUps: { open: 4, snoozed: 0 } })) }));
    render(<App />);
    await screen.findByRole('link', { name: /Inbox/ });
    expect(window.location.hash).toBe('#/deliveries');
  });

  it('shows the caller, follow-up state and tags in the Sessions list', async () => {
    const items = [
      session(1, { caller: caller({ calls7d: 2, calls30d: 2 }), followUpState: 'follow-up', priority: 'high', snoozedUntil: Date.now() + HOUR, tags: [{ id: 3, name: 'Refund', color: 'red' }] }),
      session(2, { followUpState: 'done' }),
      session(3, { followUpState: 'follow-up', priority: 'normal' }),
    ];
    setApi(fakeApi({ listSessions: () => Promise.resolve({ items, nextCursor: null, total: 3 }) }));
    window.location.hash = '#/sessions';
    render(<App />);
    expect(await screen.findByText('+1 555-0100')).toBeTruthy();
    expect(screen.getByText('2 calls this week')).toBeTruthy();
    expect(screen.getByText('Snoozed')).toBeTruthy();
    expect(screen.getByText('Refund')).toBeTruthy();
    expect(screen.getByText('Done')).toBeTruthy();
    expect(screen.getByText('To follow up')).toBeTruthy();
  });

  it('filters Sessions by follow-up state and tag', async () => {
    const listSessions = vi.fn(() => Promise.resolve({ items: [session(1)], nextCursor: null, total: 1 }));
    setApi(fakeApi({ listSessions, listTags: () => Promise.resolve({ tags: [{ id: 7, name: 'Refund', color: 'red', sessions: 2 }] }) }));
    window.location.hash = '#/sessions';
    render(<App />);
    fireEvent.click(await screen.findByRole('button', { name: /^Filters/ }));
    fireEvent.change(screen.getByLabelText('Follow-up'), { target: { value: 'snoozed' } });
    await waitFor(() => expect(listSessions).toHaveBeenLastCalledWith(expect.objectContaining({ filters: { followUp: 'snoozed' } })));
    fireEvent.change(await screen.findByLabelText('Tag'), { target: { value: '7' } });
    await waitFor(() => expect(listSessions).toHaveBeenLastCalledWith(expect.objectContaining({ filters: { followUp: 'snoozed', tagId: 7 } })));
  });
});

describe('FollowUpPanel', () => {
  const panelApi = (view: FollowUpView, overrides: Partial<ArchiveApi> = {}) => {
    const getFollowUp = vi.fn(() => Promise.resolve(view));
    const api = fakeApi({ getFollowUp, ...overrides });
    setApi(api);
    return { api, getFollowUp };
  };

  it('changes the state with the version last seen, and shows who changed it', async () => {
    const setFollowUp = vi.fn((args: { sessionId: string }) => Promise.resolve(followUp(args.sessionId, { state: 'done', version: 4, changedBy: 'Ana', changedAt: Date.now() })));
    panelApi(followUp('s1', { version: 3 }), { setFollowUp: setFollowUp as never });
    render(<FollowUpPanel sessionId="s1" caller={null} />);
    expect(await screen.findByText('Booking failed: upstream timeout')).toBeTruthy();
    expect(screen.getByText(/Set by the rules/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'To follow up' }).getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Done' }).getAttribute('aria-pressed')).toBe('true'));
    expect(setFollowUp).toHaveBeenCalledWith({ sessionId: 's1', state: 'done', snoozedUntil: null, expectedVersion: 3 });
    expect(screen.getByText(/Changed by Ana/)).toBeTruthy();
  });

  it('changes the priority', async () => {
    const setFollowUp = vi.fn((args: { sessionId: string }) => Promise.resolve(followUp(args.sessionId, { priority: 'high', version: 2 })));
    panelApi(followUp('s1', { version: 1 }), { setFollowUp: setFollowUp as never });
    render(<FollowUpPanel sessionId="s1" caller={null} />);
    fireEvent.change(await screen.findByLabelText('Priority'), { target: { value: 'high' } });
    await waitFor(() => expect(setFollowUp).toHaveBeenCalledWith({ sessionId: 's1', state: 'follow-up', snoozedUntil: null, priority: 'high', expectedVersion: 1 }));
  });

  it('on a conflict says so and reloads what is current', async () => {
    const { getFollowUp } = panelApi(followUp('s1', { version: 3 }), {
      setFollowUp: () => Promise.reject(new ApiCallError('Ana changed this follow-up meanwhile.', 'conflict', 409)),
    });
    render(<FollowUpPanel sessionId="s1" caller={null} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Done' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Ana changed this follow-up meanwhile.');
    await waitFor(() => expect(getFollowUp).toHaveBeenCalledTimes(2));
  });

  it('adds a note, edits one, and shows why an edit was refused', async () => {
    const note = { id: 11, sessionId: 's1', author: 'Ana', text: 'Promised a call back at 3', createdAt: Date.now() - HOUR, updatedAt: Date.now() - HOUR };
    const addNote = vi.fn((args: { sessionId: string; text: string }) => Promise.resolve(followUp('s1', { notes: [note, { ...note, id: 12, text: args.text, createdAt: Date.now(), updatedAt: Date.now() }] })));
    const editNote = vi
      .fn()
      .mockResolvedValueOnce(followUp('s1', { notes: [{ ...note, text: 'Promised a call back at 4', updatedAt: Date.now() }] }))
      .mockRejectedValueOnce(new ApiCallError('Only Ana can edit this note.', 'bad-request', 400));
    panelApi(followUp('s1', { notes: [note] }), { addNote: addNote as never, editNote: editNote as never });
    render(<FollowUpPanel sessionId="s1" caller={null} />);
    expect(await screen.findByText('Promised a call back at 3')).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Add a note'), { target: { value: '  Called back, no answer  ' } });
    await clickWhenEnabled('Add note');
    expect(await screen.findByText('Called back, no answer')).toBeTruthy();
    expect(addNote).toHaveBeenCalledWith({ sessionId: 's1', text: 'Called back, no answer' });
    await waitFor(() => expect((screen.getByLabelText('Add a note') as HTMLTextAreaElement).value).toBe(''));

    fireEvent.click(screen.getAllByRole('button', { name: 'Edit note' })[0]!);
    fireEvent.change(screen.getByLabelText('Edit the note'), { target: { value: 'Promised a call back at 4' } });
    await clickWhenEnabled('Save');
    expect(await screen.findByText('Promised a call back at 4')).toBeTruthy();
    expect(editNote).toHaveBeenCalledWith({ noteId: 11, text: 'Promised a call back at 4', expectedUpdatedAt: note.updatedAt });

    fireEvent.click(screen.getAllByRole('button', { name: 'Edit note' })[0]!);
    await clickWhenEnabled('Save');
    expect((await screen.findByRole('alert')).textContent).toContain('Only Ana can edit this note.');
  });

  it('adds an existing tag, creates a new one in a colour, and removes one', async () => {
    const vip = { id: 1, name: 'VIP', color: 'purple' as const };
    const known = new Map<number, Tag>([[1, vip], [2, { id: 2, name: 'Callback', color: 'blue' }]]);
    let onSession: Tag[] = [vip];
    const tagSession = vi.fn((args: { tagId: number; on: boolean }) => {
      onSession = args.on ? [...onSession, known.get(args.tagId)!] : onSession.filter((t) => t.id !== args.tagId);
      return Promise.resolve(followUp('s1', { tags: onSession }));
    });
    const saveTag = vi.fn((args: { name: string; color: string }) => {
      known.set(9, { id: 9, name: args.name, color: args.color as Tag['color'] });
      return Promise.resolve(known.get(9)!);
    });
    panelApi(followUp('s1', { tags: [vip] }), {
      tagSession: tagSession as never,
      saveTag: saveTag as never,
      listTags: () => Promise.resolve({ tags: [{ ...vip, sessions: 3 }, { id: 2, name: 'Callback', color: 'blue', sessions: 1 }] }),
    });
    render(<FollowUpPanel sessionId="s1" caller={null} />);
    expect(await screen.findByText('VIP')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: '+ Add tag' }));
    fireEvent.change(await screen.findByLabelText('Tag'), { target: { value: '2' } });
    await clickWhenEnabled('Add');
    await waitFor(() => expect(tagSession).toHaveBeenCalledWith({ sessionId: 's1', tagId: 2, on: true }));
    expect(await screen.findByText('Callback')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: '+ Add tag' }));
    // Every existing tag is on this session already: the form offers a new one straight away.
    fireEvent.change(await screen.findByLabelText('New tag name'), { target: { value: 'Refund' } });
    expect(screen.queryByLabelText('Tag')).toBeNull();
    fireEvent.change(screen.getByLabelText('Tag colour'), { target: { value: 'red' } });
    await clickWhenEnabled('Add');
    await waitFor(() => expect(tagSession).toHaveBeenLastCalledWith({ sessionId: 's1', tagId: 9, on: true }));
    expect(saveTag).toHaveBeenCalledWith({ name: 'Refund', color: 'red' });
    expect(screen.getByText('Refund').className).toContain('tag-red');

    fireEvent.click(screen.getByRole('button', { name: 'Remove tag VIP' }));
    await waitFor(() => expect(tagSession).toHaveBeenLastCalledWith({ sessionId: 's1', tagId: 1, on: false }));
    await waitFor(() => expect(screen.queryByText('VIP')).toBeNull());
  });

  it('shows the caller with a tel: link, copy, the returning badge and their page', async () => {
    panelApi(followUp('s1'));
    render(<FollowUpPanel sessionId="s1" caller={caller({ calls7d: 3, calls30d: 5 })} />);
    const link = await screen.findByRole('link', { name: '+1 555-0100' });
    expect(link.getAttribute('href')).toBe('tel:+15550100');
    expect(screen.getByRole('button', { name: 'Copy +1 555-0100' })).toBeTruthy();
    expect(screen.getByText(/returning caller · 3 in 7 days · 5 in 30 days/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'All calls from this caller' }).getAttribute('href')).toBe('#/callers/tel%3A%2B15550100');
  });
});

describe('CallerView', () => {
  it("shows the caller's counts, open follow-ups, notes and every session, and sends the caller to Sessions", async () => {
    const now = Date.now();
    const getCaller = vi.fn(() =>
      Promise.resolve({
        caller: { ...caller({ key: 'mailto:ana@example.com', label: 'ana@example.com', kind: 'email' as const, calls7d: 2, calls30d: 3 }), sessions: 3, firstAt: now - 20 * 24 * HOUR, lastAt: now - HOUR },
        sessions: { items: [session(1, { firstUserLine: 'Newest call' }), session(2, { firstUserLine: 'Older call' })], nextCursor: null, total: 3 },
        openFollowUps: [inboxItem(1, { reasons: [{ ruleId: 'asked-for-person', text: 'Asked for a person', priority: 'high' }], priority: 'high' })],
        notes: [{ id: 5, sessionId: 'session-2', author: 'Ben', text: 'Wants the invoice by mail', createdAt: now - 2 * HOUR, updatedAt: now - 2 * HOUR }],
      }),
    );
    setApi(fakeApi({ getCaller }));
    const onShow = vi.fn();
    render(<CallerView callerKey="mailto:ana@example.com" onShowInSessions={onShow} onErased={vi.fn()} />);
    const link = await screen.findByRole('link', { name: 'ana@example.com' });
    expect(link.getAttribute('href')).toBe('mailto:ana@example.com');
    expect(getCaller).toHaveBeenCalledWith({ key: 'mailto:ana@example.com', limit: 100 });
    expect(screen.getByText('2 calls this week')).toBeTruthy();
    expect(within(screen.getByRole('list', { name: 'Open follow-ups' })).getByText('Asked for a person')).toBeTruthy();
    expect(screen.getByText('Wants the invoice by mail')).toBeTruthy();
    const sessions = screen.getByRole('listbox', { name: /Calls from ana@example.com/ });
    expect(within(sessions).getAllByRole('option').map((o) => o.querySelector('.row-words')!.textContent)).toEqual(['Newest call', 'Older call']);
    fireEvent.click(screen.getByRole('button', { name: 'Show in Sessions' }));
    expect(onShow).toHaveBeenCalledWith('mailto:ana@example.com', 'ana@example.com');
  });
});
