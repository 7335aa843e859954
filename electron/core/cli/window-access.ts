/**
 * How `serve` opens the archive window: with the single token on loopback (as always), or with
 * accounts, which it uses once any exist and always off loopback, where it also insists on HTTPS.
 * Also remembers the window's address in the data folder, so `users add` prints links to it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Accounts } from '../accounts/accounts.js';
import { keptFingerprint, loadGivenCertificate, selfSignedCertificate, type TlsMaterial } from '../accounts/tls.js';
import { ConfigError } from '../config.js';
import type { Engine } from '../engine.js';
import { isLoopbackHost, type UiServer } from '../ui-server.js';

export interface WindowAccess {
  host: string;
  accounts: Accounts | null;
  tls: TlsMaterial | null;
  selfSigned: boolean;
  /** Keeps the window's address for `users add`. */
  remember(ui: UiServer): void;
}

const WINDOW_FILE = 'archive-window.json';

export interface RememberedWindow {
  url: string;
  fingerprint: string | null;
}

export function rememberedWindow(dataDir: string): RememberedWindow | null {
  const file = join(dataDir, WINDOW_FILE);
  if (!existsSync(file)) return null;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<RememberedWindow>;
    return typeof parsed.url === 'string' ? { url: parsed.url, fingerprint: typeof parsed.fingerprint === 'string' ? parsed.fingerprint : keptFingerprint(dataDir) } : null;
  } catch {
    return null;
  }
}

export async function windowAccess(engine: Engine, dataDir: string, options: { uiHost?: string | undefined; tlsCert?: string | undefined; tlsKey?: string | undefined }): Promise<WindowAccess> {
  const host = options.uiHost ?? '127.0.0.1';
  if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) throw new ConfigError('give --tls-cert and --tls-key together (the certificate and its private key, PEM files)');
  const offLoopback = !isLoopbackHost(host);
  const accounts = new Accounts(() => engine.archive);
  if (offLoopback && !(await accounts.hasOwner())) {
    throw new ConfigError(
      `--ui-host ${host}: the archive window is served on the office network only with accounts, and this archive has no owner yet. ` +
        `Add one first with \`callaider-archive users add NAME --role owner --data-dir ${dataDir}\`, then start serve again (it will use HTTPS).`,
    );
  }
  const useAccounts = offLoopback || (await accounts.inUse());
  let tls: TlsMaterial | null = null;
  let selfSigned = false;
  if (options.tlsCert && options.tlsKey) tls = loadGivenCertificate(options.tlsCert, options.tlsKey);
  else if (offLoopback) {
    tls = await selfSignedCertificate(dataDir, host);
    selfSigned = true;
  }
  return {
    host,
    accounts: useAccounts ? accounts : null,
    tls,
    selfSigned,
    remember(ui) {
      if (ui.mode !== 'accounts') return;
      const remembered: RememberedWindow = { url: ui.baseUrl, fingerprint: tls?.fingerprint ?? null };
      try {
        writeFileSync(join(dataDir, WINDOW_FILE), `${JSON.stringify(remembered, null, 2)}\n`);
      } catch {
        // Only a convenience for `users add` (which can be given --url): never a reason not to serve.
      }
    },
  };
}
