/**
 * The owner's rule conditions (shared/follow-up.ts conditionSchema) against one session. Each
 * condition says whether it holds and, when it can, a detail for the reason in words ("book_slot
 * failed: upstream timeout"), so the inbox says more than the rule's name.
 */
import type { RuleCondition } from '../../../shared/follow-up.js';
import type { SessionFacts } from './types.js';
import { isPresent, scalarText, valueAtPath } from './lookup.js';
import { firstSaying, quoteSaying } from './session-text.js';
import { phraseMatcher } from './text.js';

export interface ConditionResult {
  /** Something specific about this session that made the condition hold. */
  detail: string | null;
  /** How telling the detail is: the most telling one goes into the reason. */
  weight: number;
}

const DETAIL_WEIGHT = { failedTool: 6, words: 5, metadata: 4, calledTool: 3, endReason: 2, duration: 1, none: 0 } as const;
const QUOTE_MAX = 70;
const ERROR_MAX = 100;

const holds = (detail: string | null, weight: number): ConditionResult => ({ detail, weight: detail === null ? DETAIL_WEIGHT.none : weight });

/** Null when the condition does not hold. */
export function evaluateCondition(facts: SessionFacts, condition: RuleCondition): ConditionResult | null {
  switch (condition.field) {
    case 'endReason': {
      if (facts.status !== 'ended') return null;
      const reason = facts.reason?.trim() ?? '';
      const listed = reason !== '' && condition.values.some((value) => sameText(value, reason));
      if (condition.op === 'is') return listed ? holds(`ended: ${reason}`, DETAIL_WEIGHT.endReason) : null;
      return listed ? null : holds(reason === '' ? null : `ended: ${reason}`, DETAIL_WEIGHT.endReason);
    }
    case 'mode':
      return facts.mode !== null && sameText(facts.mode, condition.value) ? holds(null, DETAIL_WEIGHT.none) : null;
    case 'duration': {
      const seconds = facts.durationSeconds;
      if (facts.status !== 'ended' || seconds === null) return null;
      const within = condition.op === 'lt' ? seconds < condition.seconds : seconds > condition.seconds;
      return within ? holds(`${formatSeconds(seconds)} long`, DETAIL_WEIGHT.duration) : null;
    }
    case 'assistant': {
      const assistant = facts.assistantId?.trim();
      return assistant && condition.values.some((value) => value.trim() === assistant) ? holds(null, DETAIL_WEIGHT.none) : null;
    }
    case 'metadata':
      return metadataHolds(facts.metadata, condition);
    case 'tool':
      return condition.op === 'called' ? toolCalled(facts, condition.names) : toolFailed(facts, condition.names);
    case 'words': {
      const matcher = phraseMatcher(condition.words);
      const message = firstSaying(facts.messages, condition.who, matcher);
      return message ? holds(quoteSaying(message, matcher, QUOTE_MAX), DETAIL_WEIGHT.words) : null;
    }
  }
}

function metadataHolds(metadata: SessionFacts['metadata'], condition: Extract<RuleCondition, { field: 'metadata' }>): ConditionResult | null {
  const value = valueAtPath(metadata, condition.key);
  if (condition.op === 'exists') return isPresent(value) ? holds(null, DETAIL_WEIGHT.none) : null;
  const wanted = (condition.value ?? '').trim().toLowerCase();
  if (condition.op === 'equals') {
    const text = scalarText(value);
    return text !== null && text.trim().toLowerCase() === wanted ? holds(`${condition.key} is ${text.trim()}`, DETAIL_WEIGHT.metadata) : null;
  }
  if (!isPresent(value)) return null;
  // Lists and objects are searched as their JSON text: "tags contains vip" finds ["vip", "new"].
  const text = scalarText(value) ?? JSON.stringify(value);
  return text.toLowerCase().includes(wanted) ? holds(`${condition.key}: ${clip(text.trim(), 60)}`, DETAIL_WEIGHT.metadata) : null;
}

function namedIn(names: readonly string[], toolName: string | null): boolean {
  if (names.length === 0) return true;
  if (toolName === null) return false;
  return names.some((name) => sameText(name, toolName));
}

function toolCalled(facts: SessionFacts, names: readonly string[]): ConditionResult | null {
  const call = facts.messages.find((message) => message.toolName !== null && namedIn(names, message.toolName));
  return call ? holds(`called ${call.toolName}`, DETAIL_WEIGHT.calledTool) : null;
}

function toolFailed(facts: SessionFacts, names: readonly string[]): ConditionResult | null {
  const failures = failedToolCalls(facts).filter((message) => namedIn(names, message.toolName));
  return failures.length > 0 ? holds(describeFailures(failures), DETAIL_WEIGHT.failedTool) : null;
}

/** Tool calls that came back with an error. */
export function failedToolCalls(facts: SessionFacts): SessionFacts['messages'] {
  return facts.messages.filter((message) => message.toolError !== null && message.toolError.trim() !== '');
}

/** `book_appointment failed: upstream timeout`, and ` (and 2 more)` when several failed. */
export function describeFailures(failures: SessionFacts['messages']): string {
  const first = failures[0]!;
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
  return `${first.toolName?.trim() || 'A tool'} failed: ${clip(first.toolError!.trim().replace(/\s+/gu, ' '), ERROR_MAX)}${more}`;
}

function sameText(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

/** 6 → "6 s"; 6.25 → "6.3 s". */
export function formatSeconds(seconds: number): string {
  return `${Number.isInteger(seconds) ? seconds : Math.round(seconds * 10) / 10} s`;
}
