/**
 * A rule as the editor holds it: every field as the text the owner typed, so half-typed input is
 * never lost or rewritten, and turned into a RuleInput only to validate, preview or save.
 */
import type { z } from 'zod';
import { ruleInputSchema, type Priority, type Rule, type RuleCondition, type RuleInput } from '../../../../shared/follow-up';

/** One choice per thing a condition can say, so a row is "what" + its value(s). */
export const CONDITION_KINDS = [
  { kind: 'words-caller', label: 'Caller said' },
  { kind: 'words-anyone', label: 'Anyone said' },
  { kind: 'endReason-is', label: 'End reason is' },
  { kind: 'endReason-isNot', label: 'End reason is not' },
  { kind: 'mode', label: 'Mode is' },
  { kind: 'duration-lt', label: 'Shorter than' },
  { kind: 'duration-gt', label: 'Longer than' },
  { kind: 'assistant', label: 'Assistant is' },
  { kind: 'metadata', label: 'Metadata field' },
  { kind: 'tool-called', label: 'Tool called' },
  { kind: 'tool-failed', label: 'Tool failed' },
] as const;
export type ConditionKind = (typeof CONDITION_KINDS)[number]['kind'];

export interface ConditionDraft {
  /** Stable key for the row while conditions are added and removed. */
  rowId: number;
  kind: ConditionKind;
  /** Words, end reasons, assistants or tool names, separated by commas. */
  list: string;
  seconds: string;
  key: string;
  metadataOp: 'equals' | 'contains' | 'exists';
  value: string;
  mode: 'voice' | 'text';
}

export interface RuleDraft {
  id?: string;
  kind: Rule['kind'];
  name: string;
  enabled: boolean;
  /** asked-for-person: one phrase per line. */
  phrases: string;
  /** short-call. */
  seconds: string;
  conditions: ConditionDraft[];
  followUp: boolean;
  priority: Priority;
  /** Tag names, separated by commas. */
  tags: string;
  notify: boolean;
}

export type ValidRule = z.output<typeof ruleInputSchema>;

let nextRowId = 1;

export function newCondition(kind: ConditionKind = 'words-caller'): ConditionDraft {
  return { rowId: nextRowId++, kind, list: '', seconds: '', key: '', metadataOp: 'equals', value: '', mode: 'voice' };
}

export function newCustomDraft(): RuleDraft {
  return { kind: 'custom', name: '', enabled: true, phrases: '', seconds: '', conditions: [newCondition()], followUp: true, priority: 'normal', tags: '', notify: false };
}

const joinList = (values: string[]) => values.join(', ');

function conditionDraft(condition: RuleCondition): ConditionDraft {
  const draft = newCondition();
  switch (condition.field) {
    case 'endReason':
      return { ...draft, kind: condition.op === 'is' ? 'endReason-is' : 'endReason-isNot', list: joinList(condition.values) };
    case 'mode':
      return { ...draft, kind: 'mode', mode: condition.value };
    case 'duration':
      return { ...draft, kind: condition.op === 'lt' ? 'duration-lt' : 'duration-gt', seconds: String(condition.seconds) };
    case 'assistant':
      return { ...draft, kind: 'assistant', list: joinList(condition.values) };
    case 'metadata':
      return { ...draft, kind: 'metadata', key: condition.key, metadataOp: condition.op, value: condition.value ?? '' };
    case 'tool':
      return { ...draft, kind: condition.op === 'called' ? 'tool-called' : 'tool-failed', list: joinList(condition.names) };
    case 'words':
      return { ...draft, kind: condition.who === 'caller' ? 'words-caller' : 'words-anyone', list: joinList(condition.words) };
  }
}

export function draftFromRule(rule: Rule): RuleDraft {
  return {
    id: rule.id,
    kind: rule.kind,
    name: rule.name,
    enabled: rule.enabled,
    phrases: (rule.phrases ?? []).join('\n'),
    seconds: rule.seconds === undefined ? '' : String(rule.seconds),
    conditions: rule.conditions.map(conditionDraft),
    followUp: rule.action.followUp,
    priority: rule.action.priority,
    tags: joinList(rule.action.tags),
    notify: rule.action.notify,
  };
}

/** Empty entries are dropped; an empty list is left for the schema to refuse. */
const splitList = (text: string, separator: RegExp) =>
  text
    .split(separator)
    .map((part) => part.trim())
    .filter((part) => part !== '');
const commaList = (text: string) => splitList(text, /,/);
/** Absent when empty (so the schema says "expected number"), NaN when not a number. */
const toNumber = (text: string) => (text.trim() === '' ? undefined : Number(text));

function conditionInput(draft: ConditionDraft): Record<string, unknown> {
  switch (draft.kind) {
    case 'endReason-is':
    case 'endReason-isNot':
      return { field: 'endReason', op: draft.kind === 'endReason-is' ? 'is' : 'isNot', values: commaList(draft.list) };
    case 'mode':
      return { field: 'mode', value: draft.mode };
    case 'duration-lt':
    case 'duration-gt':
      return { field: 'duration', op: draft.kind === 'duration-lt' ? 'lt' : 'gt', seconds: toNumber(draft.seconds) };
    case 'assistant':
      return { field: 'assistant', values: commaList(draft.list) };
    case 'metadata':
      return draft.metadataOp === 'exists'
        ? { field: 'metadata', key: draft.key, op: 'exists' }
        : { field: 'metadata', key: draft.key, op: draft.metadataOp, value: draft.value };
    case 'tool-called':
    case 'tool-failed':
      return { field: 'tool', op: draft.kind === 'tool-called' ? 'called' : 'failed', names: commaList(draft.list) };
    case 'words-caller':
    case 'words-anyone':
      return { field: 'words', who: draft.kind === 'words-caller' ? 'caller' : 'anyone', words: commaList(draft.list) };
  }
}

/** The RuleInput the draft stands for (not yet validated). Built-in rules keep only their own setting. */
export function draftToInput(draft: RuleDraft): RuleInput {
  const input: Record<string, unknown> = {
    ...(draft.id !== undefined ? { id: draft.id } : {}),
    name: draft.name,
    enabled: draft.enabled,
    kind: draft.kind,
  };
  if (draft.kind === 'asked-for-person') input.phrases = splitList(draft.phrases, /\r?\n/);
  if (draft.kind === 'short-call') input.seconds = toNumber(draft.seconds);
  input.conditions = draft.kind === 'custom' ? draft.conditions.map(conditionInput) : [];
  input.action = { followUp: draft.followUp, priority: draft.priority, tags: commaList(draft.tags), notify: draft.notify };
  return input as RuleInput;
}

/** A saved rule as the RuleInput that saves it again (e.g. with `enabled` flipped). */
export function ruleToInput(rule: Rule): RuleInput {
  return {
    id: rule.id,
    name: rule.name,
    enabled: rule.enabled,
    kind: rule.kind,
    ...(rule.phrases !== undefined ? { phrases: rule.phrases } : {}),
    ...(rule.seconds !== undefined ? { seconds: rule.seconds } : {}),
    conditions: rule.conditions,
    action: rule.action,
  };
}

export type Validation = { ok: true; rule: ValidRule } | { ok: false; errors: string[] };

export function validateDraft(draft: RuleDraft): Validation {
  const parsed = ruleInputSchema.safeParse(draftToInput(draft));
  if (parsed.success) return { ok: true, rule: parsed.data };
  return { ok: false, errors: [...new Set(parsed.error.issues.map((issue) => issueText(issue)))] };
}

type Issue = z.core.$ZodIssue;

function where(path: PropertyKey[]): string {
  const [first, second, third] = path;
  if (first === 'name') return 'Name';
  if (first === 'phrases') return 'Phrases';
  if (first === 'seconds') return 'Seconds';
  if (first === 'conditions' && typeof second === 'number') return `Condition ${second + 1}${third === 'key' ? ' (field name)' : third === 'value' ? ' (value)' : ''}`;
  if (first === 'conditions') return 'Conditions';
  if (first === 'action' && second === 'tags') return 'Tags';
  if (first === 'action') return 'Action';
  return 'Rule';
}

/** The schema's message, with the place it is about and in plainer words for the common cases. */
export function issueText(issue: Issue, place = where(issue.path)): string {
  if (issue.code === 'custom') return `${place}: ${issue.message}`;
  // Messages written for a field ("is a time like 08:30") follow its name.
  if (issue.code === 'invalid_format') return `${place} ${issue.message}`;
  if (issue.code === 'too_small' && issue.origin === 'string') return `${place}: cannot be empty`;
  if (issue.code === 'too_small' && issue.origin === 'array') return `${place}: add at least ${String(issue.minimum)}`;
  if (issue.code === 'too_small' && issue.origin === 'number') return `${place}: must be at least ${String(issue.minimum)}`;
  if (issue.code === 'too_big' && issue.origin === 'string') return `${place}: too long (at most ${String(issue.maximum)} characters)`;
  if (issue.code === 'too_big' && issue.origin === 'array') return `${place}: too many (at most ${String(issue.maximum)})`;
  if (issue.code === 'too_big' && issue.origin === 'number') return `${place}: must be at most ${String(issue.maximum)}`;
  if (issue.code === 'invalid_type' && issue.expected === 'number') return `${place}: enter a number`;
  return `${place}: ${issue.message}`;
}
