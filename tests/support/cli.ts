/** Runs the real `bin/callaider-archive` (compiled by `npm run build`) as a child process. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './fixtures.js';

export const BIN = fileURLToPath(new URL('../../bin/callaider-archive', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/electron/core/cli/main.js', import.meta.url));

export function assertBuilt(): void {
  if (!existsSync(BUILT)) throw new Error('the CLI is not built: run `npm run build` before the tests');
}

export { freePort } from './ports.js';

export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: options.timeoutMs ?? 30_000, env: { ...process.env, ...options.env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface ServeProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Runs `node <args>` with its output collected; killed after the test if it is still running. */
export function spawnNode(args: string[], env: NodeJS.ProcessEnv = {}): ServeProcess {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Starts `serve` and resolves once it prints that it is listening. Killed after the test. */
export async function startServe(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ServeProcess> {
  // Many tests run at once: the archive window gets a free port unless the test picks one.
  const uiArgs = args.includes('--ui-port') || args.includes('--no-ui') ? [] : ['--ui-port', '0'];
  const started = spawnNode([BIN, 'serve', ...args, ...uiArgs], options.env);
  const { child, exited } = started;
  const out = () => started.stdout();
  const err = () => started.stderr();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start within ${options.timeoutMs ?? 15_000} ms:\n${out()}\n${err()}`)), options.timeoutMs ?? 15_000);
    const check = () => {
      if (out().includes('Stop with Ctrl+C')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before it started:\n${out()}\n${err()}`));
    });
  });
  return started;
}
