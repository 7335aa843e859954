// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CALLER_FIELDS, type CallerSettings } from '../../shared/follow-up';
import type { SettingsUpdate } from '../../shared/settings';
import { setApi } from '../../renderer/src/api/client';
import { CallerSettingsCard } from '../../renderer/src/views/rules/CallerSettingsCard';
import { SettingsCard } from '../../renderer/src/views/SettingsCard';
import { fakeApi } from './fake-api';

afterEach(cleanup);

/** updateSettings as the engine answers it: the view with the change applied. */
function updatingSettings() {
  return vi.fn((update: SettingsUpdate) => fakeApi().getSettings({}).then((view) => ({ ...view, settings: { ...view.settings, ...update.settings } })));
}

describe('SettingsCard: notifications and alerts', () => {
  it('sends the notification choice, the daily summary time and the quiet-hours alert', async () => {
    const updateSettings = updatingSettings();
    setApi(fakeApi({ updateSettings }));
    render(<SettingsCard onSaved={() => undefined} />);
    const every = (await screen.findByRole('radio', { name: 'every ended call' })) as HTMLInputElement;
    expect(every.checked).toBe(true);
    fireEvent.click(screen.getByRole('radio', { name: 'only calls that need follow-up' }));
    expect(every.checked).toBe(false);
    fireEvent.change(screen.getByLabelText('Daily summary time'), { target: { value: '07:15' } });
    fireEvent.click(screen.getByLabelText('Tell me when no call has come for unusually long during usual hours'));
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(updateSettings).toHaveBeenCalledTimes(1));
    expect(updateSettings.mock.calls[0]![0].settings).toMatchObject({ notifyCalls: 'follow-up', dailySummaryAt: '07:15', quietAlerts: false, notifyOnStarted: false });
    expect((await screen.findByRole('status')).textContent).toContain('Saved.');
  });

  it('turns the daily summary off and back on at the time it had', async () => {
    const updateSettings = updatingSettings();
    setApi(fakeApi({ updateSettings }));
    render(<SettingsCard onSaved={() => undefined} />);
    const summary = (await screen.findByLabelText('Daily summary at')) as HTMLInputElement;
    const time = screen.getByLabelText('Daily summary time') as HTMLInputElement;
    expect(summary.checked).toBe(true);
    expect(time.value).toBe('08:30');
    fireEvent.click(summary);
    expect(time.disabled).toBe(true);
    fireEvent.click(screen.getByRole('radio', { name: 'never' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(updateSettings).toHaveBeenCalledTimes(1));
    expect(updateSettings.mock.calls[0]![0].settings).toMatchObject({ notifyCalls: 'none', dailySummaryAt: null });
    fireEvent.click(screen.getByLabelText('Daily summary at'));
    expect((screen.getByLabelText('Daily summary time') as HTMLInputElement).value).toBe('08:30');
  });

  it('shows the summary and quiet-hours options read-only in headless mode, without desktop notifications', async () => {
    const api = fakeApi();
    setApi(fakeApi({ getSettings: () => api.getSettings({}).then((view) => ({ ...view, editable: false, settings: { ...view.settings, dailySummaryAt: '09:00' } })) }));
    render(<SettingsCard onSaved={() => undefined} />);
    const time = (await screen.findByLabelText('Daily summary time')) as HTMLInputElement;
    expect(time.value).toBe('09:00');
    // Disabled by its fieldset, as every serve option is.
    expect(screen.getByLabelText('Tell me when no call has come for unusually long during usual hours').closest('fieldset')!.disabled).toBe(true);
    expect(screen.queryByRole('radio')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Save settings' })).toBeNull();
  });
});

describe('CallerSettingsCard', () => {
  it('saves the fields in order and the country, then follows the re-identification', async () => {
    const saveCallerSettings = vi.fn((settings: CallerSettings) => Promise.resolve({ ...settings, resolvedCountry: settings.defaultCountry ?? 'US' }));
    const api = fakeApi({ saveCallerSettings });
    setApi(api);
    render(<CallerSettingsCard triage={null} />);
    const fields = (await screen.findByLabelText(/Metadata fields that hold the caller/)) as HTMLTextAreaElement;
    expect(fields.value).toBe(DEFAULT_CALLER_FIELDS.join('\n'));
    expect(screen.getByText(/from this computer \(US\)/)).toBeTruthy();

    fireEvent.change(fields, { target: { value: 'patientPhone\n\n  phone \nemail' } });
    const country = screen.getByLabelText('Country for numbers without a country code');
    fireEvent.change(country, { target: { value: 'g1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save caller settings' }));
    expect(screen.getByRole('alert', { name: 'What to fix' }).textContent).toBe('The country is a two-letter country code, like US or GB');
    expect(saveCallerSettings).not.toHaveBeenCalled();

    fireEvent.change(country, { target: { value: 'gb' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save caller settings' }));
    await waitFor(() => expect(saveCallerSettings).toHaveBeenCalledTimes(1));
    expect(saveCallerSettings.mock.calls[0]![0]).toEqual({ fields: ['patientPhone', 'phone', 'email'], defaultCountry: 'GB' });
    expect((await screen.findByText(/Saved\./)).textContent).toContain('matched to their callers again');
    expect(screen.getByTestId('triage-progress').textContent).toBe('Applying rules to past calls…');
    act(() => api.emit({ type: 'triage', progress: { running: true, checked: 500, total: 1_000, changed: 3, startedAt: Date.now(), finishedAt: null, error: null } }));
    expect(screen.getByTestId('triage-progress').textContent).toBe('Applying rules to past calls… 50%');
  });

  it('sends no country (this computer’s) when the field is empty', async () => {
    const saveCallerSettings = vi.fn((settings: CallerSettings) => Promise.resolve({ ...settings, resolvedCountry: 'FR' }));
    setApi(fakeApi({ getCallerSettings: () => Promise.resolve({ fields: ['phone'], defaultCountry: 'DE', resolvedCountry: 'DE' }), saveCallerSettings }));
    render(<CallerSettingsCard triage={null} />);
    const country = (await screen.findByLabelText('Country for numbers without a country code')) as HTMLInputElement;
    expect(country.value).toBe('DE');
    fireEvent.change(country, { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save caller settings' }));
    await waitFor(() => expect(saveCallerSettings).toHaveBeenCalledWith({ fields: ['phone'], defaultCountry: null }));
    expect(await screen.findByText(/from this computer \(FR\)/)).toBeTruthy();
  });
});
