/**
 * The `callaider-archive` command line: serve, start, show-secret, export, import, reverify, demo, backup, verify, restore,
 * encrypt, rekey, decrypt, erase, retention, users, send-test.
 * Errors people can fix (a taken port, a locked archive, a bad option) print one line and exit 1.
 */
import { parseForwardEvents, readForwardConfig, targetsFromFlags } from '../forwarding/command-line.js';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { EXPORT_FORMATS, type ExportFormat } from '../../../shared/export-format.js';
import { ArchiveLockedError } from '../archive/engine-lock.js';
import { ArchiveKeyError, ArchiveVersionError } from '../archive/errors.js';
import { headlessKey, KEY_ENV, type ArchiveKey } from '../archive/archive-key.js';
import { ArchiveLocationError, DATABASE_URL_ENV, describeLocation, openArchive, type ArchiveLocation, type OpenArchiveOptions } from '../archive/open-store.js';
import {
  ConfigError,
  DEFAULTS,
  checkBodyBudgetOption,
  checkNgrokPooling,
  DEFAULT_ALERTS,
  defaultConfig,
  parseDailySummary,
  parseBodyBudget,
  parseBodyLimit,
  parsePort,
  parsePublicUrl,
  parseRequiredHeader,
  parseTunnelMode,
  type EngineConfig,
} from '../config.js';
import { PortInUseError } from '../errors.js';
import { SessionNotFoundError, writeExport } from '../export.js';
import { archivePath, defaultDataDir } from '../paths.js';
import type { loadDemoData as loadDemoDataType } from '../demo.js';
import type { importFiles as importFilesType } from '../import.js';
import type { reverifyQuarantine as reverifyQuarantineType } from '../quarantine.js';
import type { sendTest as sendTestType } from '../send-test.js';
import { TunnelError } from '../tunnel/tunnel.js';
import type { headlessSettings as headlessSettingsType, savedWebhookSecret as savedWebhookSecretType } from './headless-settings.js';
import type { serve as serveType } from './serve.js';
import type { eraseCommand as eraseCommandType, retentionCommand as retentionCommandType } from './erasure-commands.js';
import type { backupCommand as backupCommandType, restoreCommand as restoreCommandType, verifyCommand as verifyCommandType, verifyDatabase as verifyDatabaseType, RestoreTarget } from './backup-commands.js';
import { parseBackupKeep, parseBackupSchedule } from '../backup/options.js';
import type { KeepPolicy } from '../backup/rotation.js';
import type { BackupSchedule } from '../backup/scheduler.js';
import type { usersCommand as usersCommandType, UsersAction } from './users-commands.js';
import type { decryptCommand as decryptCommandType, encryptCommand as encryptCommandType, rekeyCommand as rekeyCommandType } from './key-commands.js';

// Each command loads what it needs when it runs: `serve` starts at login on a laptop, and every
// module loaded before its archive opens is start-up time.
const serve: typeof serveType = async (...args) => (await import('./serve.js')).serve(...args);
const importFiles: typeof importFilesType = async (...args) => (await import('../import.js')).importFiles(...args);
const loadDemoData: typeof loadDemoDataType = async (...args) => (await import('../demo.js')).loadDemoData(...args);
const reverifyQuarantine: typeof reverifyQuarantineType = async (...args) => (await import('../quarantine.js')).reverifyQuarantine(...args);
const sendTest: typeof sendTestType = async (...args) => (await import('../send-test.js')).sendTest(...args);
const headlessSettings: typeof headlessSettingsType = async (...args) => (await import('./headless-settings.js')).headlessSettings(...args);
const savedWebhookSecret: typeof savedWebhookSecretType = async (...args) => (await import('./headless-settings.js')).savedWebhookSecret(...args);

const backupCommand: typeof backupCommandType = async (...args) => (await import('./backup-commands.js')).backupCommand(...args);
const verifyCommand = async (...args: Parameters<typeof verifyCommandType>) => (await import('./backup-commands.js')).verifyCommand(...args);
const verifyDatabase = async (...args: Parameters<typeof verifyDatabaseType>) => (await import('./backup-commands.js')).verifyDatabase(...args);
const restoreCommand = async (...args: Parameters<typeof restoreCommandType>) => (await import('./backup-commands.js')).restoreCommand(...args);

const encryptCommand: typeof encryptCommandType = async (...args) => (await import('./key-commands.js')).encryptCommand(...args);
const rekeyCommand: typeof rekeyCommandType = async (...args) => (await import('./key-commands.js')).rekeyCommand(...args);
const decryptCommand: typeof decryptCommandType = async (...args) => (await import('./key-commands.js')).decryptCommand(...args);
const eraseCommand = async (...args: Parameters<typeof eraseCommandType>) => (await import('./erasure-commands.js')).eraseCommand(...args);
const retentionCommand = async (...args: Parameters<typeof retentionCommandType>) => (await import('./erasure-commands.js')).retentionCommand(...args);
const parsePeriod = async (value: string) => (await import('./erasure-commands.js')).parsePeriod(value);
const usersCommand = async (...args: Parameters<typeof usersCommandType>) => (await import('./users-commands.js')).usersCommand(...args);

const SECRET_ENV = 'CALLAIDER_WEBHOOK_SECRET';

const wrap = <T>(parse: (value: string) => T) => (value: string) => {
  try {
    return parse(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
};
const positiveInt = (name: string) =>
  wrap((value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number of at least 1 (got "${value}")`);
    return n;
  });

/** A cutoff for `export --before`: a day (UTC midnight) or an ISO date-time. */
function parseBefore(value: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw new Error(`--before must be a date like 2025-06-30 or an ISO time like 2025-06-30T12:00:00Z (got "${value}")`);
  return ms;
}

function dataDirOption(): Option {
  return new Option('--data-dir <dir>', 'archive folder (default: the desktop app\'s data folder; env CALLAIDER_ARCHIVE_DATA_DIR)');
}

function databaseOption(): Option {
  return new Option('--database <url>', 'the office hub\'s PostgreSQL archive (postgres://user:password@host:5432/database) instead of the SQLite file in the data folder').env(DATABASE_URL_ENV);
}

type ArchiveFlags = { dataDir?: string; keyFile?: string; database?: string };

/** The archive a command works on: --database (or its environment variable), else the data folder's SQLite file. */
function commandLocation(flags: ArchiveFlags, mustExist: boolean): ArchiveLocation {
  if (flags.database) return { kind: 'postgres', url: flags.database };
  const dataDir = resolveDataDir(flags.dataDir);
  if (mustExist) return { kind: 'sqlite', file: existingArchivePath(dataDir) };
  mkdirSync(dataDir, { recursive: true });
  return { kind: 'sqlite', file: archivePath(dataDir) };
}

function openCommandArchive(flags: ArchiveFlags, options: { mustExist: boolean } & Pick<OpenArchiveOptions, 'readonly'>) {
  return openArchive(commandLocation(flags, options.mustExist), { readonly: options.readonly, key: archiveKey(flags) });
}

/** For `erase` and `retention`: the archive to open when they run, and which kind it is (what an erasure leaves differs). */
function erasureArchive(flags: ArchiveFlags) {
  const location = commandLocation(flags, true);
  return { kind: location.kind, open: () => openArchive(location, { key: archiveKey(flags) }) };
}

/** --data-dir and --database name two different archives: a command that changes one must not guess which. */
function oneArchiveOnly(flags: ArchiveFlags, command: string): void {
  if (flags.database && flags.dataDir) {
    throw new ConfigError(`\`${command}\` got both --data-dir and --database (or ${DATABASE_URL_ENV}): give the one archive to work on`);
  }
}

function keyFileOption(): Option {
  return new Option('--key-file <file>', `the encrypted archive's key: 64 hex digits or a passphrase (default: env ${KEY_ENV})`);
}

/** --key-file, else CALLAIDER_ARCHIVE_KEY, else none (a plaintext archive). */
function archiveKey(flags: { keyFile?: string }): ArchiveKey | null {
  return headlessKey({ keyFile: flags.keyFile ? resolve(flags.keyFile) : undefined, env: process.env });
}

function resolveDataDir(dir: string | undefined): string {
  return resolve(dir ?? defaultDataDir());
}

/** The archive file in `dataDir`, or a clear error when nothing was ever stored there. */
function existingArchivePath(dataDir: string): string {
  const file = archivePath(dataDir);
  if (!existsSync(file)) throw new ConfigError(`no archive in ${dataDir} yet (nothing has been received or imported there)`);
  return file;
}

export function buildProgram(): Command {
  const program = new Command('callaider-archive')
    .description('A private, offline archive of your CallAIder assistant sessions.')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(text) });

  const addServeOptions = (command: Command) =>
    command
      .addOption(dataDirOption())
      .addOption(databaseOption())
      .addOption(keyFileOption())
      .option('--port <port>', 'webhook listener port', wrap((v) => parsePort(v, '--port')), DEFAULTS.port)
      .option('--host <host>', 'webhook listener address (keep loopback: the tunnel reaches it there)', DEFAULTS.host)
      .option('--ui-port <port>', 'archive window port (loopback only)', wrap((v) => parsePort(v, '--ui-port')), DEFAULTS.uiPort)
      .option('--ui-token <token>', 'archive window access token (default: a new random one each start)')
      .option('--ui-host <host>', 'serve the archive window on this address (e.g. 0.0.0.0 or a LAN address): HTTPS and accounts only (see `users add`)')
      .option('--tls-cert <file>', "the archive window's certificate (PEM); default off loopback: a self-signed one kept in the data folder")
      .option('--tls-key <file>', "the certificate's private key (PEM)")
      .option('--no-ui', 'do not serve the archive window')
      .addOption(new Option('--secret <secret>', 'webhook secret (CallAIder webhookSecret)').env(SECRET_ENV))
      .option('--previous-secret <secret>', 'also accept this secret, while rotating to a new one')
      .option('--require-header <line>', 'require this header on every delivery, e.g. "Authorization: Basic 12345"', wrap(parseRequiredHeader))
      .option('--body-limit <size>', 'largest accepted body', wrap(parseBodyLimit), DEFAULTS.bodyLimit)
      .option('--body-budget <size>', 'request bodies held in memory at once; over it, 503 + Retry-After before reading', wrap(parseBodyBudget), DEFAULTS.bodyBudget)
      .option('--tunnel <mode>', 'ngrok | none', wrap(parseTunnelMode), 'none')
      .option('--ngrok-domain <domain>', 'reserved ngrok domain, so the public URL survives restarts')
      .option('--ngrok-pooling', 'ngrok endpoint pooling: every hub started with the same --ngrok-domain serves it, and ngrok spreads calls over them')
      .option('--public-url <url>', 'with --tunnel none: the public base URL of your own reverse proxy', wrap(parsePublicUrl))
      .option('--daily-summary <HH:MM|off>', "local time of the daily summary in the log (yesterday's calls, follow-ups, failures), or off", wrap(parseDailySummary), DEFAULT_ALERTS.dailySummaryAt)
      .option('--no-quiet-alerts', 'do not warn when no call has come for unusually long during the hours calls usually come')
      .option('--keep-card-numbers', 'store card numbers and security codes as sent instead of masking them (not recommended: see README "Card numbers")')
      .option('--backups <dir>', 'backups folder (default: backups/ in the data folder; a synced folder is the intended use)')
      .option('--backup-schedule <when>', 'daily (24 hours after the last good one), every N hours (6h), each day at a time (02:30), or off', wrap(parseBackupSchedule))
      .option('--backup-keep <d,w,m>', 'daily, weekly and monthly backups kept by rotation (default 7,4,12)', wrap(parseBackupKeep))
      .option('--forward <url>', 'also send each stored event, signed, to this http(s) URL (repeatable; README "Forwarding")', (url: string, urls: string[]) => [...urls, url], [] as string[])
      .option('--forward-events <list>', 'what --forward URLs receive: started, ended, follow-up (comma-separated)', 'started,ended')
      .option('--forward-config <file>', 'forwarding targets in a JSON file: {"targets":[{"url","events","headers","secret"}]}');

  type ServeFlags = {
    dataDir?: string; keyFile?: string; database?: string; port: number; host: string; uiPort: number; ui: boolean; uiToken?: string; uiHost?: string; tlsCert?: string; tlsKey?: string; secret?: string; previousSecret?: string;
    requireHeader?: EngineConfig['requiredHeader']; bodyLimit: number; bodyBudget: number; tunnel: EngineConfig['tunnel']; ngrokDomain?: string; ngrokPooling?: boolean; publicUrl?: string;
    dailySummary: string | null; quietAlerts: boolean; keepCardNumbers?: boolean;
    backups?: string; backupSchedule?: BackupSchedule; backupKeep?: KeepPolicy;
    forward: string[]; forwardEvents: string; forwardConfig?: string;
  };
  const forwardTargetsFrom = (flags: ServeFlags) => [
    ...targetsFromFlags(flags.forward, parseForwardEvents(flags.forwardEvents)),
    ...(flags.forwardConfig ? readForwardConfig(resolve(flags.forwardConfig)) : []),
  ];
  const configFrom = (flags: ServeFlags): EngineConfig => {
    checkBodyBudgetOption(flags.bodyLimit, flags.bodyBudget);
    checkNgrokPooling(flags);
    return defaultConfig({
      dataDir: resolveDataDir(flags.dataDir),
      host: flags.host,
      port: flags.port,
      secret: flags.secret || undefined,
      previousSecret: flags.previousSecret || undefined,
      requiredHeader: flags.requireHeader,
      bodyLimit: flags.bodyLimit,
      bodyBudget: flags.bodyBudget,
      tunnel: flags.tunnel,
      ngrokDomain: flags.ngrokDomain,
      ngrokPooling: flags.ngrokPooling,
      ngrokAuthtoken: process.env.NGROK_AUTHTOKEN || undefined,
      publicUrl: flags.publicUrl,
      alerts: { dailySummaryAt: flags.dailySummary, quietAlerts: flags.quietAlerts },
      redactCards: !flags.keepCardNumbers,
      backupsFolder: flags.backups ? resolve(flags.backups) : undefined,
      schedule: flags.backupSchedule,
      backupKeep: flags.backupKeep,
      archiveKey: archiveKey(flags),
      forwardTargets: forwardTargetsFrom(flags),
      databaseUrl: flags.database || undefined,
    });
  };

  const windowFlags = (flags: ServeFlags) => ({
    uiToken: flags.uiToken,
    uiHost: flags.uiHost,
    tlsCert: flags.tlsCert ? resolve(flags.tlsCert) : undefined,
    tlsKey: flags.tlsKey ? resolve(flags.tlsKey) : undefined,
  });

  addServeOptions(program.command('serve').description('receive webhooks into the archive until stopped (headless mode)')).action(
    async (flags: ServeFlags) => serve(configFrom(flags), { uiPort: flags.ui ? flags.uiPort : null, ...windowFlags(flags) }),
  );

  addServeOptions(
    program
      .command('start')
      .description("what `npm start` falls back to where the desktop app cannot start: the engine with the desktop app's settings and secrets from the data folder (options given here apply to this run only)"),
  ).action(async (flags: ServeFlags, command: Command) => {
    checkBodyBudgetOption(flags.bodyLimit, flags.bodyBudget);
    // Given on the command line or in the environment: on top of the saved settings, for this run.
    const given = (key: keyof ServeFlags) => ['cli', 'env'].includes(command.getOptionValueSource(key) ?? '');
    const { config, secretNote, warnings } = await headlessSettings(resolveDataDir(flags.dataDir), {
      host: flags.host,
      bodyLimit: flags.bodyLimit,
      bodyBudget: flags.bodyBudget,
      port: given('port') ? flags.port : undefined,
      tunnel: given('tunnel') ? flags.tunnel : undefined,
      secret: (given('secret') && flags.secret) || undefined,
      previousSecret: flags.previousSecret || undefined,
      requiredHeader: flags.requireHeader,
      ngrokDomain: flags.ngrokDomain,
      ngrokAuthtoken: process.env.NGROK_AUTHTOKEN || undefined,
      publicUrl: flags.publicUrl,
    }, {
      dailySummaryAt: given('dailySummary') ? flags.dailySummary : undefined,
      quietAlerts: given('quietAlerts') ? flags.quietAlerts : undefined,
    });
    for (const warning of warnings) process.stderr.write(`callaider-archive: ${warning}\n`);
    if (flags.keepCardNumbers) config.redactCards = false;
    config.archiveKey = archiveKey(flags);
    config.forwardTargets = forwardTargetsFrom(flags);
    config.databaseUrl = flags.database || undefined;
    config.ngrokPooling = flags.ngrokPooling;
    checkNgrokPooling(config);
    await serve(config, { uiPort: flags.ui ? flags.uiPort : null, ...windowFlags(flags), headlessNotice: true, secretNote });
  });

  program
    .command('show-secret')
    .description('print the webhook secret saved in the data folder (by `npm start` headless; the desktop app shows its own in Setup)')
    .addOption(dataDirOption())
    .action(async (flags: { dataDir?: string }) => {
      process.stdout.write(`${await savedWebhookSecret(resolveDataDir(flags.dataDir))}\n`);
    });

  program
    .command('export')
    .description('write sessions out as json, ndjson, csv or md')
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .addOption(keyFileOption())
    .addOption(new Option('--format <format>', 'output format').choices(EXPORT_FORMATS).default('json'))
    .option('--session <id>', 'only this session')
    .option('--out <file>', 'write to a file (default: standard output)')
    .option('--mask', 'mask phone numbers (last 2 digits kept) and e-mail addresses (first letter and domain kept) in the exported text')
    .option('--before <date>', 'only the sessions a retention run with this cutoff would erase (started, and ended, before it): YYYY-MM-DD (UTC midnight) or an ISO time', wrap(parseBefore))
    .action(async (flags: ArchiveFlags & { format: ExportFormat; session?: string; out?: string; mask?: boolean; before?: number }) => {
      if (flags.session && flags.before !== undefined) throw new ConfigError('give either --session or --before, not both');
      const store = await openCommandArchive(flags, { mustExist: true, readonly: true });
      try {
        if (!flags.out) {
          const count = await writeExport(store, process.stdout, { format: flags.format, sessionId: flags.session, mask: flags.mask, before: flags.before });
          process.stderr.write(`exported ${count} session${count === 1 ? '' : 's'}\n`);
          return;
        }
        // Written beside the target and renamed at the end: a failed export never leaves half a file.
        const target = resolve(flags.out);
        mkdirSync(dirname(target), { recursive: true });
        const partial = `${target}.partial-${process.pid}`;
        const out = createWriteStream(partial);
        try {
          const count = await writeExport(store, out, { format: flags.format, sessionId: flags.session, mask: flags.mask, before: flags.before });
          out.end();
          await finished(out);
          renameSync(partial, target);
          process.stderr.write(`exported ${count} session${count === 1 ? '' : 's'} to ${target}\n`);
        } catch (error) {
          out.destroy();
          rmSync(partial, { force: true });
          throw error;
        }
      } finally {
        await store.close();
      }
    });

  program
    .command('import')
    .description('replay saved payloads (one payload, a JSON array, NDJSON, or an export of this app) into the archive')
    .argument('<files...>')
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .addOption(keyFileOption())
    .action(async (files: string[], flags: ArchiveFlags) => {
      const archive = await openCommandArchive(flags, { mustExist: false });
      try {
        const summary = await importFiles(archive, files);
        process.stderr.write(
          `imported ${summary.payloads} payload${summary.payloads === 1 ? '' : 's'}: ${summary.stored} stored, ${summary.duplicates} already archived, ${summary.ignored} unknown event types ignored, ${summary.followUps} follow-up${summary.followUps === 1 ? '' : 's'} restored, ${summary.invalid.length} invalid\n`,
        );
        for (const problem of summary.invalid.slice(0, 50)) process.stderr.write(`  ${problem.where}: ${problem.reason}\n`);
        if (summary.invalid.length > 50) process.stderr.write(`  … and ${summary.invalid.length - 50} more\n`);
        if (summary.invalid.length > 0) process.exitCode = 1;
      } finally {
        await archive.close();
      }
    });

  program
    .command('reverify')
    .description('re-check deliveries quarantined for a bad signature with the right secret, and store those that match')
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .addOption(keyFileOption())
    .addOption(new Option('--secret <secret>', 'the webhook secret to check against').env(SECRET_ENV).makeOptionMandatory())
    .action(async (flags: ArchiveFlags & { secret: string }) => {
      const archive = await openCommandArchive(flags, { mustExist: true });
      try {
        const summary = await reverifyQuarantine(archive, flags.secret);
        process.stderr.write(
          `checked ${summary.checked} quarantined deliveries: ${summary.stored} stored, ${summary.duplicates} already archived, ${summary.kept} still not matching (kept)\n`,
        );
      } finally {
        await archive.close();
      }
    });

  program
    .command('demo')
    .description('fill an archive with realistic demo sessions (voice and text, failing tool calls, files, months of history)')
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .addOption(keyFileOption())
    .option('--sessions <n>', 'how many sessions', positiveInt('--sessions'), 300)
    .option('--seed <n>', 'random seed (same seed, same sessions)', positiveInt('--seed'))
    .option('--long-every <n>', 'every n-th session gets a long transcript (hundreds of messages)', positiveInt('--long-every'), 25)
    .action(async (flags: ArchiveFlags & { sessions: number; seed?: number; longEvery: number }) => {
      const location = commandLocation(flags, false);
      const archive = await openArchive(location, { key: archiveKey(flags) });
      try {
        const started = Date.now();
        let lastReport = 0;
        await loadDemoData(archive, {
          sessions: flags.sessions,
          seed: flags.seed,
          longEvery: flags.longEvery,
          onProgress: (done) => {
            if (Date.now() - lastReport > 2000) {
              lastReport = Date.now();
              process.stderr.write(`  ${done} / ${flags.sessions} sessions\n`);
            }
          },
        });
        const counts = await archive.counts({ staleBefore: 0 });
        process.stderr.write(`added ${flags.sessions} demo sessions in ${((Date.now() - started) / 1000).toFixed(1)} s; the archive in ${describeLocation(location)} now holds ${counts.sessions} sessions, ${counts.messages} messages\n`);
      } finally {
        await archive.close();
      }
    });

  program
    .command('copy')
    .description('copy a whole archive into another: SQLite (a data folder or an archive file) to PostgreSQL, or back; every event as stored, follow-ups, notes, tags, rules, caller settings and retention; counts checked at the end')
    .requiredOption('--from <where>', 'a data folder, an archive file, or postgres://…')
    .requiredOption('--to <where>', 'a data folder, an archive file, or postgres://… (must be empty)')
    .option('--into-non-empty', 'copy into an archive that already holds sessions (what is there is kept; nothing is stored twice)')
    .addOption(keyFileOption())
    .action(async (flags: { from: string; to: string; intoNonEmpty?: boolean; keyFile?: string }) => {
      const { copyCommand } = await import('./copy-command.js');
      await copyCommand(flags.from, flags.to, { intoNonEmpty: Boolean(flags.intoNonEmpty), key: archiveKey(flags) });
    });

  program
    .command('backup')
    .description('write a verified copy of the archive (works while an engine runs) and print its file; with --database, a gzipped NDJSON export of the database (.ndjson.gz; `restore --database` reads it back)')
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .addOption(keyFileOption())
    .option('--to <dir>', 'backups folder (default: backups/ in the data folder)')
    .action(async (flags: ArchiveFlags & { to?: string }) => {
      const dataDir = resolveDataDir(flags.dataDir);
      await backupCommand(commandLocation(flags, true), resolve(flags.to ?? join(dataDir, 'backups')), archiveKey(flags));
    });

  program
    .command('verify')
    .description('check a backup file (a .sqlite copy or a hub\'s .ndjson.gz), or the archive itself: integrity, schema and counts; with --database, every stored event, the projection and the counters of the hub database (exit 1 on a problem)')
    .argument('[file]', 'a backup file (default: the archive in the data folder, or with --database the hub database)')
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .addOption(keyFileOption())
    .action(async (file: string | undefined, flags: ArchiveFlags) => {
      if (file && flags.dataDir) throw new ConfigError('give either a FILE or --data-dir, not both');
      if (flags.database && !file) {
        oneArchiveOnly(flags, 'verify');
        if (archiveKey(flags)) throw new ConfigError('verify --database takes no key (--key-file or CALLAIDER_ARCHIVE_KEY encrypt SQLite archives only): drop it');
        return verifyDatabase(flags.database);
      }
      await verifyCommand(file ? resolve(file) : existingArchivePath(resolveDataDir(flags.dataDir)), archiveKey(flags));
    });

  program
    .command('restore')
    .description('replace the archive with a backup (checked first; the replaced archive is kept aside); stop the engine first. With --database: a hub backup (.ndjson.gz) read back into the hub database, or a SQLite backup copied into it (as `copy` does); into an empty database unless --into-non-empty')
    .argument('<file>', 'the backup file')
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .addOption(keyFileOption())
    .option('--into-non-empty', "with --database: add the backup's sessions to a database that already holds some (events there are kept, not duplicated; the backup's follow-up state is set on its sessions)")
    .action(async (file: string, flags: ArchiveFlags & { intoNonEmpty?: boolean }) => {
      oneArchiveOnly(flags, 'restore');
      const target: RestoreTarget = flags.database ? { kind: 'postgres', url: flags.database } : { kind: 'sqlite', dataDir: resolveDataDir(flags.dataDir) };
      await restoreCommand(file, target, { key: archiveKey(flags), intoNonEmpty: flags.intoNonEmpty });
    });

  program
    .command('encrypt')
    .description(`encrypt the archive (stop the engine first); the key comes from --key-file (a new random one is written there if the file does not exist), ${KEY_ENV}, or a new ${'archive.key'} in the data folder`)
    .addOption(dataDirOption())
    .addOption(keyFileOption())
    .action(async (flags: { dataDir?: string; keyFile?: string }) => encryptCommand(resolveDataDir(flags.dataDir), flags.keyFile));

  program
    .command('rekey')
    .description('change the encrypted archive\'s key (stop the engine first); the new key comes from --new-key-file (a new random one is written there if the file does not exist)')
    .addOption(dataDirOption())
    .addOption(keyFileOption())
    .requiredOption('--new-key-file <file>', 'the new key (64 hex digits or a passphrase), or where to write a new random one')
    .action(async (flags: { dataDir?: string; keyFile?: string; newKeyFile: string }) => rekeyCommand(resolveDataDir(flags.dataDir), flags.keyFile ? resolve(flags.keyFile) : undefined, flags.newKeyFile));

  program
    .command('decrypt')
    .description('turn the encrypted archive back into a plain one (stop the engine first)')
    .addOption(dataDirOption())
    .addOption(keyFileOption())
    .action(async (flags: { dataDir?: string; keyFile?: string }) => decryptCommand(resolveDataDir(flags.dataDir), flags.keyFile ? resolve(flags.keyFile) : undefined));

  program
    .command('erase')
    .description('erase a session, or every session of a caller, with their traces (irreversible; asks, or needs --yes); works while an engine runs; with --database, on the hub database (every receiver at once)')
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .addOption(keyFileOption())
    .option('--session <id>', 'the session to erase')
    .option('--caller <key>', "erase every session of this caller (the key shown on the caller's page, e.g. tel:+14155552671)")
    .option('--yes', 'do not ask (needed when not run at a terminal)')
    .action(async (flags: ArchiveFlags & { session?: string; caller?: string; yes?: boolean }) => {
      oneArchiveOnly(flags, 'erase');
      await eraseCommand(erasureArchive(flags), { session: flags.session, caller: flags.caller, yes: Boolean(flags.yes) });
    });

  program
    .command('retention')
    .description('show the retention period and the record of erasures, or set it (PERIOD: 90d, 6m, 1y, 2y, 3y, 5y, 7y, or off); setting it erases what is past it at once, and the engine then does daily')
    .argument('[action]', 'show | set | off', 'show')
    .argument('[period]', 'with set: 90d, 6m, 1y, 2y, 3y, 5y or 7y')
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .addOption(keyFileOption())
    .option('--backups <dir>', 'backups folder whose older backups retention deletes (default: backups/ in the data folder)')
    .option('--yes', 'do not ask before erasing (needed when not run at a terminal)')
    .action(async (action: string, period: string | undefined, flags: ArchiveFlags & { backups?: string; yes?: boolean }) => {
      let set: Awaited<ReturnType<typeof parsePeriod>> | undefined;
      if (action === 'show') {
        if (period !== undefined) throw new ConfigError('`retention show` takes no period (to change it: `retention set PERIOD`)');
      } else if (action === 'off') {
        if (period !== undefined) throw new ConfigError('`retention off` takes no period');
        set = 'off';
      } else if (action === 'set') {
        if (period === undefined) throw new ConfigError('`retention set` needs a period: 90d, 6m, 1y, 2y, 3y, 5y or 7y (or `retention off`)');
        set = await parsePeriod(period);
      } else {
        throw new ConfigError(`unknown retention action "${action}": use show, set PERIOD, or off`);
      }
      // On a hub the data folder still holds this machine's backups (--backups), whose older ones retention deletes.
      const dataDir = resolveDataDir(flags.dataDir);
      await retentionCommand(erasureArchive(flags), dataDir, { set, yes: Boolean(flags.yes), backups: flags.backups ? resolve(flags.backups) : undefined });
    });

  program
    .command('users')
    .description('people who may sign in to the archive window (office network): add NAME --role owner|staff, list, link NAME (a new one-time link), disable NAME, remove NAME')
    .argument('<action>', 'add | list | link | disable | remove')
    .argument('[name]', "the person's name (unique, ignoring case)")
    .addOption(dataDirOption())
    .addOption(databaseOption())
    .addOption(keyFileOption())
    .option('--role <role>', 'with add: owner (everything) or staff (read calls, work the follow-up list)')
    .option('--url <url>', "the archive window's address for the link (default: where serve last served it with accounts)")
    .action(async (action: string, name: string | undefined, flags: ArchiveFlags & { role?: string; url?: string }) => {
      if (!['add', 'list', 'link', 'disable', 'remove'].includes(action)) throw new ConfigError(`unknown users action "${action}": use add, list, link, disable or remove`);
      const dataDir = resolveDataDir(flags.dataDir);
      mkdirSync(dataDir, { recursive: true });
      // On a hub the people live in its database, shared by every receiver (--database).
      await usersCommand(() => openCommandArchive(flags, { mustExist: false }), dataDir, action as UsersAction, name, { role: flags.role, url: flags.url });
    });

  program
    .command('send-test')
    .description('act as CallAIder: send realistic signed session.started/session.ended pairs to a webhook URL')
    .option('--url <url>', 'webhook URL', `http://${DEFAULTS.host}:${DEFAULTS.port}/webhook`)
    .addOption(new Option('--secret <secret>', 'sign with this webhook secret').env(SECRET_ENV))
    .option('--header <line>', 'extra header, like CallAIder webhookHeaders ("Authorization: Basic 12345")', wrap(parseRequiredHeader))
    .option('--sessions <n>', 'how many sessions', positiveInt('--sessions'), 3)
    .option('--concurrency <n>', 'sessions delivered at once', positiveInt('--concurrency'), 4)
    .option('--seed <n>', 'random seed (same seed, same sessions)', positiveInt('--seed'))
    .action(async (flags: { url: string; secret?: string; header?: EngineConfig['requiredHeader']; sessions: number; concurrency: number; seed?: number }) => {
      const summary = await sendTest({
        url: flags.url,
        secret: flags.secret,
        header: flags.header,
        sessions: flags.sessions,
        concurrency: flags.concurrency,
        seed: flags.seed ?? Math.floor(Math.random() * 2 ** 31),
      });
      const events = summary.sessions * 2;
      process.stdout.write(
        `sent ${summary.sessions} session${summary.sessions === 1 ? '' : 's'} (${events} events) to ${flags.url} in ${(summary.elapsedMs / 1000).toFixed(1)} s: ${summary.delivered} accepted (${summary.duplicates} duplicates), ${summary.failed.length} failed\n`,
      );
      const reasons = new Map<string, number>();
      for (const failure of summary.failed) {
        const key = `${failure.status ?? 'no response'} ${failure.error ?? ''}`.trim();
        reasons.set(key, (reasons.get(key) ?? 0) + 1);
      }
      for (const [reason, count] of reasons) process.stdout.write(`  ${count} × ${reason}\n`);
      if (summary.failed.length > 0) process.exitCode = 1;
    });

  return program;
}

const FRIENDLY_ERRORS = [ConfigError, ArchiveLockedError, PortInUseError, TunnelError, SessionNotFoundError, ArchiveVersionError, ArchiveKeyError, ArchiveLocationError];
/** Named, not imported: importing it would load the PostgreSQL driver for every command. */
const FRIENDLY_ERROR_NAMES = ['PostgresConnectError', 'CopyRefusedError'];

export async function main(argv: string[] = process.argv): Promise<void> {
  // `export | head` closes the pipe early; that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (FRIENDLY_ERRORS.some((type) => error instanceof type) || (error instanceof Error && FRIENDLY_ERROR_NAMES.includes(error.name))) {
      process.stderr.write(`callaider-archive: ${(error as Error).message}\n`);
    } else {
      process.stderr.write(`callaider-archive: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    process.exitCode = 1;
  }
}
