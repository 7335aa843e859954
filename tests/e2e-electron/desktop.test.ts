/**
 * The real desktop app, end to end: the development Electron from node_modules runs the built app
 * (package.json main: dist/electron/main/index.js) under playwright-core's Electron support, on a
 * virtual X display. CallAIder is played by `send-test`. What the operating system shows
 * (notifications, the tray) is observed from the main process through electronApp.evaluate.
 *
 * It needs Electron's binary (an `npm install` that could download it), better-sqlite3 built for
 * Electron (`npm start` builds it once into build/native/), and an X display (DISPLAY, or Xvfb on
 * the PATH, which the test starts). Without the binary or a display it is skipped, saying why.
 * See README, "Development".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../electron/core/config.js';
import { assertBuilt, runCli } from '../support/cli.js';
import { onCleanup, sessionPair, tempDir } from '../support/fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ELECTRON_PACKAGE = join(ROOT, 'node_modules', 'electron');
const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');

/**
 * Where `require('electron')` would point, without calling it: when the binary is missing, that
 * require tries to download it, which must not happen in a test.
 */
function installedElectron(): string | null {
  const pathFile = join(ELECTRON_PACKAGE, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(ELECTRON_PACKAGE, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, command)));
}

const skipReason =
  process.platform !== 'linux'
    ? 'it runs on Linux (the data folder is isolated with XDG_CONFIG_HOME, the display is X11/Xvfb)'
    : !installedElectron()
      ? "Electron's binary is not installed (node_modules/electron has no path.txt or dist/): it was installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1 or offline; run `npm install` on a connected machine"
      : !process.env.DISPLAY && !onPath('Xvfb')
        ? 'there is no X display: set DISPLAY, run under xvfb-run, or `apt-get install xvfb` (the test starts Xvfb itself)'
        : null;
if (skipReason) console.warn(`tests/e2e-electron: the real desktop app test is skipped: ${skipReason}.`);

/** A private X server; Xvfb picks a free display number and writes it to fd 3. */
async function startXvfb(): Promise<string> {
  const xvfb: ChildProcess = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1360x900x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  onCleanup(() => {
    if (xvfb.exitCode === null && xvfb.signalCode === null) xvfb.kill('SIGTERM');
  });
  let errors = '';
  xvfb.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start within 10 s: ${errors}`)), 10_000);
    let text = '';
    (xvfb.stdio[3] as Readable).on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) {
        clearTimeout(timer);
        resolve(`:${text.trim()}`);
      }
    });
    xvfb.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited with ${code}: ${errors}`));
    });
  });
}

const DEFAULT_WEBHOOK_PORT = DEFAULTS.port;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

interface Observed {
  notifications: Array<{ title: string; body: string }>;
  trayTooltips: string[];
  trayAlive: boolean;
}

/** Records, from the main process, what the app asks the system to show. */
async function observeSystemUi(app: ElectronApplication): Promise<void> {
  await app.evaluate(({ Notification, Tray }) => {
    const seen = { notifications: [] as Array<{ title: string; body: string }>, trays: new Set<InstanceType<typeof Tray>>(), trayTooltips: [] as string[] };
    (globalThis as Record<string, unknown>).__e2eSeen = seen;
    // Under Xvfb there may be no libnotify; what is tested is that the app raises the notification.
    if (!Notification.isSupported()) Notification.isSupported = () => true;
    const show = Notification.prototype.show;
    Notification.prototype.show = function (this: InstanceType<typeof Notification>) {
      seen.notifications.push({ title: this.title, body: this.body });
      return show.call(this);
    };
    const setToolTip = Tray.prototype.setToolTip;
    Tray.prototype.setToolTip = function (this: InstanceType<typeof Tray>, toolTip: string) {
      seen.trays.add(this);
      seen.trayTooltips.push(toolTip);
      return setToolTip.call(this, toolTip);
    };
  });
}

async function observed(app: ElectronApplication): Promise<Observed> {
  return app.evaluate(() => {
    const seen = (globalThis as Record<string, unknown>).__e2eSeen as { notifications: Observed['notifications']; trays: Set<{ isDestroyed(): boolean }>; trayTooltips: string[] };
    return { notifications: seen.notifications, trayTooltips: seen.trayTooltips, trayAlive: [...seen.trays].some((tray) => !tray.isDestroyed()) };
  });
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `electron-${name}.png`) });

describe('the real desktop app (Electron)', () => {
  beforeAll(() => {
    if (!skipReason) assertBuilt();
  });

  it.skipIf(skipReason !== null)(
    `first run: Setup with a generated secret, Copy, a signed session in the window, a notification, the tray, a clean quit${skipReason ? ` [skipped: ${skipReason}]` : ''}`,
    { timeout: 120_000 },
    async () => {
      const electronVersion = (JSON.parse(readFileSync(join(ELECTRON_PACKAGE, 'package.json'), 'utf8')) as { version: string }).version;
      const native = join(ROOT, 'build', 'native', `electron-${electronVersion}`, 'better_sqlite3.node');
      if (!existsSync(native)) throw new Error(`better-sqlite3 is not built for Electron ${electronVersion} (${native}): run \`npm start\` once, which builds it`);
      // A first run has no settings yet, so the app listens on the default port.
      if (!(await portFree(DEFAULT_WEBHOOK_PORT))) throw new Error(`port ${DEFAULT_WEBHOOK_PORT} is taken; the first run of the app listens there: stop what uses it`);
      const display = process.env.DISPLAY || (await startXvfb());
      mkdirSync(SCREENSHOTS, { recursive: true });

      // A data folder of its own: app.getPath('userData') is $XDG_CONFIG_HOME/CallAIder Archive on Linux.
      const config = tempDir('callaider-electron-');
      const userData = join(config, 'CallAIder Archive');
      const app = await _electron.launch({
        args: [ROOT],
        cwd: ROOT,
        env: { ...process.env, DISPLAY: display, WAYLAND_DISPLAY: '', XDG_CONFIG_HOME: config, CALLAIDER_WEBHOOK_SECRET: '', NGROK_AUTHTOKEN: '' },
        timeout: 60_000,
      });
      onCleanup(async () => {
        if (app.process().exitCode === null) await app.close().catch(() => undefined);
      });
      let stderr = '';
      app.process().stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      await observeSystemUi(app);

      // First run: the window opens on Setup, and the secret shown is the one generated.
      const page = await app.firstWindow();
      await page.getByRole('heading', { name: 'Connect CallAIder' }).waitFor({ timeout: 30_000 });
      expect(page.url()).toMatch(/^app:\/\/archive\/.*#\/setup$/);
      await page.getByRole('button', { name: 'Show' }).click();
      const copySecret = page.getByRole('button', { name: 'Copy webhook secret' });
      await copySecret.waitFor();
      const secret = (await copySecret.locator('xpath=preceding-sibling::code').textContent())?.trim() ?? '';
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/); // generateWebhookSecret: 32 random bytes
      await shot(page, '01-first-run-setup');

      // Copy: navigator.clipboard in the window, read back from the system clipboard.
      await app.evaluate(({ clipboard }) => clipboard.writeText('before copy'));
      await copySecret.click();
      await expect.poll(() => app.evaluate(({ clipboard }) => clipboard.readText()), { timeout: 5_000 }).toBe(secret);

      const setupText = await page.locator('.setup-view').innerText();
      const webhook = /Locally it listens on (http:\/\/127\.0\.0\.1:\d+\/webhook)/.exec(setupText)?.[1];
      expect(webhook, setupText).toBeDefined();

      // Unsigned deliveries are refused: the generated secret is in force.
      const unsigned = await fetch(webhook!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-callaider-event': 'session.started' },
        body: JSON.stringify(sessionPair().started),
        signal: AbortSignal.timeout(10_000),
      });
      expect(unsigned.status).toBe(401);

      // A signed session from "CallAIder" appears in the window, live.
      await page.getByRole('link', { name: /^Sessions/ }).click();
      const sent = runCli(['send-test', '--url', webhook!, '--secret', secret, '--sessions', '1', '--seed', '11'], { env: { CALLAIDER_WEBHOOK_SECRET: '' } });
      expect(sent.stdout).toContain('2 accepted (0 duplicates), 0 failed');
      await page.locator('.session-row').first().waitFor({ timeout: 15_000 });
      expect(await page.locator('.session-row').count()).toBe(1);
      await shot(page, '02-session-arrived');

      // Its end raised a notification, and the tray shows the state.
      await expect.poll(async () => (await observed(app)).notifications.length, { timeout: 10_000 }).toBeGreaterThan(0);
      const seen = await observed(app);
      expect(seen.notifications[0]!.title).toMatch(/^(Call|Chat) ended · /);
      await expect.poll(async () => (await observed(app)).trayTooltips.length, { timeout: 10_000 }).toBeGreaterThan(0);
      expect((await observed(app)).trayAlive).toBe(true);

      // Quit: the engine finishes, the archive closes cleanly, the process exits 0.
      const closed = new Promise<void>((resolve) => app.once('close', () => resolve()));
      await app.evaluate(({ app: electronApp }) => {
        setTimeout(() => electronApp.quit(), 0);
      });
      await closed;
      expect(app.process().exitCode).toBe(0);
      expect(stderr).toContain('engine stopped; archive closed cleanly');
      expect(existsSync(join(userData, 'engine.lock.json'))).toBe(false);
      const exported = runCli(['export', '--data-dir', userData, '--format', 'json']);
      expect(exported.code).toBe(0);
      expect((JSON.parse(exported.stdout) as { sessions: unknown[] }).sessions).toHaveLength(1);
    },
  );
});
