/**
 * End to end, as a user: `serve` on loopback, Debian's Chromium on the printed URL, CallAIder
 * played by `send-test`. Screenshots land in test-results/screenshots/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, freePort, runCli, startServe } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';
import { browserAvailable, launchBrowser, SCREENSHOTS } from '../support/browser.js';

beforeAll(assertBuilt);

async function openArchive(args: string[] = [], secret = 'e2e-secret') {
  const dataDir = tempDir();
  const port = await freePort();
  const uiPort = await freePort();
  const serve = await startServe(['--data-dir', dataDir, '--port', String(port), '--secret', secret, '--ui-port', String(uiPort), '--ui-token', 'e2e-token', ...args]);
  const url = /Archive window {2}(http:\/\/\S+)/.exec(serve.stdout())?.[1];
  expect(url).toBe(`http://127.0.0.1:${uiPort}/?token=e2e-token`);
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  await page.goto(url!);
  return { page, dataDir, webhook: `http://127.0.0.1:${port}/webhook`, problems, serve };
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });

/** Reloads on the Sessions list (with something to follow up, the window would open on the Inbox). */
async function reloadOnSessions(page: Page) {
  await page.evaluate("window.location.hash = '#/sessions'");
  await page.reload();
}

describe.runIf(browserAvailable)('archive window in Chromium', { timeout: 60_000 }, () => {
  it('shows sessions live as CallAIder sends them, and search finds a phrase', async () => {
    const { page, webhook, problems } = await openArchive();
    await expect(page.getByRole('heading', { name: 'No calls archived yet' }).waitFor()).resolves.toBeUndefined();
    await shot(page, '01-empty-archive');

    const sent = runCli(['send-test', '--url', webhook, '--secret', 'e2e-secret', '--sessions', '8', '--seed', '7']);
    expect(sent.code).toBe(0);
    // No reload: the list fills in from the live stream.
    await page.getByText('8 sessions').waitFor({ timeout: 10_000 });
    expect(await page.locator('.session-row').count()).toBe(8);
    await shot(page, '02-live-sessions');

    const search = page.getByRole('searchbox');
    expect(await search.getAttribute('placeholder')).toMatch(/^Search/);
    await page.keyboard.press('/');
    expect(await search.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await search.fill('phone assistant');
    await page.locator('.session-row mark').first().waitFor();
    expect((await page.locator('.session-row mark').first().textContent())?.toLowerCase()).toMatch(/phone|assistant/);
    await shot(page, '03-search');
    await search.press('Escape');
    expect(await search.inputValue()).toBe('');
    expect(problems).toEqual([]);
  });

  it('opens a transcript with a failed tool call and file references, by keyboard', async () => {
    const { page, dataDir, problems } = await openArchive();
    runCli(['demo', '--data-dir', dataDir, '--sessions', '60', '--seed', '3']);
    await reloadOnSessions(page);
    await page.getByRole('button', { name: /^Filters/ }).click();
    await page.getByLabel('Tool errors').check();
    await page.getByLabel('Has files').check();
    await page.locator('.session-row').first().waitFor();
    await page.getByRole('listbox', { name: /Sessions/ }).focus();
    await page.keyboard.press('Enter');
    await page.locator('.message').first().waitFor();
    const failed = page.locator('.tool-call.failed').first();
    await failed.scrollIntoViewIfNeeded().catch(() => undefined);
    const transcript = page.getByRole('log', { name: 'Transcript' });
    // Scroll the virtualized transcript until a failed tool call and a file are rendered.
    for (let i = 0; i < 60 && ((await page.locator('.tool-call.failed').count()) === 0 || (await page.locator('.file').count()) === 0); i += 1) {
      await transcript.evaluate((el) => el.scrollBy(0, 400));
      await page.waitForTimeout(30);
    }
    expect(await page.locator('.tool-call.failed .tool-error').first().textContent()).toBeTruthy();
    const file = page.locator('.file').first();
    expect(await file.locator('.file-uri').textContent()).toMatch(/^gs:\/\//);
    expect(await file.getByRole('link', { name: 'Open in Cloud console' }).getAttribute('href')).toMatch(/^https:\/\/console\.cloud\.google\.com\/storage\/browser\/_details\//);
    await page.locator('.tool-call.failed').first().scrollIntoViewIfNeeded();
    await shot(page, '04-transcript-tool-error-and-files');
    expect(problems).toEqual([]);
  });

  it('shows a rejected delivery and stores it after re-verifying with the right secret', async () => {
    const { page, webhook, problems } = await openArchive([], 'mistyped-secret');
    const sent = runCli(['send-test', '--url', webhook, '--secret', 'the-real-secret', '--sessions', '1', '--seed', '11']);
    expect(sent.code).toBe(1);
    await page.getByRole('link', { name: 'Deliveries', exact: true }).click();
    const rejected = page.locator('tr', { hasText: 'rejected' }).first();
    await rejected.waitFor();
    await rejected.click();
    await page.getByText('does not match the configured webhook secret').first().waitFor();
    await page.getByLabel('Webhook secret to re-verify with').fill('the-real-secret');
    await page.getByRole('button', { name: 'Re-verify' }).click();
    await page.getByText(/Verified with the new secret: 1 stored/).waitFor();
    await shot(page, '05-deliveries-reverified');
    await page.getByRole('link', { name: 'Sessions', exact: true }).click();
    await page.locator('.session-row').first().waitFor();
    expect(await page.locator('.session-row').count()).toBe(1);
    expect(problems).toEqual([]);
  });

  it('keeps the DOM bounded while scrolling thousands of sessions', async () => {
    const { page, dataDir, problems } = await openArchive();
    runCli(['demo', '--data-dir', dataDir, '--sessions', '3000', '--long-every', '1000'], { timeoutMs: 120_000 });
    await reloadOnSessions(page);
    await page.getByText('3,000 sessions').waitFor({ timeout: 10_000 });
    const list = page.getByRole('listbox', { name: /Sessions/ });
    const counts: number[] = [];
    // Scroll until 1,000 sessions (10 pages, loaded as the list nears its end) have gone by.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (await list.evaluate((el) => el.scrollTop)) < 1000 * 76) {
      await list.evaluate((el) => el.scrollBy(0, 3000));
      await page.waitForTimeout(50);
      counts.push(await page.locator('.session-row').count());
    }
    expect(await list.evaluate((el) => el.scrollTop)).toBeGreaterThanOrEqual(1000 * 76);
    expect(Math.max(...counts)).toBeLessThan(60);
    await shot(page, '06-scrolled-list');
    await page.getByRole('link', { name: 'Setup', exact: true }).click();
    await page.getByRole('heading', { name: 'Connect CallAIder' }).waitFor();
    await shot(page, '07-setup');
    expect(problems).toEqual([]);
  });
});
