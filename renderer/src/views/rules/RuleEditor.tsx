import { useMemo, useState, type FormEvent } from 'react';
import type { Rule } from '../../../../shared/follow-up';
import { getApi } from '../../api/client';
import { ActionEditor } from './ActionEditor';
import { ConditionEditor } from './ConditionEditor';
import { RulePreviewLine } from './RulePreviewLine';
import { newCondition, validateDraft, type RuleDraft } from './rule-draft';
import { useRulePreview } from './use-rule-preview';

/**
 * Edits one rule: a custom rule's name and conditions, a built-in rule's own setting, and the
 * action. The draft is checked with the shared schema before anything is sent, and the count of
 * past sessions it matches follows the draft as it changes.
 */
export function RuleEditor({ initial, onSaved, onCancel }: { initial: RuleDraft; onSaved: (rule: Rule) => void; onCancel: () => void }) {
  const [draft, setDraft] = useState(initial);
  const [showErrors, setShowErrors] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const validation = useMemo(() => validateDraft(draft), [draft]);
  const preview = useRulePreview(validation.ok ? validation.rule : null);
  const custom = draft.kind === 'custom';
  const title = draft.id === undefined ? 'New rule' : `Edit “${initial.name}”`;

  const change = (next: Partial<RuleDraft>) => {
    setDraft((current) => ({ ...current, ...next }));
    setServerError(null);
  };

  const save = (event: FormEvent) => {
    event.preventDefault();
    if (!validation.ok) {
      setShowErrors(true);
      return;
    }
    setSaving(true);
    getApi()
      .saveRule(validation.rule)
      .then(
        ({ rule }) => {
          setSaving(false);
          onSaved(rule);
        },
        (error: Error) => {
          setSaving(false);
          setServerError(error.message);
        },
      );
  };

  return (
    <form className="rule-editor" aria-label={title} onSubmit={save} noValidate>
      <h3>{title}</h3>
      {custom && (
        <label className="setting">
          <span>Name</span>
          <input value={draft.name} maxLength={80} placeholder="e.g. Refund requests" onChange={(e) => change({ name: e.target.value })} />
        </label>
      )}
      {custom && (
        <fieldset className="rule-conditions">
          <legend>When all of these hold</legend>
          {draft.conditions.map((condition, index) => (
            <ConditionEditor
              key={condition.rowId}
              condition={condition}
              index={index}
              onChange={(next) => change({ conditions: draft.conditions.map((c) => (c.rowId === next.rowId ? next : c)) })}
              onRemove={draft.conditions.length > 1 ? () => change({ conditions: draft.conditions.filter((c) => c.rowId !== condition.rowId) }) : undefined}
            />
          ))}
          <button type="button" className="button small" disabled={draft.conditions.length >= 20} onClick={() => change({ conditions: [...draft.conditions, newCondition()] })}>
            Add condition
          </button>
          <p className="muted rule-hint">Words match whole words or phrases, ignoring case and accents.</p>
        </fieldset>
      )}
      {draft.kind === 'asked-for-person' && (
        <label className="setting">
          <span>Phrases that ask for a person or a callback, one per line</span>
          <textarea rows={8} value={draft.phrases} onChange={(e) => change({ phrases: e.target.value })} />
          <small className="muted">Several languages are included; add the ways your callers say it.</small>
        </label>
      )}
      {draft.kind === 'short-call' && (
        <label className="setting narrow">
          <span>Shorter than (seconds)</span>
          <input type="number" min={1} max={600} value={draft.seconds} onChange={(e) => change({ seconds: e.target.value })} />
        </label>
      )}
      <ActionEditor action={draft} onChange={change} />
      <RulePreviewLine state={preview.state} settling={preview.settling} complete={validation.ok} onCancel={preview.cancel} onRestart={preview.restart} />
      {showErrors && !validation.ok && (
        <ul className="rule-errors" role="alert" aria-label="What to fix">
          {validation.errors.map((error) => (
            <li key={error}>{error}</li>
          ))}
        </ul>
      )}
      {serverError && (
        <p className="notice error" role="alert">
          {serverError}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="button primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save rule'}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
