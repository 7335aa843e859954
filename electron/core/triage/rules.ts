// TEMPORARY (issue 10 in progress): the triage helper replaces this file.
import type { Rule } from '../../../shared/follow-up.js';
import type { SessionFacts, TriageOutcome } from './index.js';

export function triageSession(_facts: SessionFacts, _rules: Rule[]): TriageOutcome {
  throw new Error('not built yet: triageSession');
}
export function ruleMatches(_facts: SessionFacts, _rule: Rule): { text: string } | null {
  throw new Error('not built yet: ruleMatches');
}
export function builtinRules(_now: number): Rule[] {
  throw new Error('not built yet: builtinRules');
}
