#!/usr/bin/env node
// `npm start`: the desktop tray app, or, where Electron cannot start (no display, binary not
// installed, a sandbox the system will not allow), the same engine headless with a one-line
// reason and the archive window's URL.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// The same Electron build of better-sqlite3 that `npm run dist` packages.
import { ensureElectronNative } from '../build/electron-native.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
/** How much of Electron's stderr is kept to read why it stopped (Chromium's FATAL line and its stack). */
const STDERR_TAIL = 64 * 1024;
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
  const nativeProblem = ensureElectronNative(root, version);
  if (nativeProblem) {
    await headless(nativeProblem);
  } else {
    // Electron's stderr is passed through as it comes, and its end kept: when Electron stops before
    // the app runs (Chromium finds no sandbox it may use), that is where it says so.
    const child = spawn(binary.path, [root, ...process.argv.slice(2)], { stdio: ['inherit', 'inherit', 'pipe'] });
    let stderrTail = '';
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL);
    });
    // Stay until Electron has closed the archive: Ctrl+C reaches it from the terminal as well, and
    // a launcher gone early would leave its stderr writing into a closed pipe while it shuts down.
    const ignoreInterrupt = () => undefined;
    const forwardTerminate = () => child.kill('SIGTERM');
    process.on('SIGINT', ignoreInterrupt);
    process.on('SIGTERM', forwardTerminate);
    child.on('close', (code, signal) => {
      process.off('SIGINT', ignoreInterrupt);
      process.off('SIGTERM', forwardTerminate);
      if (code === 0) process.exit(0);
      void (async () => {
        const { electronStartProblem } = await import(new URL('../dist/electron/core/cli/electron-exit.js', import.meta.url).href);
        const problem = electronStartProblem({ code, signal, stderr: stderrTail });
        if (problem) await headless(problem);
        else process.exit(code ?? 1);
      })();
    });
  }
}
