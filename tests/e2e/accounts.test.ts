/**
 * End to end with accounts: `serve` over HTTPS on loopback (its certificate given with --tls-cert),
 * people added with `users add`, Chromium opening their one-time links. Chromium is told to accept
 * the self-signed certificate (this test only; people compare its fingerprint instead).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../electron/core/accounts/tls.js';
import { assertBuilt, freePort, runCli, startServe } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';
import { browserAvailable, launchBrowser, SCREENSHOTS } from '../support/browser.js';

beforeAll(assertBuilt);

const PASSWORD = 'four quiet harbour lamps';
const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });

async function newPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1360, height: 860 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  // A refused call is a 401/403 the page handles; anything else in the console is a problem.
  page.on('console', (message) => message.type() === 'error' && !/status of 40[13]/.test(message.text()) && problems.push(message.text()));
  return { page, problems };
}

async function setPassword(page: Page, link: string, name: string) {
  await page.goto(link);
  await page.getByRole('heading', { name: `Welcome, ${name}` }).waitFor();
  await page.getByLabel('New password').fill('too short');
  await page.getByLabel('The same again').fill('too short');
  await page.getByRole('button', { name: 'Set password and sign in' }).click();
  await page.getByText(/at least 10 characters/).first().waitFor();
  await page.getByLabel('New password').fill(PASSWORD);
  await page.getByLabel('The same again').fill(PASSWORD);
  await page.getByRole('button', { name: 'Set password and sign in' }).click();
  await page.getByTestId('signed-in-name').filter({ hasText: name }).waitFor();
}

describe.runIf(browserAvailable)('archive window with accounts in Chromium', { timeout: 90_000 }, () => {
  it('signs people in through their one-time links; staff see no erase, export or Setup', async () => {
    const dataDir = tempDir();
    const tls = await selfSignedCertificate(tempDir(), '127.0.0.1');
    writeFileSync(join(dataDir, 'window.crt'), tls.cert);
    writeFileSync(join(dataDir, 'window.key'), tls.key);
    const uiPort = await freePort();
    const base = `https://127.0.0.1:${uiPort}`;
    const links = Object.fromEntries(
      (['Ana:owner', 'Bo:staff'] as const).map((entry) => {
        const [name, role] = entry.split(':') as [string, string];
        const added = runCli(['users', 'add', name, '--role', role, '--data-dir', dataDir, '--url', base]);
        expect(added.code, added.stderr).toBe(0);
        return [name, /(https:\/\/\S+\/#\/welcome\/\S+)/.exec(added.stdout)![1]!];
      }),
    );
    expect(runCli(['demo', '--data-dir', dataDir, '--sessions', '40', '--seed', '4']).code).toBe(0);
    const serve = await startServe(['--data-dir', dataDir, '--port', String(await freePort()), '--ui-port', String(uiPort), '--tls-cert', join(dataDir, 'window.crt'), '--tls-key', join(dataDir, 'window.key')]);
    expect(serve.stdout()).toContain(`Archive window  ${base}/`);
    expect(serve.stdout()).toContain(`SHA-256 ${tls.fingerprint}`);

    const browser = await launchBrowser();
    const owner = await newPage(browser);
    await owner.page.goto(`${base}/`);
    await owner.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot(owner.page, 'accounts-01-sign-in');
    await owner.page.goto(links.Ana!);
    await owner.page.getByRole('heading', { name: 'Welcome, Ana' }).waitFor();
    await shot(owner.page, 'accounts-02-set-password');
    await setPassword(owner.page, links.Ana!, 'Ana');
    await owner.page.evaluate("window.location.hash = '#/sessions'");
    await owner.page.locator('.session-row').first().click();
    await owner.page.getByRole('button', { name: 'Erase…' }).waitFor();
    expect(await owner.page.getByRole('button', { name: 'Export JSON' }).count()).toBe(1);
    await shot(owner.page, 'accounts-03-owner-session');
    await owner.page.getByRole('link', { name: 'Setup', exact: true }).click();
    await owner.page.getByRole('heading', { name: 'Audit log' }).scrollIntoViewIfNeeded();
    await owner.page.locator('.audit-table').getByText('Set password').first().waitFor();
    await shot(owner.page, 'accounts-04-audit-log');

    const staff = await newPage(browser);
    await setPassword(staff.page, links.Bo!, 'Bo');
    await staff.page.evaluate("window.location.hash = '#/sessions'");
    await staff.page.locator('.session-row').first().click();
    await staff.page.locator('.session-detail .detail-actions').waitFor();
    expect(await staff.page.getByRole('button', { name: 'Erase…' }).count()).toBe(0);
    expect(await staff.page.getByRole('button', { name: /^Export/ }).count()).toBe(0);
    expect(await staff.page.getByRole('link', { name: 'Setup', exact: true }).count()).toBe(0);
    await shot(staff.page, 'accounts-05-staff-session');

    // Sign out, and back in with the password just chosen.
    await staff.page.getByRole('button', { name: 'Sign out' }).click();
    await staff.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await staff.page.getByLabel('Name').fill('bo');
    await staff.page.getByLabel('Password').fill('not my password');
    await staff.page.getByRole('button', { name: 'Sign in' }).click();
    await staff.page.getByText(/do not match an account/).waitFor();
    await staff.page.getByLabel('Password').fill(PASSWORD);
    await staff.page.getByRole('button', { name: 'Sign in' }).click();
    await staff.page.getByTestId('signed-in-name').filter({ hasText: 'Bo' }).waitFor();
    expect([...owner.problems, ...staff.problems]).toEqual([]);
  });
});
