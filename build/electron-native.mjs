// better-sqlite3 built for Electron's ABI, kept in build/native/electron-<version>/ so that
// node_modules/better-sqlite3 keeps its Node build (`npm test`, `serve`, the headless fallback).
// `npm run dist` packages this file (see build/before-pack.mjs); the app passes it to
// better-sqlite3 as `nativeBinding` (electronNativeBinding in electron/main/desktop-app.ts).
// Same steps as `npm start` (bin/start-desktop.mjs): a prebuilt binary if one exists for this
// Electron, otherwise node-gyp against Electron's headers. Both need the internet.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function electronNativePath(root, version) {
  return join(root, 'build', 'native', `electron-${version}`, 'better_sqlite3.node');
}

/** Returns null when the build exists (or was just made), else why it could not be made. */
export function ensureElectronNative(root, version, { arch = process.arch, log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const target = electronNativePath(root, version);
  if (existsSync(target)) return null;
  log(`building better-sqlite3 for Electron ${version} (${arch}) into ${dirname(target)}…`);
  const work = mkdtempSync(join(tmpdir(), 'callaider-native-'));
  try {
    cpSync(join(root, 'node_modules', 'better-sqlite3'), work, { recursive: true });
    rmSync(join(work, 'build'), { recursive: true, force: true });
    const attempts = [
      ['npx', ['--yes', 'prebuild-install', '--runtime', 'electron', '--target', version, '--arch', arch]],
      ['npx', ['--yes', 'node-gyp', 'rebuild', '--release', `--target=${version}`, `--arch=${arch}`, '--dist-url=https://electronjs.org/headers']],
    ];
    for (const [command, args] of attempts) {
      const result = spawnSync(command, args, { cwd: work, stdio: 'inherit', shell: process.platform === 'win32' });
      const built = join(work, 'build', 'Release', 'better_sqlite3.node');
      if (result.status === 0 && existsSync(built)) {
        mkdirSync(dirname(target), { recursive: true });
        copyFileSync(built, target);
        return null;
      }
    }
    return `better-sqlite3 could not be built for Electron ${version} (${arch}); offline, or no compiler for node-gyp`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
