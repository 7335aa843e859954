/**
 * Triage in the writer: identifies a session's caller and runs the enabled rules over it, then
 * applies their conclusion (follow-up state, reasons, rule tags) in the transaction that
 * projected the session, or in a background pass over the archive after a rule changed.
 *
 * A person's decision wins: once someone set a session's state (owner_set), the rules only
 * refresh its reasons. Rules add and remove only the tags they added themselves.
 */
import { performance } from 'node:perf_hooks';
import type { CallerSettings, Rule } from '../../../../../shared/follow-up.js';
import { RULES_ACTOR } from '../../../../../shared/follow-up.js';
import { builtinRules, defaultCountryFromLocale, identifyCaller, triageSession } from '../../../triage/index.js';
import { InvalidEditError } from '../../errors.js';
import type { RetriageOptions, RetriagePage, SaveRuleInput } from '../../types.js';
import { statement, type ReadableDB, type WritableDB } from '../database.js';
import { callerSettings, followUpRow, listRules, ruleById } from '../reads/follow-ups.js';
import { priorityNumber, TRIAGE_PENDING } from '../../rows/follow-ups.js';
import { definitionOf, editedRuleKind, newRule, savedRule } from '../../rows/rules.js';
import { factsRow, factsRowsAfter, hasSessionsAfter, sessionFacts, sessionTotal, type FactsRow } from '../reads/session-facts.js';
import { isStorageFailure } from './group-commit.js';
import { tagNamed } from './owner-edits.js';

const read = (db: WritableDB) => db as unknown as ReadableDB;


export interface Attention {
  followUp: boolean;
  notify: boolean;
}

export class Triage {
  private rules: Rule[] | null = null;
  private callers: { settings: CallerSettings; country: string | null } | null = null;

  constructor(private readonly db: WritableDB) {}

  /** Adds the built-in rules an archive does not have yet (new archive, or a new built-in). */
  seed(now: number): void {
    const insert = statement(this.db, 'INSERT OR IGNORE INTO rules (id, position, definition, updated_at) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      builtinRules(now).forEach((rule, position) => insert.run(rule.id, position, definitionOf(rule), rule.updatedAt));
    })();
    this.rules = null;
  }

  /**
   * After a session's event was projected. A failure of the rules must never cost an event its
   * indexing: it is rolled back alone (a savepoint) and the session left as it was.
   */
  afterProjection(db: WritableDB, sessionId: string, now: number): Attention | null {
    try {
      return db.transaction(() => {
        const row = factsRow(read(db), sessionId);
        if (!row) return null;
        const { followUp, notify } = this.apply(db, row, null, now);
        return { followUp, notify };
      })();
    } catch (error) {
      if (!db.inTransaction || isStorageFailure(error)) throw error;
      process.stderr.write(`archive: triage of session ${sessionId} failed: ${error instanceof Error ? error.message : String(error)}\n`);
      return null;
    }
  }

  /** One page of a pass over the archive, oldest session first, until the time budget is spent. */
  page(db: WritableDB, options: RetriageOptions): RetriagePage {
    const started = performance.now();
    let checked = 0;
    let changed = 0;
    let last = options.after ?? 0;
    let outOfTime = false;
    while (!outOfTime) {
      const rows = factsRowsAfter(read(db), last, 32);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (this.apply(db, row, options.staleBefore, options.now).changed) changed += 1;
        checked += 1;
        last = row.rowid;
        if (performance.now() - started > options.budgetMs) {
          outOfTime = true;
          break;
        }
      }
    }
    const nextAfter = outOfTime && hasSessionsAfter(read(db), last) ? last : null;
    if (nextAfter === null) statement(db, 'DELETE FROM archive_settings WHERE name = ?').run(TRIAGE_PENDING);
    return { checked, changed, total: sessionTotal(read(db)), nextAfter };
  }

  /** Sessions that started before staleBefore and never ended: few, and indexed apart (sessions_active). */
  stale(db: WritableDB, options: { staleBefore: number; now: number }): { changed: number } {
    const ids = statement(db, "SELECT session_id FROM sessions WHERE status = 'active' AND sort_at_ms < ?").pluck().all(options.staleBefore) as string[];
    let changed = 0;
    for (const id of ids) {
      const row = factsRow(read(db), id);
      if (row && this.apply(db, row, options.staleBefore, options.now).changed) changed += 1;
    }
    return { changed };
  }

  saveRule(db: WritableDB, input: SaveRuleInput, at: number): Rule {
    let id = input.id;
    let kind: Rule['kind'];
    let position: number;
    if (id === undefined) {
      ({ id, kind } = newRule(input, listRules(read(db))));
      position = (statement(db, 'SELECT coalesce(max(position), -1) + 1 AS next FROM rules').get() as { next: number }).next;
    } else {
      kind = editedRuleKind(input, ruleById(read(db), id));
      position = (statement(db, 'SELECT position FROM rules WHERE id = ?').get(id) as { position: number }).position;
    }
    const rule = savedRule(input, id, kind, at);
    statement(
      db,
      `INSERT INTO rules (id, position, definition, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`,
    ).run(id, position, definitionOf(rule), at);
    this.rules = null;
    return rule;
  }

  deleteRule(db: WritableDB, id: string): boolean {
    const rule = ruleById(read(db), id);
    if (!rule) return false;
    if (rule.kind !== 'custom') throw new InvalidEditError(`"${rule.name}" is built in: it cannot be deleted, only turned off.`);
    statement(db, 'DELETE FROM rules WHERE id = ?').run(id);
    this.rules = null;
    return true;
  }

  saveCallerSettings(db: WritableDB, settings: CallerSettings): CallerSettings {
    statement(db, "INSERT INTO archive_settings (name, value) VALUES ('callers', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value").run(
      JSON.stringify(settings),
    );
    this.callers = null;
    return settings;
  }

  private enabledRules(db: WritableDB): Rule[] {
    this.rules ??= listRules(read(db)).filter((rule) => rule.enabled);
    return this.rules;
  }

  private callerSettings(db: WritableDB) {
    if (!this.callers) {
      const settings = callerSettings(read(db));
      this.callers = { settings, country: settings.defaultCountry ?? defaultCountryFromLocale() };
    }
    return this.callers;
  }

  /** Re-identifies the caller and re-applies the rules to one session; says whether anything changed. */
  private apply(db: WritableDB, row: FactsRow, staleBefore: number | null, now: number): Attention & { changed: boolean } {
    const facts = sessionFacts(read(db), row, staleBefore);
    const callers = this.callerSettings(db);
    const caller = identifyCaller(facts, callers.settings, callers.country);
    let changed = false;
    if ((caller?.key ?? null) !== row.caller_key || (caller?.label ?? null) !== row.caller_label || (caller?.kind ?? null) !== row.caller_kind) {
      statement(db, 'UPDATE sessions SET caller_key = ?, caller_label = ?, caller_kind = ? WHERE session_id = ?').run(
        caller?.key ?? null,
        caller?.label ?? null,
        caller?.kind ?? null,
        row.session_id,
      );
      changed = true;
    }
    const outcome = triageSession(facts, this.enabledRules(db));
    const reasons = JSON.stringify(outcome.followUp?.reasons ?? []);
    const existing = followUpRow(read(db), row.session_id);
    let followUp = existing?.state === 'follow-up';
    if (existing?.owner_set === 1) {
      if (existing.reasons !== reasons || existing.sort_at_ms !== row.sort_at_ms) {
        statement(db, 'UPDATE follow_ups SET reasons = ?, sort_at_ms = ? WHERE session_id = ?').run(reasons, row.sort_at_ms, row.session_id);
        changed ||= existing.reasons !== reasons;
      }
    } else {
      const state = outcome.followUp ? 'follow-up' : 'open';
      const priority = outcome.followUp ? priorityNumber(outcome.followUp.priority) : null;
      followUp = state === 'follow-up';
      if (!existing) {
        // Most sessions need nothing: no row until there is something to keep.
        if (followUp) {
          statement(
            db,
            `INSERT INTO follow_ups (session_id, state, priority, reasons, changed_by, changed_at, owner_set, version, sort_at_ms)
             VALUES (?, ?, ?, ?, ?, ?, 0, 1, ?)`,
          ).run(row.session_id, state, priority, reasons, RULES_ACTOR, now, row.sort_at_ms);
          changed = true;
        }
      } else {
        const moved = existing.state !== state || existing.priority !== priority;
        if (moved || existing.reasons !== reasons || existing.sort_at_ms !== row.sort_at_ms) {
          statement(
            db,
            `UPDATE follow_ups SET state = ?, priority = ?, reasons = ?, sort_at_ms = ?,
               changed_by = CASE WHEN ? THEN ? ELSE changed_by END, changed_at = CASE WHEN ? THEN ? ELSE changed_at END,
               version = version + ?
             WHERE session_id = ?`,
          ).run(state, priority, reasons, row.sort_at_ms, moved ? 1 : 0, RULES_ACTOR, moved ? 1 : 0, now, moved ? 1 : 0, row.session_id);
          changed ||= moved || existing.reasons !== reasons;
        }
      }
    }
    if (this.applyRuleTags(db, row.session_id, outcome.tags, now)) changed = true;
    return { changed, followUp, notify: outcome.notify };
  }

  /** The session's rule-added tags become exactly `names`; tags the owner added are left alone. */
  private applyRuleTags(db: WritableDB, sessionId: string, names: string[], now: number): boolean {
    const current = statement(db, "SELECT tag_id FROM session_tags WHERE session_id = ? AND source = 'rule'").pluck().all(sessionId) as number[];
    if (current.length === 0 && names.length === 0) return false;
    const wanted = new Set(names.map((name) => tagNamed(db, name).id));
    let changed = false;
    for (const tagId of current) {
      if (!wanted.has(tagId)) {
        statement(db, 'DELETE FROM session_tags WHERE session_id = ? AND tag_id = ?').run(sessionId, tagId);
        changed = true;
      }
    }
    const add = statement(
      db,
      `INSERT INTO session_tags (session_id, tag_id, source, added_by, added_at) VALUES (?, ?, 'rule', ?, ?)
       ON CONFLICT (session_id, tag_id) DO NOTHING`,
    );
    for (const tagId of wanted) if (add.run(sessionId, tagId, RULES_ACTOR, now).changes > 0) changed = true;
    return changed;
  }
}
