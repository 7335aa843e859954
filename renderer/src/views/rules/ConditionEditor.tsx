import { CONDITION_KINDS, type ConditionDraft, type ConditionKind } from './rule-draft';

const LIST_HINTS: Partial<Record<ConditionKind, string>> = {
  'words-caller': 'refund, money back',
  'words-anyone': 'cancel, complaint',
  'endReason-is': 'timeout, error',
  'endReason-isNot': 'user_ended',
  assistant: '101, 102',
  'tool-called': 'book_appointment (empty: any tool)',
  'tool-failed': 'book_appointment (empty: any tool)',
};

/** One condition of a custom rule: what it looks at, and the value(s) it looks for. */
export function ConditionEditor({ condition, index, onChange, onRemove }: { condition: ConditionDraft; index: number; onChange: (next: ConditionDraft) => void; onRemove?: () => void }) {
  const number = index + 1;
  const set = <K extends keyof ConditionDraft>(field: K, value: ConditionDraft[K]) => onChange({ ...condition, [field]: value });
  const listHint = LIST_HINTS[condition.kind];
  return (
    <div className="condition-row" role="group" aria-label={`Condition ${number}`}>
      <select aria-label={`Condition ${number}: what`} value={condition.kind} onChange={(e) => set('kind', e.target.value as ConditionKind)}>
        {CONDITION_KINDS.map((choice) => (
          <option key={choice.kind} value={choice.kind}>
            {choice.label}
          </option>
        ))}
      </select>
      <div className="condition-values">
        {listHint !== undefined && (
          <input className="condition-value" aria-label={`Condition ${number}: values, separated by commas`} placeholder={listHint} value={condition.list} onChange={(e) => set('list', e.target.value)} />
        )}
        {condition.kind === 'mode' && (
          <select aria-label={`Condition ${number}: mode`} value={condition.mode} onChange={(e) => set('mode', e.target.value as ConditionDraft['mode'])}>
            <option value="voice">voice call</option>
            <option value="text">text chat</option>
          </select>
        )}
        {(condition.kind === 'duration-lt' || condition.kind === 'duration-gt') && (
          <span className="condition-seconds">
            <input type="number" min={0} max={86_400} aria-label={`Condition ${number}: seconds`} value={condition.seconds} onChange={(e) => set('seconds', e.target.value)} /> seconds
          </span>
        )}
        {condition.kind === 'metadata' && (
          <>
            <input aria-label={`Condition ${number}: field name`} placeholder="field, e.g. plan" value={condition.key} onChange={(e) => set('key', e.target.value)} />
            <select aria-label={`Condition ${number}: test`} value={condition.metadataOp} onChange={(e) => set('metadataOp', e.target.value as ConditionDraft['metadataOp'])}>
              <option value="equals">equals</option>
              <option value="contains">contains</option>
              <option value="exists">is present</option>
            </select>
            {condition.metadataOp !== 'exists' && <input className="condition-value" aria-label={`Condition ${number}: field value`} placeholder="value" value={condition.value} onChange={(e) => set('value', e.target.value)} />}
          </>
        )}
      </div>
      {onRemove && (
        <button type="button" className="button small" aria-label={`Remove condition ${number}`} title="Remove this condition" onClick={onRemove}>
          Remove
        </button>
      )}
    </div>
  );
}
