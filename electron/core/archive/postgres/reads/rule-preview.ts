/** "How many past sessions would this rule match?", a page at a time within a time budget (as the SQLite store). */
import { performance } from 'node:perf_hooks';
import type { Rule, RulePreviewPage } from '../../../../../shared/follow-up.js';
import { ruleMatches } from '../../../triage/index.js';
import type { PreviewOptions, SaveRuleInput } from '../../types.js';
import type { Db } from '../db.js';
import { factsRowsAfter, hasSessionsAfter, sessionFacts, sessionTotal } from './session-facts.js';

const EXAMPLES = 5;

export async function previewRule(db: Db, input: SaveRuleInput, options: PreviewOptions): Promise<RulePreviewPage> {
  const rule: Rule = { ...input, id: input.id ?? 'preview', updatedAt: 0 };
  const started = performance.now();
  let checked = 0;
  let matched = 0;
  const examples: string[] = [];
  let last = options.after ?? 0;
  let outOfTime = false;
  while (!outOfTime) {
    const rows = await factsRowsAfter(db, last, 64);
    if (rows.length === 0) break;
    for (const row of rows) {
      if (ruleMatches(await sessionFacts(db, row, options.staleBefore), rule)) {
        matched += 1;
        if (examples.length < EXAMPLES) examples.push(row.session_id);
      }
      checked += 1;
      last = row.seq;
      if (performance.now() - started > options.budgetMs) {
        outOfTime = true;
        break;
      }
    }
  }
  return { checked, matched, examples, total: await sessionTotal(db), nextAfter: outOfTime && (await hasSessionsAfter(db, last)) ? last : null };
}
