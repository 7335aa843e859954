// @vitest-environment happy-dom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionDetail } from '../../shared/api';
import { setApi } from '../../renderer/src/api/client';
import { SessionDetailPane } from '../../renderer/src/views/SessionDetail';
import { fakeApi, session } from './fake-api';
import { giveElementsAWindowSize } from './window-size';

beforeAll(giveElementsAWindowSize);
afterEach(cleanup);

function detail(redactions: number): SessionDetail {
  return { ...session(1), metadata: null, receivedStartedAt: null, receivedEndedAt: null, redactions };
}

function open(redactions: number) {
  setApi(
    fakeApi({
      getSession: () => Promise.resolve(detail(redactions)),
      getMessages: () =>
        Promise.resolve({ items: [{ seq: 0, role: 'user', content: 'My card is •••• •••• •••• 4242', timestampMs: null, toolCall: null, files: [] }], total: 1 }),
    }),
  );
  render(<SessionDetailPane sessionId="session-1" query="" onClose={() => {}} onDeleted={() => {}} />);
}

describe('the session detail says when card data was removed', () => {
  it('says how many values were removed, calmly (a note, not an error)', async () => {
    open(2);
    const note = await screen.findByRole('note');
    expect(note.textContent).toBe('2 card numbers and security codes were removed before storing.');
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByText('My card is •••• •••• •••• 4242')).toBeTruthy();
  });

  it('says nothing when nothing was removed', async () => {
    open(0);
    await screen.findByText('My card is •••• •••• •••• 4242');
    expect(screen.queryByText(/removed before storing/)).toBeNull();
  });
});
