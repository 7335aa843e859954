/** `copy --from --to`: one archive into another (SQLite ⇄ PostgreSQL), with the counts checked and shown. */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ArchiveKey } from '../archive/archive-key.js';
import { describeLocation, isDatabaseUrl, openArchive, type ArchiveLocation } from '../archive/open-store.js';
import { ConfigError } from '../config.js';
import { copyArchive, type CopyTally } from '../copy.js';
import { archivePath } from '../paths.js';

/** A postgres:// URL, a data folder (its archive file), or an archive file. */
function locate(where: string, role: 'source' | 'destination'): ArchiveLocation {
  if (isDatabaseUrl(where)) return { kind: 'postgres', url: where };
  const path = resolve(where);
  const isFolder = existsSync(path) ? statSync(path).isDirectory() : role === 'destination' && !/\.(sqlite|db)$/i.test(path);
  const file = isFolder ? archivePath(path) : path;
  if (role === 'source' && !existsSync(file)) throw new ConfigError(`there is no archive at ${file} to copy from`);
  if (role === 'destination') mkdirSync(dirname(file), { recursive: true });
  return { kind: 'sqlite', file };
}

const line = (tally: CopyTally) => `${tally.sessions} sessions, ${tally.events} events, ${tally.followUps} follow-up records, ${tally.notes} notes`;

export async function copyCommand(from: string, to: string, options: { intoNonEmpty: boolean; key: ArchiveKey | null }): Promise<void> {
  const source = locate(from, 'source');
  const destination = locate(to, 'destination');
  if (describeLocation(source) === describeLocation(destination)) throw new ConfigError('--from and --to are the same archive');
  // The key belongs to whichever side is an encrypted SQLite file; a PostgreSQL side refuses one.
  const keyFor = (location: ArchiveLocation) => (location.kind === 'sqlite' ? options.key : null);
  const fromStore = await openArchive(source, { readonly: true, key: keyFor(source) });
  try {
    const toStore = await openArchive(destination, { key: keyFor(destination) });
    try {
      const report = await copyArchive(fromStore, toStore, { intoNonEmpty: options.intoNonEmpty });
      process.stdout.write(`copied ${describeLocation(source)} into ${describeLocation(destination)}\n`);
      process.stdout.write(`  from  ${line(report.source)}\n  to    ${line(report.destination)}\n`);
      process.stdout.write(`  also  ${report.rules} rules, caller settings and the retention period\n`);
      // Merged into a non-empty archive, the destination holds at least what the source does.
      const keys = Object.keys(report.source) as Array<keyof CopyTally>;
      const countsMatch = keys.every((key) => (options.intoNonEmpty ? report.destination[key] >= report.source[key] : report.destination[key] === report.source[key]));
      if (report.imported.invalid.length > 0) {
        for (const problem of report.imported.invalid.slice(0, 20)) process.stderr.write(`  not copied: ${problem.where}: ${problem.reason}\n`);
      }
      if (!countsMatch || report.imported.invalid.length > 0) {
        process.stderr.write('callaider-archive: the copy is incomplete: the counts above differ (the source was not changed)\n');
        process.exitCode = 1;
        return;
      }
      process.stdout.write(report.identical ? '  check every count matches, and both archives export byte for byte the same\n' : '  check every count matches (the destination held sessions before, so its export differs)\n');
    } finally {
      await toStore.close();
    }
  } finally {
    await fromStore.close();
  }
}
