/**
 * Triage: what a session needs from the owner, decided by the rules (shared/follow-up.ts), and
 * who the caller is. Pure functions over a session's facts: the store runs them in its writer
 * (when a session is projected, and over the archive when a rule changes) and its reader (rule
 * previews), so no rule ever runs where webhooks are answered.
 */
export type { CallerSettings, Rule } from '../../../shared/follow-up.js';
export type { IdentifiedCaller, SessionFacts, TriageOutcome } from './types.js';
export { triageSession, ruleMatches, builtinRules } from './rules.js';
export { identifyCaller, defaultCountryFromLocale } from './caller.js';
