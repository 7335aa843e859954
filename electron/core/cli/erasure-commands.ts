/** `erase` and `retention`: loaded only when one of them runs. */
import { createInterface } from 'node:readline/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { RETENTION_LABELS, type ErasureRecord, type RetentionPeriod, type RetentionView } from '../../../shared/retention.js';
import type { ArchiveStore } from '../archive/store.js';
import { BACKUPS_FOLDER } from '../backup/backups.js';
import { ConfigError } from '../config.js';
import { Eraser } from '../erasure/eraser.js';
import { RetentionScheduler } from '../erasure/retention-scheduler.js';
import { silentLogger } from '../log.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const BACKUPS_NOTE = 'Backups taken before now still hold them until they rotate out (or retention deletes them).';

function actor(): string {
  try {
    return userInfo().username.trim() || 'owner';
  } catch {
    return 'owner';
  }
}

/** --yes, or a typed "yes" at a terminal; anything else refuses and changes nothing. */
async function confirmed(question: string, yes: boolean): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new ConfigError(`${question} Refusing without --yes (no terminal to ask on); nothing was changed.`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} Type "yes" to go ahead: `);
    if (answer.trim().toLowerCase() !== 'yes') throw new ConfigError('not confirmed; nothing was changed');
  } finally {
    rl.close();
  }
}

/** Which archive a command works on: a SQLite file, or a hub's database (what happens to traces differs). */
export interface ErasureArchive {
  open: () => Promise<ArchiveStore>;
  kind: 'sqlite' | 'postgres';
}

/** Waits for the scrub and says where the traces stand. */
async function scrubbed(eraser: Eraser, kind: ErasureArchive['kind']): Promise<string> {
  const done = await eraser.scrubbed();
  if (kind === 'postgres') {
    return done
      ? 'their rows are deleted and vacuumed from the hub database (every receiver sees the erasure at once)'
      : 'the deleted rows could not be vacuumed yet (the database was busy); it is done at the next erasure or receiver start';
  }
  return done
    ? 'their traces are gone from the archive file and its write-ahead log'
    : 'the write-ahead log could not be emptied yet (another program is reading the archive); it is at the next erasure or engine start';
}

/** Kept in the archive's audit log (owners read it in the window), as done from the command line. */
async function audited(store: ArchiveStore, entry: { action: 'erase' | 'settings'; target: string | null; detail: string }): Promise<void> {
  await store.recordAudit({ at: Date.now(), actor: `${actor()} (command line)`, address: null, ...entry });
}

export async function eraseCommand(archive: ErasureArchive, target: { session?: string | undefined; caller?: string | undefined; yes: boolean }): Promise<void> {
  if (Boolean(target.session) === Boolean(target.caller)) throw new ConfigError('give either --session ID or --caller KEY');
  const store = await archive.open();
  try {
    const eraser = new Eraser({ store, log: silentLogger });
    if (target.session) {
      const events = await store.storedEvents(target.session);
      if (events.length === 0) throw new ConfigError(`no session "${target.session}" in the archive; nothing was erased`);
      await confirmed(`Erase session ${target.session} with its transcript, notes and traces? This cannot be undone. ${BACKUPS_NOTE}`, target.yes);
      await eraser.eraseSession(target.session, actor());
      await audited(store, { action: 'erase', target: null, detail: '1 session' });
      process.stderr.write(`erased 1 session; ${await scrubbed(eraser, archive.kind)}. ${BACKUPS_NOTE}\n`);
      return;
    }
    const page = await store.getCaller(target.caller!, { limit: 1, now: Date.now(), staleAfterMs: 0 });
    if (!page) throw new ConfigError(`no caller "${target.caller}" in the archive (keys look like the caller page's, e.g. tel:+14155552671); nothing was erased`);
    await confirmed(`Erase all ${plural(page.caller.sessions, 'session')} of ${page.caller.label}? This cannot be undone. ${BACKUPS_NOTE}`, target.yes);
    const erased = await eraser.eraseCaller(target.caller!, actor());
    await audited(store, { action: 'erase', target: null, detail: `${plural(erased, 'session')} of one caller` });
    process.stderr.write(`erased ${plural(erased, 'session')}; ${await scrubbed(eraser, archive.kind)}. ${BACKUPS_NOTE}\n`);
  } finally {
    await store.close();
  }
}

export async function retentionCommand(archive: ErasureArchive, dataDir: string, action: { set?: RetentionPeriod | undefined; yes: boolean; backups?: string | undefined }): Promise<void> {
  const store = await archive.open();
  try {
    const now = Date.now();
    if (action.set === undefined) {
      process.stdout.write(describe(await store.retention({ now, limit: 10 })));
      return;
    }
    const { preview } = await store.retention({ now, period: action.set, limit: 0 });
    if (preview.sessions > 0) {
      await confirmed(`With ${RETENTION_LABELS[action.set].toLowerCase()} kept, ${plural(preview.sessions, 'session')} that started before ${day(preview.cutoff!)} are erased now, and older ones every day from now on. ${BACKUPS_NOTE}`, action.yes);
    }
    await store.setRetention(action.set);
    await audited(store, { action: 'settings', target: 'retention', detail: action.set });
    const eraser = new Eraser({ store, log: silentLogger });
    // The same run the engine makes daily: the period read back from the archive, the cutoff computed now.
    const run = await new RetentionScheduler({ store, eraser, backupsFolder: action.backups ?? join(dataDir, BACKUPS_FOLDER), log: silentLogger }).runNow();
    const traces = run.erased > 0 ? `; ${await scrubbed(eraser, archive.kind)}` : '';
    process.stderr.write(
      action.set === 'off'
        ? 'retention is off: every session is kept\n'
        : `retention set to ${RETENTION_LABELS[action.set].toLowerCase()}: erased ${plural(run.erased, 'session')} that started before ${day(run.cutoff!)}${traces}, deleted ${plural(run.backupsPruned, 'older backup')}\n`,
    );
  } finally {
    await store.close();
  }
}

function describe(view: RetentionView): string {
  const { preview } = view;
  const lines = [
    view.period === 'off'
      ? 'retention: off (every session is kept)'
      : `retention: ${RETENTION_LABELS[view.period].toLowerCase()} (sessions that started before ${day(preview.cutoff!)} are erased daily; ${plural(preview.sessions, 'session')} past it now)`,
    `erasures: ${view.erasureCount}${view.erasureCount > 0 ? ' (newest first)' : ''}`,
    ...view.erasures.map((record) => `  ${erasureLine(record)}`),
  ];
  return `${lines.join('\n')}\n`;
}

function erasureLine(record: ErasureRecord): string {
  return `${new Date(record.startedAt).toISOString()}  ${record.kind}: ${plural(record.sessions, 'session')} erased by ${record.actor}${record.finishedAt === null ? ' (traces not yet scrubbed)' : ''}`;
}

export function parsePeriod(value: string): RetentionPeriod {
  const known = Object.keys(RETENTION_LABELS);
  if (!known.includes(value)) throw new ConfigError(`unknown retention period "${value}": use one of ${known.join(', ')}`);
  return value as RetentionPeriod;
}
