/**
 * Where the archive lives. The default is the folder Electron's app.getPath('userData') gives
 * the desktop app ("<appData>/CallAIder Archive"), so the tray app and `serve` share one archive.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PRODUCT_NAME = 'CallAIder Archive';
export const ARCHIVE_FILE = 'archive.sqlite';
export const DATA_DIR_ENV = 'CALLAIDER_ARCHIVE_DATA_DIR';

export function appDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (platform === 'win32') return env.APPDATA ?? join(home, 'AppData', 'Roaming');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support');
  return env.XDG_CONFIG_HOME || join(home, '.config');
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  return env[DATA_DIR_ENV] || join(appDataDir(env, platform, home), PRODUCT_NAME);
}

export function archivePath(dataDir: string): string {
  return join(dataDir, ARCHIVE_FILE);
}

/** The project (or packaged app) root: the nearest folder above this file with a package.json. */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

/** Where `npm run build` puts the archive window (Vite output). */
export function rendererDir(): string {
  return join(packageRoot(), 'dist', 'renderer');
}
