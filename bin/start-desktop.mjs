#!/usr/bin/env node
// `npm start`: the desktop tray app, or, where Electron cannot start (no display, binary not
// installed), the same engine headless with a one-line reason and the archive window's URL.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);

/** Finds Electron's binary without require('electron'), which would try to download it. */
function electronBinary() {
  const pkg = join(root, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return { reason: 'the Electron binary is not installed (it was installed with ELECTRON_SKIP_BINARY_DOWNLOAD, or its download failed)' };
  const binary = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? { path: binary } : { reason: `the Electron binary is missing (${binary}); reinstall with npm install` };
}

function noDisplay() {
  if (process.platform !== 'linux') return null;
  return process.env.DISPLAY || process.env.WAYLAND_DISPLAY ? null : 'there is no display (no DISPLAY or WAYLAND_DISPLAY)';
}

/** better-sqlite3 for Electron's ABI in build/native/, leaving node_modules' Node build alone. */
function ensureElectronNative(version) {
  const target = join(root, 'build', 'native', `electron-${version}`, 'better_sqlite3.node');
  if (existsSync(target)) return null;
  process.stderr.write(`building better-sqlite3 for Electron ${version} (once)…\n`);
  const work = mkdtempSync(join(tmpdir(), 'callaider-native-'));
  try {
    cpSync(join(root, 'node_modules', 'better-sqlite3'), work, { recursive: true });
    rmSync(join(work, 'build'), { recursive: true, force: true });
    const attempts = [
      ['npx', ['--yes', 'prebuild-install', '--runtime', 'electron', '--target', version]],
      ['npx', ['--yes', 'node-gyp', 'rebuild', '--release', `--target=${version}`, '--dist-url=https://electronjs.org/headers']],
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
    return `better-sqlite3 could not be built for Electron ${version} (offline?)`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function headless(reason) {
  process.stderr.write(`The desktop app cannot start here: ${reason}. Running the archive headless instead.\n`);
  const { main } = await import(new URL('../dist/electron/core/cli/main.js', import.meta.url).href);
  await main([process.argv[0], 'callaider-archive', 'start', ...process.argv.slice(2)]);
}

const binary = electronBinary();
const reason = noDisplay() ?? binary.reason;
if (reason) {
  await headless(reason);
} else {
  const version = require('electron/package.json').version;
  const nativeProblem = ensureElectronNative(version);
  if (nativeProblem) {
    await headless(nativeProblem);
  } else {
    const child = spawn(binary.path, [root, ...process.argv.slice(2)], { stdio: 'inherit' });
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  }
}
