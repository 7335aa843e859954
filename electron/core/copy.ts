/**
 * Copying a whole archive from one store to another (SQLite ⇄ PostgreSQL), through the
 * ArchiveStore interface only: the settings the owner made (rules, caller settings, retention)
 * first, so the copied calls are triaged by the same rules; then every session as this app's NDJSON
 * export (the stored event bodies as received, with the owner's follow-up, notes and tags),
 * imported without re-masking card data (the bodies are copied as stored). At the end both
 * archives are exported again and compared: the counts reported, and the two exports byte for byte.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { ruleInputSchema } from '../../shared/follow-up.js';
import type { ArchiveStore } from './archive/store.js';
import { writeExport } from './export.js';
import { importNdjsonFile, type ImportSummary } from './import.js';
import { ndjsonLines } from './ndjson-lines.js';

export interface CopyTally {
  sessions: number;
  events: number;
  followUps: number;
  notes: number;
}

export interface CopyReport {
  source: CopyTally;
  destination: CopyTally;
  /** The destination's export is the source's, byte for byte. */
  identical: boolean;
  imported: ImportSummary;
  rules: number;
}

export class CopyRefusedError extends Error {
  override name = 'CopyRefusedError';
}

/** Both exports are files read as streams: a 100k-session archive's export is more than one string may hold. */
async function exportTo(store: ArchiveStore, file: string): Promise<void> {
  const out = createWriteStream(file);
  await writeExport(store, out, { format: 'ndjson' });
  out.end();
  await finished(out);
}

async function digestOf(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Sessions and events from the store's counters; follow-up records and notes from its export. */
async function tally(store: ArchiveStore, exportFile: string): Promise<CopyTally> {
  const counts = await store.counts({ staleBefore: 0 });
  let followUps = 0;
  let notes = 0;
  for await (const { text } of ndjsonLines(exportFile)) {
    const followUp = (JSON.parse(text) as { followUp?: { notes?: unknown[] } | null }).followUp;
    if (followUp) followUps += 1;
    notes += followUp?.notes?.length ?? 0;
  }
  return { sessions: counts.sessions, events: counts.events, followUps, notes };
}

export async function copyArchive(from: ArchiveStore, to: ArchiveStore, options: { intoNonEmpty: boolean }): Promise<CopyReport> {
  const existing = await to.counts({ staleBefore: 0 });
  if (existing.events > 0 && !options.intoNonEmpty) {
    throw new CopyRefusedError(`the destination already holds ${existing.sessions} sessions (${existing.events} events): copy into an empty archive, or add --into-non-empty to merge (events already there are kept, not duplicated)`);
  }
  const work = join(tmpdir(), `callaider-archive-copy-${process.pid}-${Date.now()}`);
  const sourceFile = `${work}-from.ndjson`;
  const destinationFile = `${work}-to.ndjson`;
  try {
    const rules = await from.listRules();
    // The built-in rules exist in every archive (same ids): updated. The owner's own are created
    // anew, unless one of that name is there already (a merge must not double them).
    const present = await to.listRules();
    const ids = new Set(present.map((rule) => rule.id));
    const names = new Set(present.map((rule) => rule.name));
    for (const { updatedAt, id, ...rule } of rules) {
      if (ids.has(id)) await to.saveRule(ruleInputSchema.parse({ id, ...rule }), updatedAt);
      else if (!names.has(rule.name)) await to.saveRule(ruleInputSchema.parse(rule), updatedAt);
    }
    await to.saveCallerSettings(await from.callerSettings());
    await to.setRetention((await from.retention({ now: Date.now(), limit: 1 })).period);

    await exportTo(from, sourceFile);
    const imported: ImportSummary = { payloads: 0, stored: 0, duplicates: 0, ignored: 0, followUps: 0, invalid: [] };
    await importNdjsonFile(to, sourceFile, imported, { redactCards: false });
    await to.settled();
    await exportTo(to, destinationFile);
    return {
      source: await tally(from, sourceFile),
      destination: await tally(to, destinationFile),
      identical: (await digestOf(sourceFile)) === (await digestOf(destinationFile)),
      imported,
      rules: rules.length,
    };
  } finally {
    rmSync(sourceFile, { force: true });
    rmSync(destinationFile, { force: true });
  }
}
