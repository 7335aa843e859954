// @vitest-environment happy-dom
import { createRef } from 'react';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { HIGHLIGHT_END, HIGHLIGHT_START, type SessionFilters } from '../../shared/api';
import { ApiCallError, setApi } from '../../renderer/src/api/client';
import { App } from '../../renderer/src/App';
import { Highlighted } from '../../renderer/src/components/common';
import { FilterBar } from '../../renderer/src/views/FilterBar';
import { SessionList } from '../../renderer/src/views/SessionList';
import { SettingsCard } from '../../renderer/src/views/SettingsCard';
import { SetupView } from '../../renderer/src/views/SetupView';
import { giveElementsAWindowSize } from './window-size';
import { fakeApi, session, status } from './fake-api';

beforeAll(giveElementsAWindowSize);

afterEach(() => {
  cleanup();
  window.location.hash = '';
});

describe('Highlighted', () => {
  it('marks the matches and renders everything else as text, never as HTML', () => {
    const { container } = render(<Highlighted text={`call the ${HIGHLIGHT_START}dentist${HIGHLIGHT_END} <img src=x onerror=alert(1)>`} />);
    expect(container.querySelectorAll('mark')).toHaveLength(1);
    expect(container.querySelector('mark')!.textContent).toBe('dentist');
    expect(container.querySelector('img')).toBeNull();
    expect(container.textContent).toContain('<img src=x onerror=alert(1)>');
  });
});

describe('FilterBar', () => {
  it('reports each filter change and clears them all', () => {
    let filters: SessionFilters = {};
    const onChange = vi.fn((next: SessionFilters) => (filters = next));
    const { rerender } = render(<FilterBar filters={filters} facets={{ reasons: ['timeout', 'user_ended'], assistants: ['1', '2'], oldestSortAt: null, newestSortAt: null }} onChange={onChange} />);
    fireEvent.click(screen.getByLabelText('Tool errors'));
    expect(filters).toEqual({ hasToolErrors: true });
    rerender(<FilterBar filters={filters} facets={null} onChange={onChange} />);
    fireEvent.change(screen.getByLabelText('Mode'), { target: { value: 'voice' } });
    expect(filters).toEqual({ hasToolErrors: true, mode: 'voice' });
    rerender(<FilterBar filters={filters} facets={null} onChange={onChange} />);
    fireEvent.click(screen.getByRole('button', { name: 'Clear 2 filters' }));
    expect(filters).toEqual({});
  });
});

describe('App', () => {
  it('shows the empty archive with a way to connect CallAIder and to load demo data', async () => {
    setApi(fakeApi());
    render(<App />);
    expect(await screen.findByRole('heading', { name: 'No calls archived yet' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Load demo data' })).toBeTruthy();
    expect(screen.getByRole('searchbox').getAttribute('placeholder')).toMatch(/^Search/);
  });

  it('puts the most important warning in a banner', async () => {
    setApi(fakeApi({ status: () => Promise.resolve(status({ warnings: [{ code: 'no-secret', message: 'No webhook secret is set.' }] })) }));
    render(<App />);
    expect((await screen.findByRole('alert')).textContent).toContain('No webhook secret is set.');
  });

  it('explains how to open the archive when the token is missing', async () => {
    setApi(fakeApi({ status: () => Promise.reject(new ApiCallError('unauthorized', 'unauthorized', 401)) }));
    render(<App />);
    expect(await screen.findByRole('heading', { name: 'Open the archive with its link' })).toBeTruthy();
  });

  it('adds sessions that arrive live, without a reload', async () => {
    let items = [session(1)];
    const api = fakeApi({ listSessions: () => Promise.resolve({ items, nextCursor: null, total: items.length }) });
    setApi(api);
    render(<App />);
    expect(await screen.findByText('Caller line 1')).toBeTruthy();
    items = [session(0, { firstUserLine: 'A brand new call' }), session(1)];
    act(() => api.emit({ type: 'session', sessionId: 'session-0', event: 'session.ended', duplicate: false }));
    expect(await screen.findByText('A brand new call', {}, { timeout: 2000 })).toBeTruthy();
  });

  it('marks sessions with tool errors, files and no end', async () => {
    const items = [session(1, { toolErrorCount: 2, fileCount: 3 }), session(2, { status: 'active', stale: true, endedAt: null })];
    setApi(fakeApi({ listSessions: () => Promise.resolve({ items, nextCursor: null, total: 2 }) }));
    render(<App />);
    expect(await screen.findByText('2 tool errors')).toBeTruthy();
    const files = screen.getByTitle('3 file(s)');
    expect(files.textContent?.trim()).toBe('3');
    expect(files.querySelector('svg[aria-hidden="true"]')).toBeTruthy(); // drawn, not an emoji a font may lack
    expect(screen.getByText('no end')).toBeTruthy();
  });
});

describe('SessionList', () => {
  it('keeps only the visible rows in the DOM for 100,000 sessions, and moves and opens by keyboard', () => {
    const items = Array.from({ length: 100_000 }, (_, i) => session(i));
    const listRef = createRef<HTMLDivElement>();
    const onOpen = vi.fn();
    let active = 0;
    const view = (index: number) => (
      <SessionList items={items} hasMore={false} loadingMore={false} onLoadMore={() => undefined} activeIndex={index} onActiveIndexChange={(i) => (active = i)} openId={null} onOpen={onOpen} listRef={listRef} />
    );
    const { container, rerender } = render(view(0));
    const rows = container.querySelectorAll('.session-row').length;
    expect(rows).toBeGreaterThan(5);
    expect(rows).toBeLessThan(40);
    const list = screen.getByRole('listbox');
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    expect(active).toBe(1);
    rerender(view(1));
    fireEvent.keyDown(list, { key: 'Enter' });
    expect(onOpen).toHaveBeenCalledWith('session-1');
    fireEvent.keyDown(list, { key: 'End' });
    expect(active).toBe(99_999);
  });
});

describe('SetupView', () => {
  it('shows what to paste into CallAIder and runs the end-to-end test', async () => {
    const sendTestEvent = vi.fn(() => Promise.resolve({ ok: true, url: 'https://calm-otter.example.app/webhook', statusCode: 200, latencyMs: 42, sessionId: 's', message: 'Delivered a signed test session.' }));
    setApi(fakeApi({ sendTestEvent }));
    render(<SetupView status={status()} onChanged={() => undefined} />);
    expect(screen.getByTestId('webhook-url').textContent).toBe('https://calm-otter.example.app/webhook');
    fireEvent.click(screen.getByRole('button', { name: 'Show' }));
    await waitFor(() => expect(screen.getByText('the-secret')).toBeTruthy());
    expect(screen.getByRole('button', { name: 'Copy webhook secret' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Send test event' }));
    expect((await screen.findByTestId('test-result')).textContent).toContain('Delivered a signed test session. (42 ms)');
    expect(sendTestEvent).toHaveBeenCalledTimes(1);
  });

  it('warns when CallAIder cannot reach the archive', () => {
    setApi(fakeApi());
    render(<SetupView status={status({ publicWebhookUrl: null, secretConfigured: false })} onChanged={() => undefined} />);
    expect(screen.getByText(/Not reachable from the internet yet/)).toBeTruthy();
    expect(screen.getByText(/No secret is set/)).toBeTruthy();
  });
});

describe('SettingsCard', () => {
  it('saves changed settings and only the secrets that were typed', async () => {
    const updateSettings = vi.fn((update: unknown) => fakeApi().getSettings({}).then((view) => ({ ...view, settings: { ...view.settings, ...(update as { settings: object }).settings } })));
    setApi(fakeApi({ updateSettings: updateSettings as never }));
    render(<SettingsCard onSaved={() => undefined} />);
    fireEvent.click(await screen.findByLabelText('When a call starts'));
    fireEvent.change(screen.getByPlaceholderText('From dashboard.ngrok.com'), { target: { value: 'tok_123' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect((await screen.findByRole('status')).textContent).toContain('Saved.');
    const sent = updateSettings.mock.calls[0]![0] as { settings: { notifyOnStarted: boolean }; secrets: Record<string, string> };
    expect(sent.settings.notifyOnStarted).toBe(true);
    expect(sent.secrets).toEqual({ ngrokAuthtoken: 'tok_123' });
  });

  it('is read-only in headless mode', async () => {
    const api = fakeApi();
    setApi(fakeApi({ getSettings: () => api.getSettings({}).then((view) => ({ ...view, editable: false })) }));
    render(<SettingsCard onSaved={() => undefined} />);
    expect(await screen.findByText(/these are the options/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Save settings' })).toBeNull();
  });
});
