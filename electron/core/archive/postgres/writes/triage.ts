/**
 * Triage in the writer, as the SQLite store runs it (sqlite/writes/triage.ts), with the same pure
 * functions (electron/core/triage): identify the caller, run the enabled rules, apply their
 * conclusion (follow-up state, reasons, rule tags) in the transaction that projected the session,
 * or in a background pass after a rule changed. A person's decision wins (owner_set: the rules
 * only refresh its reasons); rules add and remove only the tags they added.
 *
 * Rules and caller settings are read in the transaction that uses them, never cached: another hub
 * may have changed them a moment ago.
 */
import { performance } from 'node:perf_hooks';
import type { CallerSettings, Rule } from '../../../../../shared/follow-up.js';
import { RULES_ACTOR } from '../../../../../shared/follow-up.js';
import { builtinRules, defaultCountryFromLocale, identifyCaller, triageSession } from '../../../triage/index.js';
import { InvalidEditError } from '../../errors.js';
import type { RetriageOptions, RetriagePage, SaveRuleInput } from '../../types.js';
import { all, run, value, type Db } from '../db.js';
import { callerSettings, followUpRow, followUpRows, listRules, ruleById } from '../reads/follow-ups.js';
import { priorityNumber, TRIAGE_PENDING, type FollowUpRow } from '../../rows/follow-ups.js';
import { definitionOf, editedRuleKind, newRule, savedRule } from '../../rows/rules.js';
import { factsOf, type FactsMessage } from '../../rows/session-facts.js';
import { factsRow, factsRows, factsRowsAfter, hasSessionsAfter, messagesOfSessions, sessionFacts, sessionTotal, type FactsRow } from '../reads/session-facts.js';
import { isRetryable, isStorageFailure } from './group-commit.js';
import { tagNamed } from './owner-edits.js';
import { storableText } from './storable-text.js';

export interface Attention {
  followUp: boolean;
  notify: boolean;
}

interface Setup {
  rules: Rule[];
  callers: CallerSettings;
  country: string | null;
}

async function setupOf(db: Db): Promise<Setup> {
  const rules = (await listRules(db)).filter((rule) => rule.enabled);
  const callers = await callerSettings(db);
  return { rules, callers, country: callers.defaultCountry ?? defaultCountryFromLocale() };
}

/** Adds the built-in rules a database does not have yet (new archive, or a new built-in). */
export async function seedRules(db: Db, now: number): Promise<void> {
  for (const [position, rule] of builtinRules(now).entries()) {
    await run(db, 'INSERT INTO rules (id, position, definition, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING', [
      rule.id,
      position,
      definitionOf(rule),
      rule.updatedAt,
    ]);
  }
}

/**
 * After a session's event was projected. A failure of the rules must never cost an event its
 * indexing: it is rolled back alone (a savepoint) and the session left as it was.
 */
export async function afterProjection(db: Db, sessionId: string, now: number): Promise<Attention | null> {
  await db.query('SAVEPOINT triage');
  try {
    const row = await factsRow(db, sessionId);
    const result = row ? await apply(db, await setupOf(db), row, null, now) : null;
    await db.query('RELEASE SAVEPOINT triage');
    return result ? { followUp: result.followUp, notify: result.notify } : null;
  } catch (error) {
    if (isStorageFailure(error) || isRetryable(error)) throw error;
    await db.query('ROLLBACK TO SAVEPOINT triage');
    process.stderr.write(`archive: triage of session ${sessionId} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return null;
  }
}

/**
 * After a batch's events were projected: the rules and settings read once, what the rules look at
 * (sessions, messages, follow-ups, rule tags) in one query each for the batch, and the whole
 * batch's triage in one savepoint. Should the rules fail on one session,
 * the batch's triage is rolled back and run again one session at a time (afterProjection), so
 * only that session is left untriaged.
 */
export async function afterProjectionMany(db: Db, sessionIds: readonly string[], now: number): Promise<Map<string, Attention>> {
  const attention = new Map<string, Attention>();
  if (sessionIds.length === 0) return attention;
  await db.query('SAVEPOINT triage_batch');
  try {
    const setup = await setupOf(db);
    const ahead = await readAhead(db, sessionIds);
    for (const row of await factsRows(db, sessionIds)) {
      const result = await apply(db, setup, row, null, now, ahead);
      attention.set(row.session_id, { followUp: result.followUp, notify: result.notify });
    }
    await writeCallers(db, ahead);
    await writeNewFollowUps(db, ahead, now);
    await db.query('RELEASE SAVEPOINT triage_batch');
    return attention;
  } catch (error) {
    if (isStorageFailure(error) || isRetryable(error)) throw error;
    await db.query('ROLLBACK TO SAVEPOINT triage_batch');
    attention.clear();
    for (const id of sessionIds) {
      const one = await afterProjection(db, id, now);
      if (one) attention.set(id, one);
    }
    return attention;
  }
}

/** One page of a pass over the archive, oldest session first, until the time budget is spent. */
export async function retriagePage(db: Db, options: RetriageOptions): Promise<RetriagePage> {
  const started = performance.now();
  const setup = await setupOf(db);
  let checked = 0;
  let changed = 0;
  let last = options.after ?? 0;
  let outOfTime = false;
  while (!outOfTime) {
    const rows = await factsRowsAfter(db, last, 32);
    if (rows.length === 0) break;
    for (const row of rows) {
      if ((await apply(db, setup, row, options.staleBefore, options.now)).changed) changed += 1;
      checked += 1;
      last = row.seq;
      if (performance.now() - started > options.budgetMs) {
        outOfTime = true;
        break;
      }
    }
  }
  const nextAfter = outOfTime && (await hasSessionsAfter(db, last)) ? last : null;
  if (nextAfter === null) await run(db, 'DELETE FROM archive_settings WHERE name = ?', [TRIAGE_PENDING]);
  return { checked, changed, total: await sessionTotal(db), nextAfter };
}

/** Sessions that started before staleBefore and never ended: few, and indexed apart (sessions_active). */
export async function triageStale(db: Db, options: { staleBefore: number; now: number }): Promise<{ changed: number }> {
  const ids = (await all<{ session_id: string }>(db, "SELECT session_id FROM sessions WHERE status = 'active' AND sort_at_ms < ?", [options.staleBefore])).map((r) => r.session_id);
  const setup = await setupOf(db);
  let changed = 0;
  for (const id of ids) {
    const row = await factsRow(db, id);
    if (row && (await apply(db, setup, row, options.staleBefore, options.now)).changed) changed += 1;
  }
  return { changed };
}

export async function saveRule(db: Db, input: SaveRuleInput, at: number): Promise<Rule> {
  let id = input.id;
  let kind: Rule['kind'];
  let position: number;
  if (id === undefined) {
    ({ id, kind } = newRule(input, await listRules(db)));
    position = await value<number>(db, 'SELECT coalesce(max(position), -1) + 1 FROM rules');
  } else {
    kind = editedRuleKind(input, await ruleById(db, id));
    position = await value<number>(db, 'SELECT position FROM rules WHERE id = ?', [id]);
  }
  const rule = savedRule(input, id, kind, at);
  await run(
    db,
    `INSERT INTO rules (id, position, definition, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`,
    [id, position, definitionOf(rule), at],
  );
  return rule;
}

export async function deleteRule(db: Db, id: string): Promise<boolean> {
  const rule = await ruleById(db, id);
  if (!rule) return false;
  if (rule.kind !== 'custom') throw new InvalidEditError(`"${rule.name}" is built in: it cannot be deleted, only turned off.`);
  await run(db, 'DELETE FROM rules WHERE id = ?', [id]);
  return true;
}

export async function saveCallerSettings(db: Db, settings: CallerSettings): Promise<CallerSettings> {
  await run(db, "INSERT INTO archive_settings (name, value) VALUES ('callers', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", [JSON.stringify(settings)]);
  return settings;
}

/** Re-identifies the caller and re-applies the rules to one session; says whether anything changed. */
/** What apply reads about a session, read ahead for a whole batch (one query each instead of one per session). */
interface ReadAhead {
  messages: Map<string, FactsMessage[]>;
  followUps: Map<string, FollowUpRow>;
  ruleTags: Map<string, number[]>;
  /** New follow-ups of the batch, written with one INSERT after its sessions are triaged (writeNewFollowUps). */
  newFollowUps: Array<{ sessionId: string; priority: number | null; reasons: string; sortAt: number }>;
  /** Callers identified for the batch's sessions, written with one UPDATE after they are triaged (writeCallers). */
  callers: Array<{ sessionId: string; key: string | null; label: string | null; kind: string | null }>;
}

async function readAhead(db: Db, sessionIds: readonly string[]): Promise<ReadAhead> {
  const ruleTags = new Map<string, number[]>();
  const tagRows = await all<{ session_id: string; tag_id: number }>(db, "SELECT session_id, tag_id FROM session_tags WHERE session_id = ANY(?::text[]) AND source = 'rule'", [sessionIds]);
  for (const { session_id, tag_id } of tagRows) ruleTags.set(session_id, [...(ruleTags.get(session_id) ?? []), tag_id]);
  return { messages: await messagesOfSessions(db, sessionIds), followUps: await followUpRows(db, sessionIds), ruleTags, newFollowUps: [], callers: [] };
}

async function writeCallers(db: Db, ahead: ReadAhead): Promise<void> {
  const rows = ahead.callers.splice(0);
  if (rows.length === 0) return;
  await run(
    db,
    `UPDATE sessions s SET caller_key = c.caller_key, caller_label = c.caller_label, caller_kind = c.caller_kind
     FROM unnest(?::text[], ?::text[], ?::text[], ?::text[]) AS c(session_id, caller_key, caller_label, caller_kind)
     WHERE s.session_id = c.session_id`,
    [rows.map((r) => r.sessionId), rows.map((r) => r.key), rows.map((r) => r.label), rows.map((r) => r.kind)],
  );
}

async function writeNewFollowUps(db: Db, ahead: ReadAhead, now: number): Promise<void> {
  const rows = ahead.newFollowUps.splice(0);
  if (rows.length === 0) return;
  await run(
    db,
    `INSERT INTO follow_ups (session_id, state, priority, reasons, changed_by, changed_at, owner_set, version, sort_at_ms)
     SELECT f.session_id, 'follow-up', f.priority, f.reasons, ?, ?, 0, 1, f.sort_at_ms
     FROM unnest(?::text[], ?::integer[], ?::text[], ?::bigint[]) AS f(session_id, priority, reasons, sort_at_ms)`,
    [RULES_ACTOR, now, rows.map((r) => r.sessionId), rows.map((r) => r.priority), rows.map((r) => r.reasons), rows.map((r) => r.sortAt)],
  );
}

async function apply(db: Db, setup: Setup, row: FactsRow, staleBefore: number | null, now: number, ahead?: ReadAhead): Promise<Attention & { changed: boolean }> {
  const facts = ahead ? factsOf(row, ahead.messages.get(row.session_id) ?? [], staleBefore) : await sessionFacts(db, row, staleBefore);
  const caller = identifyCaller(facts, setup.callers, setup.country);
  let changed = false;
  // From metadata parsed back into strings: a NUL in a caller's name or number is back (storable-text.ts).
  const callerKey = storableText(caller?.key ?? null);
  const callerLabel = storableText(caller?.label ?? null);
  if (callerKey !== row.caller_key || callerLabel !== row.caller_label || (caller?.kind ?? null) !== row.caller_kind) {
    if (ahead) ahead.callers.push({ sessionId: row.session_id, key: callerKey, label: callerLabel, kind: caller?.kind ?? null });
    else await run(db, 'UPDATE sessions SET caller_key = ?, caller_label = ?, caller_kind = ? WHERE session_id = ?', [callerKey, callerLabel, caller?.kind ?? null, row.session_id]);
    changed = true;
  }
  const outcome = triageSession(facts, setup.rules);
  const reasons = JSON.stringify(outcome.followUp?.reasons ?? []);
  const existing = ahead ? (ahead.followUps.get(row.session_id) ?? null) : await followUpRow(db, row.session_id);
  let followUp = existing?.state === 'follow-up';
  if (existing?.owner_set === 1) {
    if (existing.reasons !== reasons || existing.sort_at_ms !== row.sort_at_ms) {
      await run(db, 'UPDATE follow_ups SET reasons = ?, sort_at_ms = ? WHERE session_id = ?', [reasons, row.sort_at_ms, row.session_id]);
      changed ||= existing.reasons !== reasons;
    }
  } else {
    const state = outcome.followUp ? 'follow-up' : 'open';
    const priority = outcome.followUp ? priorityNumber(outcome.followUp.priority) : null;
    followUp = state === 'follow-up';
    if (!existing) {
      // Most sessions need nothing: no row until there is something to keep.
      if (followUp && ahead) {
        ahead.newFollowUps.push({ sessionId: row.session_id, priority, reasons, sortAt: row.sort_at_ms });
        changed = true;
      } else if (followUp) {
        await run(
          db,
          `INSERT INTO follow_ups (session_id, state, priority, reasons, changed_by, changed_at, owner_set, version, sort_at_ms)
           VALUES (?, ?, ?, ?, ?, ?, 0, 1, ?)`,
          [row.session_id, state, priority, reasons, RULES_ACTOR, now, row.sort_at_ms],
        );
        changed = true;
      }
    } else {
      const moved = existing.state !== state || existing.priority !== priority;
      if (moved || existing.reasons !== reasons || existing.sort_at_ms !== row.sort_at_ms) {
        await run(
          db,
          `UPDATE follow_ups SET state = ?, priority = ?, reasons = ?, sort_at_ms = ?,
             changed_by = CASE WHEN ? THEN ? ELSE changed_by END, changed_at = CASE WHEN ? THEN ?::bigint ELSE changed_at END,
             version = version + ?
           WHERE session_id = ?`,
          [state, priority, reasons, row.sort_at_ms, moved, RULES_ACTOR, moved, now, moved ? 1 : 0, row.session_id],
        );
        changed ||= moved || existing.reasons !== reasons;
      }
    }
  }
  if (await applyRuleTags(db, row.session_id, outcome.tags, now, ahead?.ruleTags.get(row.session_id) ?? (ahead ? [] : undefined))) changed = true;
  return { changed, followUp, notify: outcome.notify };
}

/** The session's rule-added tags become exactly `names`; tags the owner added are left alone. */
async function applyRuleTags(db: Db, sessionId: string, names: string[], now: number, readAhead?: number[]): Promise<boolean> {
  const current = readAhead ?? (await all<{ tag_id: number }>(db, "SELECT tag_id FROM session_tags WHERE session_id = ? AND source = 'rule'", [sessionId])).map((r) => r.tag_id);
  if (current.length === 0 && names.length === 0) return false;
  const wanted = new Set<number>();
  for (const name of names) wanted.add((await tagNamed(db, name)).id);
  let changed = false;
  for (const tagId of current) {
    if (!wanted.has(tagId)) {
      await run(db, 'DELETE FROM session_tags WHERE session_id = ? AND tag_id = ?', [sessionId, tagId]);
      changed = true;
    }
  }
  for (const tagId of wanted) {
    const added = await run(
      db,
      `INSERT INTO session_tags (session_id, tag_id, source, added_by, added_at) VALUES (?, ?, 'rule', ?, ?)
       ON CONFLICT (session_id, tag_id) DO NOTHING`,
      [sessionId, tagId, RULES_ACTOR, now],
    );
    if (added > 0) changed = true;
  }
  return changed;
}
