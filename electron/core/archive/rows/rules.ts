/**
 * Triage rules as both stores keep them: one row per rule, its definition as JSON text beside the
 * id and the time it was saved (so a definition never carries an id that could disagree), and the
 * checks a save makes before either store writes it.
 */
import { randomBytes } from 'node:crypto';
import type { Rule } from '../../../../shared/follow-up.js';
import { InvalidEditError, NotFoundError } from '../errors.js';
import type { SaveRuleInput } from '../types.js';

export interface RuleRow {
  id: string;
  definition: string;
  updated_at: number;
}

export const RULE_COLUMNS = 'id, definition, updated_at';

export function toRule(row: RuleRow): Rule {
  return { ...(JSON.parse(row.definition) as Omit<Rule, 'id' | 'updatedAt'>), id: row.id, updatedAt: row.updated_at };
}

/** What the definition column holds: the rule without its id and time. */
export function definitionOf(rule: Rule): string {
  const { id: _id, updatedAt: _updatedAt, ...definition } = rule;
  return JSON.stringify(definition);
}

/** The rule a save stores, once the store has settled its id and kind (a built-in keeps its kind). */
export function savedRule(input: SaveRuleInput, id: string, kind: Rule['kind'], at: number): Rule {
  return {
    id,
    name: input.name,
    enabled: input.enabled,
    kind,
    ...(input.phrases !== undefined ? { phrases: input.phrases } : {}),
    ...(input.seconds !== undefined ? { seconds: input.seconds } : {}),
    conditions: input.conditions,
    action: input.action,
    updatedAt: at,
  };
}

/** A new rule's id and kind: there is one rule of each built-in kind at most. */
export function newRule(input: SaveRuleInput, rules: readonly Rule[]): { id: string; kind: Rule['kind'] } {
  if (input.kind !== 'custom' && rules.some((rule) => rule.kind === input.kind)) {
    throw new InvalidEditError(`There is already a built-in "${input.kind}" rule: edit that one instead.`);
  }
  return { id: `rule-${randomBytes(6).toString('hex')}`, kind: input.kind };
}

/** An edited rule's kind: a built-in rule keeps its kind, and a custom one stays custom. */
export function editedRuleKind(input: SaveRuleInput, existing: Rule | null): Rule['kind'] {
  if (!existing) throw new NotFoundError('This rule is no longer there (deleted meanwhile?).');
  if (existing.kind !== 'custom') return existing.kind;
  if (input.kind !== 'custom') throw new InvalidEditError('A custom rule cannot become a built-in one.');
  return input.kind;
}
