/**
 * "How many past sessions would this rule match?" answered on the reader, a page at a time
 * within a time budget, so the window can show a growing count while the writer keeps committing.
 */
import type { Rule, RulePreviewPage } from '../../../../../shared/follow-up.js';
import { ruleMatches } from '../../../triage/index.js';
import type { PreviewOptions, SaveRuleInput } from '../../types.js';
import type { ReadableDB } from '../database.js';
import { factsRowsAfter, hasSessionsAfter, sessionFacts, sessionTotal } from './session-facts.js';

const EXAMPLES = 5;

export function previewRule(db: ReadableDB, input: SaveRuleInput, options: PreviewOptions): RulePreviewPage {
  const rule: Rule = { ...input, id: input.id ?? 'preview', updatedAt: 0 };
  const started = performance.now();
  let checked = 0;
  let matched = 0;
  const examples: string[] = [];
  let last = options.after ?? 0;
  let outOfTime = false;
  while (!outOfTime) {
    const rows = factsRowsAfter(db, last, 64);
    if (rows.length === 0) break;
    for (const row of rows) {
      if (ruleMatches(sessionFacts(db, row, options.staleBefore), rule)) {
        matched += 1;
        if (examples.length < EXAMPLES) examples.push(row.session_id);
      }
      checked += 1;
      last = row.rowid;
      if (performance.now() - started > options.budgetMs) {
        outOfTime = true;
        break;
      }
    }
  }
  return { checked, matched, examples, total: sessionTotal(db), nextAfter: outOfTime && hasSessionsAfter(db, last) ? last : null };
}
