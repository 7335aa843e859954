/**
 * Rule evaluation: does a rule match a session, in words why, and what all enabled rules together
 * conclude (follow-up and its priority, tags, notify). Pure and synchronous: the store calls it
 * from its writer for every projected session and over the whole archive when a rule changes.
 */
import { PRIORITIES, type FollowUpReason, type Priority, type Rule } from '../../../shared/follow-up.js';
import { DEFAULT_PERSON_PHRASES, DEFAULT_SHORT_CALL_SECONDS } from './builtin.js';
import { clip, describeFailures, evaluateCondition, failedToolCalls, formatSeconds, type ConditionResult } from './conditions.js';
import type { SessionFacts, TriageOutcome } from './types.js';
import { firstSaying, quoteSaying } from './session-text.js';
import { phraseMatcher } from './text.js';

export { builtinRules } from './builtin.js';

/** A reason in words stays short enough for a notification line and an inbox row. */
const REASON_MAX = 160;
/** `Asked for a person: "…"` fits in about 90 characters. */
const PERSON_QUOTE_MAX = 70;

/**
 * One rule, enabled or not, against one session; `text` says why it matched. A built-in rule's
 * conditions, when the owner added any, narrow it further: all of them must hold too.
 */
export function ruleMatches(facts: SessionFacts, rule: Rule): { text: string } | null {
  if (rule.kind === 'custom' && rule.conditions.length === 0) return null; // a rule with no condition would flag everything
  const conditionResults: ConditionResult[] = [];
  for (const condition of rule.conditions) {
    const result = evaluateCondition(facts, condition);
    if (result === null) return null;
    conditionResults.push(result);
  }
  const text = rule.kind === 'custom' ? customReason(rule, conditionResults) : builtinReason(facts, rule);
  return text === null ? null : { text: clip(text, REASON_MAX) };
}

function customReason(rule: Rule, results: ConditionResult[]): string {
  let best: ConditionResult | null = null;
  for (const result of results) if (result.detail !== null && (best === null || result.weight > best.weight)) best = result;
  return best ? `${rule.name}: ${best.detail}` : rule.name;
}

/** The built-in rule's own test, with its reason; null when it does not match. */
function builtinReason(facts: SessionFacts, rule: Rule): string | null {
  switch (rule.kind) {
    case 'tool-failed': {
      const failures = failedToolCalls(facts);
      return failures.length > 0 ? describeFailures(failures) : null;
    }
    case 'dropped':
      return facts.stale ? 'Dropped: the call started and never ended' : null;
    case 'files': {
      let sent = 0;
      for (const message of facts.messages) if (message.role === 'user') sent += message.fileCount;
      return sent > 0 ? `Sent ${sent} ${sent === 1 ? 'file' : 'files'}` : null;
    }
    case 'asked-for-person': {
      const matcher = phraseMatcher(rule.phrases ?? DEFAULT_PERSON_PHRASES);
      const message = firstSaying(facts.messages, 'caller', matcher);
      return message ? `Asked for a person: ${quoteSaying(message, matcher, PERSON_QUOTE_MAX)}` : null;
    }
    case 'short-call': {
      const seconds = facts.durationSeconds;
      const isVoice = facts.mode !== null && facts.mode.trim().toLowerCase() === 'voice';
      const short = facts.status === 'ended' && seconds !== null && seconds < (rule.seconds ?? DEFAULT_SHORT_CALL_SECONDS);
      return isVoice && short ? `Hung up after ${formatSeconds(seconds)}` : null;
    }
    case 'custom':
      return null;
  }
}

const rank = (priority: Priority) => PRIORITIES.indexOf(priority);

/** What the enabled rules, in order, conclude for one session. */
export function triageSession(facts: SessionFacts, rules: Rule[]): TriageOutcome {
  const matches: TriageOutcome['matches'] = [];
  const reasons: Array<FollowUpReason & { order: number }> = [];
  const tags = new Map<string, string>();
  let notify = false;
  for (const rule of rules) {
    if (!rule.enabled) continue;
    const match = ruleMatches(facts, rule);
    if (match === null) continue;
    matches.push({ ruleId: rule.id, text: match.text });
    if (rule.action.followUp) reasons.push({ ruleId: rule.id, text: match.text, priority: rule.action.priority, order: reasons.length });
    for (const tag of rule.action.tags) {
      const name = tag.trim();
      const key = name.toLowerCase();
      if (name !== '' && !tags.has(key)) tags.set(key, name);
    }
    notify ||= rule.action.notify;
  }
  reasons.sort((a, b) => rank(b.priority) - rank(a.priority) || a.order - b.order);
  const followUp =
    reasons.length === 0 ? null : { priority: reasons[0]!.priority, reasons: reasons.map(({ ruleId, text, priority }) => ({ ruleId, text, priority })) };
  return { followUp, tags: [...tags.values()], notify, matches };
}
