// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SessionDetail } from '../../shared/api';
import { setApi } from '../../renderer/src/api/client';
import { ContactPrivacyProvider, HideContactsToggle } from '../../renderer/src/contact-privacy';
import { SessionDetailPane } from '../../renderer/src/views/SessionDetail';
import { caller, fakeApi, session } from './fake-api';
import { giveElementsAWindowSize } from './window-size';

beforeAll(giveElementsAWindowSize);
beforeEach(() => window.localStorage.clear());
afterEach(cleanup);

const SAID = 'Call me back on +1 (415) 555-0134 or write to jane.doe@example.com';
const ARGUMENTS = '{"phone":"+14155550134","email":"jane.doe@example.com","partySize":12345678}';

function detail(): SessionDetail {
  return {
    ...session(1),
    metadata: { customerPhone: '+1 415 555 0134', plan: 'gold' },
    receivedStartedAt: null,
    receivedEndedAt: null,
    redactions: 0,
    caller: { ...caller({ key: 'tel:+14155550134', label: '+1 415-555-0134' }), firstAt: 0, lastAt: 0, sessions: 1 },
  } as SessionDetail;
}

function open(exports: Array<Record<string, unknown>> = []) {
  setApi(
    fakeApi({
      getSession: () => Promise.resolve(detail()),
      getMessages: () =>
        Promise.resolve({
          items: [
            { seq: 0, role: 'user', content: SAID, timestampMs: null, toolCall: null, files: [] },
            { seq: 1, role: 'assistant', content: '', timestampMs: null, toolCall: { name: 'book', arguments: ARGUMENTS, result: null, error: null }, files: [] },
          ],
          total: 2,
        }),
      exportSession: (args) => {
        exports.push(args);
        return Promise.resolve({ filename: 'x.md', mimeType: 'text/markdown', content: '# x' });
      },
    }),
  );
  return render(
    <ContactPrivacyProvider>
      <HideContactsToggle />
      <SessionDetailPane sessionId="session-1" query="" onClose={() => {}} onDeleted={() => {}} />
    </ContactPrivacyProvider>,
  );
}

describe('"Hide contacts" in the window', () => {
  it('shows contact details as received until asked to hide them', async () => {
    open();
    expect(await screen.findByText(SAID)).toBeTruthy();
    expect(screen.getByRole('button', { name: /Hide contacts/ }).getAttribute('aria-pressed')).toBe('false');
    expect(document.querySelector('a[href^="tel:"]')).not.toBeNull();
  });

  it('masks phone numbers and e-mail addresses in the transcript, tool calls, metadata and caller, and keeps numbers that are not contacts', async () => {
    open();
    await screen.findByText(SAID);
    fireEvent.click(screen.getByRole('button', { name: /Hide contacts/ }));
    expect(await screen.findByText('Call me back on +• (•••) •••-••34 or write to j•••@example.com')).toBeTruthy();
    const page = document.body.textContent ?? '';
    for (const secret of ['555-0134', '5550134', 'jane.doe', '555 0134']) expect(page).not.toContain(secret);
    // The tool's arguments are still readable JSON: its numbers stay numbers, only its strings are masked.
    expect(page).toContain('"partySize": 12345678');
    expect(page).toContain('"email": "j•••@example.com"');
    // No tel: link gives the number away on hover, and Copy copies what is shown.
    expect(document.querySelector('a[href^="tel:"]')).toBeNull();
    expect(screen.getByRole('button', { name: /Contacts hidden/ }).getAttribute('aria-pressed')).toBe('true');
  });

  it('exports masked while contact details are hidden', async () => {
    const exports: Array<Record<string, unknown>> = [];
    open(exports);
    await screen.findByText(SAID);
    fireEvent.click(screen.getByRole('button', { name: 'Export Markdown' }));
    fireEvent.click(screen.getByRole('button', { name: /Hide contacts/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Export Markdown' }));
    await waitFor(() => expect(exports).toHaveLength(2));
    expect(exports[0]).toEqual({ sessionId: 'session-1', format: 'md' });
    expect(exports[1]).toEqual({ sessionId: 'session-1', format: 'md', mask: true });
  });

  it('remembers the choice for this window', async () => {
    const first = open();
    await screen.findByText(SAID);
    fireEvent.click(screen.getByRole('button', { name: /Hide contacts/ }));
    first.unmount();
    open();
    expect(await screen.findByText(/Call me back on \+• \(•••\)/)).toBeTruthy();
  });
});
