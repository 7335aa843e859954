// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Rule, RuleInput, RulePreviewPage, TriageProgress } from '../../shared/follow-up';
import { ApiCallError, setApi } from '../../renderer/src/api/client';
import { RulesCard } from '../../renderer/src/views/rules/RulesCard';
import { fakeApi } from './fake-api';

afterEach(cleanup);

const NOW = Date.UTC(2026, 4, 28, 12, 0, 0);

function rule(overrides: Partial<Rule> & Pick<Rule, 'id' | 'name' | 'kind'>): Rule {
  return { enabled: true, conditions: [], action: { followUp: true, priority: 'normal', tags: [], notify: false }, updatedAt: NOW, ...overrides };
}

const RULES: Rule[] = [
  rule({ id: 'tool-failed', name: 'A tool call failed', kind: 'tool-failed', action: { followUp: true, priority: 'high', tags: [], notify: true } }),
  rule({ id: 'asked-for-person', name: 'Asked for a person', kind: 'asked-for-person', phrases: ['call me back', 'rappelez-moi'] }),
  rule({ id: 'short-call', name: 'Short call', kind: 'short-call', seconds: 10, enabled: false, action: { followUp: false, priority: 'low', tags: ['hang-up'], notify: false } }),
  rule({
    id: 'custom-1',
    name: 'Refunds',
    kind: 'custom',
    conditions: [
      { field: 'words', who: 'caller', words: ['refund'] },
      { field: 'duration', op: 'gt', seconds: 90 },
    ],
  }),
];

const progress = (overrides: Partial<TriageProgress> = {}): TriageProgress => ({ running: false, checked: 40_000, total: 40_000, changed: 0, startedAt: NOW - 60_000, finishedAt: NOW - 30_000, error: null, ...overrides });

/** saveRule as the engine answers it: the rule back, with an id for a new one. */
const savingRule = () => vi.fn((input: RuleInput) => Promise.resolve({ rule: { ...(input as Rule), id: input.id ?? 'custom-new', conditions: input.conditions ?? [], updatedAt: NOW } }));

function rowOf(name: string): HTMLElement {
  return screen.getByRole('switch', { name }).closest('li')!;
}

describe('RulesCard', () => {
  it('lists the rules in order with what each matches and does, in words', async () => {
    setApi(fakeApi({ listRules: () => Promise.resolve({ rules: RULES, progress: null }) }));
    render(<RulesCard triage={null} />);
    await screen.findByRole('switch', { name: 'A tool call failed' });
    const names = screen.getAllByRole('switch').map((s) => s.getAttribute('aria-label'));
    expect(names).toEqual(['A tool call failed', 'Asked for a person', 'Short call', 'Refunds']);
    expect(rowOf('A tool call failed').textContent).toContain('When a tool call fails → to follow up, high priority, notify');
    expect(rowOf('Asked for a person').textContent).toContain('When the caller asks for a person or a callback (2 phrases) → to follow up, normal priority');
    expect(rowOf('Short call').textContent).toContain('When a voice call is shorter than 10 seconds → tag hang-up');
    expect(rowOf('Refunds').textContent).toContain('When the caller says “refund” and it lasts more than 1 min 30 s → to follow up, normal priority');
    expect((screen.getByRole('switch', { name: 'Short call' }) as HTMLInputElement).checked).toBe(false);
    // Built-in rules can only be switched off; custom ones can be deleted.
    expect(screen.queryByRole('button', { name: 'Delete A tool call failed' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Delete Refunds' })).toBeTruthy();
  });

  it('switches a rule off by saving it with enabled flipped, then follows the re-run it started', async () => {
    const saveRule = savingRule();
    const api = fakeApi({ listRules: () => Promise.resolve({ rules: RULES, progress: progress() }), saveRule });
    setApi(api);
    render(<RulesCard triage={null} />);
    expect((await screen.findByTestId('triage-progress')).textContent).toBe('Rules applied to 40,000 calls');

    fireEvent.click(screen.getByRole('switch', { name: 'A tool call failed' }));
    await waitFor(() => expect((screen.getByRole('switch', { name: 'A tool call failed' }) as HTMLInputElement).checked).toBe(false));
    expect(saveRule).toHaveBeenCalledTimes(1);
    expect(saveRule.mock.calls[0]![0]).toEqual({
      id: 'tool-failed',
      name: 'A tool call failed',
      enabled: false,
      kind: 'tool-failed',
      conditions: [],
      action: { followUp: true, priority: 'high', tags: [], notify: true },
    });
    // The old run's result is not shown as if it were this one's.
    expect(screen.getByTestId('triage-progress').textContent).toBe('Applying rules to past calls…');

    act(() => api.emit({ type: 'triage', progress: progress({ running: true, checked: 14_000, total: 40_000, startedAt: NOW, finishedAt: null }) }));
    expect(screen.getByTestId('triage-progress').textContent).toBe('Applying rules to past calls… 35%');
    act(() => api.emit({ type: 'triage', progress: progress({ running: false, checked: 40_000, total: 40_000, changed: 12, startedAt: NOW, finishedAt: NOW + 5_000 }) }));
    expect(screen.getByTestId('triage-progress').textContent).toBe('Rules applied to 40,000 calls (12 changed)');
  });

  it('builds a custom rule, shows how many past sessions it matches page by page, and saves exactly that rule', async () => {
    const pages: Record<string, RulePreviewPage> = {
      start: { checked: 1_000, matched: 2, examples: ['s-1', 's-2'], total: 2_500, nextAfter: 1_000 },
      1000: { checked: 1_000, matched: 0, examples: [], total: 2_500, nextAfter: 2_000 },
      2000: { checked: 500, matched: 1, examples: ['s-3'], total: 2_500, nextAfter: null },
    };
    const previewRule = vi.fn(({ after }: { rule: RuleInput; after?: number }) => Promise.resolve(pages[after === undefined ? 'start' : String(after)]!));
    const saveRule = savingRule();
    setApi(fakeApi({ listRules: () => Promise.resolve({ rules: RULES, progress: null }), previewRule, saveRule }));
    render(<RulesCard triage={null} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Add a rule' }));
    const editor = screen.getByRole('form', { name: 'New rule' });
    const inEditor = within(editor);
    expect(editor.textContent).toContain('Once the rule is complete');

    fireEvent.change(inEditor.getByLabelText('Name'), { target: { value: 'Refund requests' } });
    fireEvent.change(inEditor.getByLabelText('Condition 1: values, separated by commas'), { target: { value: 'refund, money back,' } });
    fireEvent.click(inEditor.getByRole('button', { name: 'Add condition' }));
    fireEvent.change(inEditor.getByLabelText('Condition 2: what'), { target: { value: 'tool-failed' } });
    fireEvent.click(inEditor.getByRole('button', { name: 'Add condition' }));
    fireEvent.change(inEditor.getByLabelText('Condition 3: what'), { target: { value: 'metadata' } });
    fireEvent.change(inEditor.getByLabelText('Condition 3: field name'), { target: { value: 'plan' } });
    fireEvent.change(inEditor.getByLabelText('Condition 3: test'), { target: { value: 'exists' } });
    fireEvent.change(inEditor.getByLabelText('Priority'), { target: { value: 'high' } });
    fireEvent.change(inEditor.getByLabelText('Tags to add'), { target: { value: 'billing' } });
    fireEvent.click(inEditor.getByLabelText('Notify me'));

    const expected = {
      name: 'Refund requests',
      enabled: true,
      kind: 'custom',
      conditions: [
        { field: 'words', who: 'caller', words: ['refund', 'money back'] },
        { field: 'tool', op: 'failed', names: [] },
        { field: 'metadata', key: 'plan', op: 'exists' },
      ],
      action: { followUp: true, priority: 'high', tags: ['billing'], notify: true },
    };
    expect((await screen.findByText('Matches 3 past sessions', {}, { timeout: 3_000 })).textContent).toBe('Matches 3 past sessions');
    expect(screen.getByTestId('rule-preview').textContent).toContain('of 2,500');
    // Typing settles before the archive is asked: one count for the finished draft, in three pages.
    expect(previewRule.mock.calls.map(([args]) => args.after)).toEqual([undefined, 1_000, 2_000]);
    expect(previewRule.mock.calls[0]![0].rule).toEqual(expected);

    fireEvent.click(inEditor.getByRole('button', { name: 'Save rule' }));
    await screen.findByRole('switch', { name: 'Refund requests' });
    expect(saveRule).toHaveBeenCalledTimes(1);
    expect(saveRule.mock.calls[0]![0]).toEqual(expected);
    expect(rowOf('Refund requests').textContent).toContain('When the caller says “refund” or “money back” and any tool fails and metadata has “plan” → to follow up, high priority, tag billing, notify');
    expect(screen.queryByRole('form', { name: 'New rule' })).toBeNull();
  });

  it('shows the schema’s objections before sending, and the server’s when it still refuses', async () => {
    const saveRule = vi.fn(() => Promise.reject(new ApiCallError('a rule named “Refunds” exists already', 'bad-request', 400)));
    const previewRule = vi.fn(() => Promise.resolve({ checked: 10, matched: 0, examples: [], total: 10, nextAfter: null }));
    setApi(fakeApi({ listRules: () => Promise.resolve({ rules: RULES, progress: null }), saveRule, previewRule }));
    render(<RulesCard triage={null} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Add a rule' }));
    const inEditor = within(screen.getByRole('form', { name: 'New rule' }));
    fireEvent.change(inEditor.getByLabelText('Condition 1: what'), { target: { value: 'duration-lt' } });
    fireEvent.change(inEditor.getByLabelText('Condition 1: seconds'), { target: { value: '-5' } });
    fireEvent.change(inEditor.getByLabelText('Tags to add'), { target: { value: 'x'.repeat(41) } });
    fireEvent.click(inEditor.getByRole('button', { name: 'Save rule' }));

    const problems = within(inEditor.getByRole('alert', { name: 'What to fix' }))
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(problems).toEqual(['Name: cannot be empty', 'Condition 1: must be at least 0', 'Tags: too long (at most 40 characters)']);
    expect(saveRule).not.toHaveBeenCalled();

    fireEvent.change(inEditor.getByLabelText('Name'), { target: { value: 'Refunds' } });
    fireEvent.change(inEditor.getByLabelText('Condition 1: seconds'), { target: { value: '20' } });
    fireEvent.change(inEditor.getByLabelText('Tags to add'), { target: { value: '' } });
    expect(inEditor.queryByRole('alert', { name: 'What to fix' })).toBeNull();
    fireEvent.click(inEditor.getByRole('button', { name: 'Save rule' }));
    expect((await inEditor.findByRole('alert')).textContent).toBe('a rule named “Refunds” exists already');
    expect(saveRule).toHaveBeenCalledTimes(1);
    // Nothing typed is lost: the editor stays open with the draft.
    expect((inEditor.getByLabelText('Name') as HTMLInputElement).value).toBe('Refunds');
  });

  it('stops counting on Cancel and drops the pages still in flight', async () => {
    let release: (page: RulePreviewPage) => void = () => undefined;
    const previewRule = vi.fn(({ after }: { after?: number }) =>
      after === undefined ? Promise.resolve({ checked: 12_000, matched: 4, examples: [], total: 40_000, nextAfter: 12_000 }) : new Promise<RulePreviewPage>((resolve) => (release = resolve)),
    );
    setApi(fakeApi({ listRules: () => Promise.resolve({ rules: RULES, progress: null }), previewRule }));
    render(<RulesCard triage={null} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit Short call' }));
    expect((await screen.findByText(/Checking… 12,000 of 40,000/, {}, { timeout: 3_000 })).textContent).toContain('(4 so far)');
    fireEvent.click(within(screen.getByTestId('rule-preview')).getByRole('button', { name: 'Cancel' }));
    expect(screen.getByTestId('rule-preview').textContent).toContain('Stopped after 12,000 of 40,000: 4 past sessions matched so far.');
    await act(async () => release({ checked: 28_000, matched: 9, examples: [], total: 40_000, nextAfter: null }));
    expect(screen.getByTestId('rule-preview').textContent).toContain('Stopped after 12,000 of 40,000');
    expect(previewRule).toHaveBeenCalledTimes(2);
  });

  it('edits a built-in rule’s own setting: the phrase list, one per line', async () => {
    const saveRule = savingRule();
    const previewRule = vi.fn(() => Promise.resolve({ checked: 5, matched: 1, examples: [], total: 5, nextAfter: null }));
    setApi(fakeApi({ listRules: () => Promise.resolve({ rules: RULES, progress: null }), saveRule, previewRule }));
    render(<RulesCard triage={null} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit Asked for a person' }));
    const inEditor = within(screen.getByRole('form', { name: 'Edit “Asked for a person”' }));
    expect(inEditor.getByText(/Several languages are included/)).toBeTruthy();
    expect(inEditor.queryByLabelText('Name')).toBeNull();
    const phrases = inEditor.getByLabelText(/one per line/) as HTMLTextAreaElement;
    expect(phrases.value).toBe('call me back\nrappelez-moi');
    fireEvent.change(phrases, { target: { value: 'call me back\nrappelez-moi\n\n  quiero hablar con una persona  ' } });
    fireEvent.click(inEditor.getByLabelText('Mark to follow up'));
    fireEvent.click(inEditor.getByRole('button', { name: 'Save rule' }));
    await waitFor(() => expect(saveRule).toHaveBeenCalledTimes(1));
    expect(saveRule.mock.calls[0]![0]).toEqual({
      id: 'asked-for-person',
      name: 'Asked for a person',
      enabled: true,
      kind: 'asked-for-person',
      phrases: ['call me back', 'rappelez-moi', 'quiero hablar con una persona'],
      conditions: [],
      action: { followUp: false, priority: 'normal', tags: [], notify: false },
    });
    expect((await screen.findByText(/\(3 phrases\) → only noted as a match/)).textContent).toContain('When the caller asks for a person or a callback');
  });

  it('deletes a custom rule after confirming', async () => {
    const deleteRule = vi.fn(() => Promise.resolve({ deleted: true }));
    setApi(fakeApi({ listRules: () => Promise.resolve({ rules: RULES, progress: null }), deleteRule }));
    render(<RulesCard triage={null} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete Refunds' }));
    expect(deleteRule).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Delete rule' }));
    await waitFor(() => expect(screen.queryByRole('switch', { name: 'Refunds' })).toBeNull());
    expect(deleteRule).toHaveBeenCalledWith({ id: 'custom-1' });
  });
});
