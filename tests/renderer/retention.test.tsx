// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RetentionView } from '../../shared/retention';
import { setApi } from '../../renderer/src/api/client';
import { RetentionCard } from '../../renderer/src/views/RetentionCard';
import { fakeApi } from './fake-api';

afterEach(cleanup);

const CUTOFF = Date.UTC(2025, 10, 27, 12, 0);
const off: RetentionView = { period: 'off', preview: { period: 'off', cutoff: null, sessions: 0, oldestKeptAt: null }, erasures: [], erasureCount: 0 };
const oneYear = (sessions: number): RetentionView['preview'] => ({ period: '1y', cutoff: CUTOFF, sessions, oldestKeptAt: CUTOFF + 3_600_000 });

describe('RetentionCard', () => {
  it('previews what a period erases, exports exactly those first, and saves only after a confirmation', async () => {
    const getRetention = vi.fn(({ period }: { period?: string }) => Promise.resolve(period === '1y' ? { ...off, preview: oneYear(1234) } : off));
    const exportBefore = vi.fn().mockResolvedValue({ filename: 'callaider-sessions-before-2025-11-27.json', mimeType: 'application/json', content: '{"sessions": []}', sessions: 1234 });
    const saved: RetentionView = { period: '1y', preview: oneYear(0), erasures: [{ id: 1, startedAt: CUTOFF, kind: 'retention', sessions: 1234, actor: 'retention', finishedAt: CUTOFF }], erasureCount: 1 };
    const setRetention = vi.fn().mockResolvedValue(saved);
    const onChanged = vi.fn();
    URL.createObjectURL = vi.fn(() => 'blob:x');
    URL.revokeObjectURL = vi.fn();
    setApi(fakeApi({ getRetention, exportBefore, setRetention } as never));
    render(<RetentionCard onChanged={onChanged} />);
    expect((await screen.findByTestId('retention-now')).textContent).toBe('Now: every session is kept.');
    expect(screen.getByText(/None yet/)).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Keep sessions for'), { target: { value: '1y' } });
    const preview = await screen.findByTestId('retention-preview');
    await waitFor(() => expect(preview.textContent).toContain('1,234 sessions started before'));
    expect(getRetention).toHaveBeenLastCalledWith({ period: '1y' });

    fireEvent.click(within(preview).getByRole('button', { name: 'Export these 1,234 sessions first' }));
    await screen.findByText(/Exported 1,234 sessions to callaider-sessions-before-2025-11-27.json/);
    // The export is of exactly the preview's cutoff: what the run would erase.
    expect(exportBefore).toHaveBeenCalledWith({ before: CUTOFF, format: 'json' });
    expect(setRetention).not.toHaveBeenCalled();

    fireEvent.click(within(preview).getByRole('button', { name: 'Keep 1 year' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toContain('Erase 1,234 sessions now?');
    expect(dialog.textContent).toContain('This cannot be undone.');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Erase and keep 1 year' }));
    await waitFor(() => expect(setRetention).toHaveBeenCalledWith({ period: '1y' }));
    expect((await screen.findByTestId('retention-now')).textContent).toContain('Now: keeping 1 year.');
    expect(screen.getByRole('list', { name: 'Erasures' }).textContent).toContain('1,234 sessions erased by retention.');
    expect(onChanged).toHaveBeenCalled();
  });

  it('saves without asking when nothing would be erased, and lists erasures without saying which sessions', async () => {
    const view: RetentionView = {
      ...off,
      erasures: [
        { id: 2, startedAt: CUTOFF + 1000, kind: 'caller', sessions: 4, actor: 'ana', finishedAt: CUTOFF + 2000 },
        { id: 1, startedAt: CUTOFF, kind: 'session', sessions: 1, actor: 'ana', finishedAt: null },
      ],
      erasureCount: 2,
    };
    const getRetention = vi.fn(({ period }: { period?: string }) => Promise.resolve(period ? { ...view, preview: { ...oneYear(0), period: period as '7y' } } : view));
    const setRetention = vi.fn().mockResolvedValue({ ...view, period: '7y' });
    setApi(fakeApi({ getRetention, setRetention } as never));
    render(<RetentionCard onChanged={() => undefined} />);
    const list = await screen.findByRole('list', { name: 'Erasures' });
    expect(list.textContent).toContain('4 sessions of one caller erased by ana.');
    expect(list.textContent).toContain('One session erased by ana (still scrubbing).');
    fireEvent.change(screen.getByLabelText('Keep sessions for'), { target: { value: '7y' } });
    await screen.findByText(/nothing would be erased now/);
    fireEvent.click(screen.getByRole('button', { name: 'Keep 7 years' }));
    await waitFor(() => expect(setRetention).toHaveBeenCalledWith({ period: '7y' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});
