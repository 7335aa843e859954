import { useCallback, useEffect, useState } from 'react';
import type { Rule, TriageProgress } from '../../../../shared/follow-up';
import { getApi } from '../../api/client';
import { Badge, ConfirmDialog } from '../../components/common';
import { useArchiveChanges, useThrottled } from '../../hooks';
import { describeRule } from './describe-rule';
import { draftFromRule, newCustomDraft, ruleToInput } from './rule-draft';
import { RuleEditor } from './RuleEditor';
import { awaitingNewRun, newerProgress, TriageProgressLine, useTriageProgress } from './TriageProgressLine';
import './rules.css';

type Editing = { id: string } | { id: null } | null;

/** The follow-up rules in order: switch each on or off, edit them, add and delete custom ones. */
export function RulesCard({ triage }: { triage: TriageProgress | null }) {
  const api = getApi();
  const [rules, setRules] = useState<Rule[] | null>(null);
  const [listed, setListed] = useState<TriageProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<Editing>(null);
  const [switching, setSwitching] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Rule | null>(null);
  /** The run known when a rule was last saved: the line waits for the run that save started. */
  const [savedOver, setSavedOver] = useState<TriageProgress | null | undefined>(undefined);
  const progress = useTriageProgress(newerProgress(listed, triage));

  const load = useCallback(() => {
    api.listRules({}).then(
      (result) => {
        setRules(result.rules);
        setListed(result.progress);
      },
      (e: Error) => setError(e.message),
    );
  }, [api]);
  useEffect(load, [load]);
  // Another window may change the rules; their re-run reports arrive as 'triage' changes.
  const reload = useThrottled(load, 1500);
  useArchiveChanges((change) => {
    if (change.type === 'triage') reload();
  });

  const saved = (rule: Rule) => {
    setSavedOver(progress);
    setRules((current) => (current === null ? [rule] : current.some((r) => r.id === rule.id) ? current.map((r) => (r.id === rule.id ? rule : r)) : [...current, rule]));
  };

  const toggle = (rule: Rule) => {
    setSwitching(rule.id);
    setError(null);
    api.saveRule({ ...ruleToInput(rule), enabled: !rule.enabled }).then(
      (result) => {
        setSwitching(null);
        saved(result.rule);
      },
      (e: Error) => {
        setSwitching(null);
        setError(`Could not turn “${rule.name}” ${rule.enabled ? 'off' : 'on'}: ${e.message}`);
      },
    );
  };

  const remove = (rule: Rule) => {
    setDeleting(null);
    api.deleteRule({ id: rule.id }).then(
      () => {
        setSavedOver(progress);
        setRules((current) => current?.filter((r) => r.id !== rule.id) ?? null);
        if (editing?.id === rule.id) setEditing(null);
      },
      (e: Error) => setError(`Could not delete “${rule.name}”: ${e.message}`),
    );
  };

  return (
    <section className="card rules-card" aria-labelledby="rules-title">
      <h2 id="rules-title">Follow-up rules</h2>
      <p>When a call matches a rule, it goes to the inbox to follow up. Rules run on every new call, and again over past calls when you change them.</p>
      {rules === null && !error && <p className="muted">Loading the rules…</p>}
      {rules !== null && (
        <ul className="rule-list" aria-label="Follow-up rules">
          {rules.map((rule) => (
            <li key={rule.id} className={`rule-row${rule.enabled ? '' : ' off'}`}>
              <div className="rule-summary">
                <input type="checkbox" role="switch" className="switch" aria-label={rule.name} checked={rule.enabled} disabled={switching === rule.id} onChange={() => toggle(rule)} />
                <div className="rule-text">
                  <span className="rule-name">{rule.name}</span> {rule.kind !== 'custom' && <Badge tone="muted">built in</Badge>}
                  <div className="rule-description">{describeRule(ruleToInput(rule))}</div>
                </div>
                <div className="rule-buttons">
                  <button type="button" className="button small" aria-label={`Edit ${rule.name}`} aria-expanded={editing?.id === rule.id} onClick={() => setEditing(editing?.id === rule.id ? null : { id: rule.id })}>
                    Edit
                  </button>
                  {rule.kind === 'custom' && (
                    <button type="button" className="button small danger" aria-label={`Delete ${rule.name}`} onClick={() => setDeleting(rule)}>
                      Delete
                    </button>
                  )}
                </div>
              </div>
              {editing?.id === rule.id && (
                <RuleEditor
                  initial={draftFromRule(rule)}
                  onCancel={() => setEditing(null)}
                  onSaved={(next) => {
                    saved(next);
                    setEditing(null);
                  }}
                />
              )}
            </li>
          ))}
        </ul>
      )}
      {editing !== null && editing.id === null ? (
        <RuleEditor
          initial={newCustomDraft()}
          onCancel={() => setEditing(null)}
          onSaved={(next) => {
            saved(next);
            setEditing(null);
          }}
        />
      ) : (
        rules !== null && (
          <button type="button" className="button" onClick={() => setEditing({ id: null })}>
            Add a rule
          </button>
        )
      )}
      <TriageProgressLine progress={progress} starting={awaitingNewRun(progress, savedOver)} />
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this rule?"
        body={<p>“{deleting?.name}” will no longer mark calls, and the rules run again over past calls.</p>}
        confirmLabel="Delete rule"
        danger
        onConfirm={() => deleting && remove(deleting)}
        onCancel={() => setDeleting(null)}
      />
    </section>
  );
}
