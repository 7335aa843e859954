import { PRIORITIES, type Priority } from '../../../../shared/follow-up';
import type { RuleDraft } from './rule-draft';

type ActionFields = Pick<RuleDraft, 'followUp' | 'priority' | 'tags' | 'notify'>;

/** What a rule does when it matches. */
export function ActionEditor({ action, onChange }: { action: ActionFields; onChange: (next: Partial<ActionFields>) => void }) {
  return (
    <fieldset className="rule-action">
      <legend>Then</legend>
      <label className="check">
        <input type="checkbox" checked={action.followUp} onChange={(e) => onChange({ followUp: e.target.checked })} /> Mark to follow up
      </label>
      <label className="inline-field">
        Priority
        <select value={action.priority} disabled={!action.followUp} onChange={(e) => onChange({ priority: e.target.value as Priority })}>
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </label>
      <label className="check">
        <input type="checkbox" checked={action.notify} onChange={(e) => onChange({ notify: e.target.checked })} /> Notify me
      </label>
      <label className="inline-field grow">
        Tags to add
        <input value={action.tags} placeholder="e.g. billing, urgent (separated by commas)" onChange={(e) => onChange({ tags: e.target.value })} />
      </label>
    </fieldset>
  );
}
