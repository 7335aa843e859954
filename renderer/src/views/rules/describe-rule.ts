/** A rule in one line of words: what it matches → what it does. */
import type { RuleAction, RuleCondition, RuleInput } from '../../../../shared/follow-up';

const quoted = (values: string[]) => values.map((v) => `“${v}”`);

/** "a", "a or b", "a, b or c". */
function either(values: string[]): string {
  if (values.length <= 1) return values.join('');
  return `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
}

/** Long word lists are cut: the line is a summary, the editor shows them all. */
function someOf(values: string[], max = 3): string {
  if (values.length <= max) return either(quoted(values));
  return `${quoted(values.slice(0, max)).join(', ')} or ${values.length - max} more`;
}

function seconds(s: number): string {
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  const rest = Math.round(s % 60);
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

export function describeCondition(condition: RuleCondition): string {
  switch (condition.field) {
    case 'endReason':
      return condition.op === 'is' ? `the call ends with ${either(condition.values)}` : `the call does not end with ${either(condition.values)}`;
    case 'mode':
      return condition.value === 'voice' ? 'it is a voice call' : 'it is a text chat';
    case 'duration':
      return condition.op === 'lt' ? `it lasts less than ${seconds(condition.seconds)}` : `it lasts more than ${seconds(condition.seconds)}`;
    case 'assistant':
      return `the assistant is ${either(condition.values)}`;
    case 'metadata':
      if (condition.op === 'exists') return `metadata has “${condition.key}”`;
      return `metadata “${condition.key}” ${condition.op === 'equals' ? 'is' : 'contains'} “${condition.value ?? ''}”`;
    case 'tool': {
      const which = condition.names.length === 0 ? 'any tool' : `tool ${either(condition.names)}`;
      return condition.op === 'called' ? `${which} is called` : `${which} fails`;
    }
    case 'words':
      return `${condition.who === 'caller' ? 'the caller' : 'anyone'} says ${someOf(condition.words)}`;
  }
}

function describeMatch(rule: RuleInput): string {
  switch (rule.kind) {
    case 'tool-failed':
      return 'When a tool call fails';
    case 'dropped':
      return 'When a call starts but never ends';
    case 'files':
      return 'When the caller sends files';
    case 'asked-for-person': {
      const count = rule.phrases?.length ?? 0;
      return `When the caller asks for a person or a callback (${count} phrase${count === 1 ? '' : 's'})`;
    }
    case 'short-call':
      return `When a voice call is shorter than ${rule.seconds ?? '?'} seconds`;
    case 'custom': {
      const conditions = rule.conditions ?? [];
      return conditions.length === 0 ? 'When (no conditions yet)' : `When ${conditions.map(describeCondition).join(' and ')}`;
    }
  }
}

export function describeAction(action: RuleAction): string {
  const parts: string[] = [];
  if (action.followUp) parts.push('to follow up', `${action.priority} priority`);
  if (action.tags.length > 0) parts.push(`tag ${action.tags.join(', ')}`);
  if (action.notify) parts.push('notify');
  return parts.length === 0 ? 'only noted as a match' : parts.join(', ');
}

export function describeRule(rule: RuleInput): string {
  return `${describeMatch(rule)} → ${describeAction(rule.action)}`;
}
