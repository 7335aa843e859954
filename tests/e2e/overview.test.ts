/**
 * The Overview end to end: `serve` on loopback, sessions sent by `send-test` (signed webhooks, as
 * CallAIder sends them), Debian's Chromium on the window. The counts shown are the counts sent,
 * the table has them, and a bar opens the Sessions list with exactly its sessions.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, freePort, runCli, startServe } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';
import { browserAvailable, launchBrowser, SCREENSHOTS } from '../support/browser.js';

beforeAll(assertBuilt);

const SECRET = 'e2e-overview-secret';
const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

async function openOverview() {
  const dataDir = tempDir();
  const port = await freePort();
  const uiPort = await freePort();
  await startServe(['--data-dir', dataDir, '--port', String(port), '--secret', SECRET, '--ui-port', String(uiPort), '--ui-token', 'e2e-token']);
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  await page.goto(`http://127.0.0.1:${uiPort}/?token=e2e-token#/overview`);
  return { page, problems, webhook: `http://127.0.0.1:${port}/webhook` };
}

describe.runIf(browserAvailable)('the Overview in Chromium', { timeout: 90_000 }, () => {
  it('shows a calm empty state, then the calls sent, as charts and tables, and a bar opens exactly its sessions', async () => {
    const { page, problems, webhook } = await openOverview();
    await page.getByRole('heading', { name: 'No calls in this period' }).waitFor();
    await shot(page, 'overview-01-empty');

    const sent = runCli(['send-test', '--url', webhook, '--secret', SECRET, '--sessions', '12', '--seed', '21']);
    expect(sent.code).toBe(0);
    // No reload: the page refreshes itself from the live changes.
    await page.getByText('12 calls', { exact: true }).waitFor({ timeout: 15_000 });
    const days = page.getByRole('region', { name: 'Calls per day' });
    expect(await days.getByRole('img').getAttribute('aria-label')).toMatch(/^Calls per day: /);
    await shot(page, 'overview-02-charts');

    // The table view: the same numbers, in a real table.
    await days.getByRole('button', { name: 'Show as table' }).click();
    const rows = days.locator('tbody tr');
    const counts = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 3).map((td) => Number(td.textContent))));
    const dayLabels = await rows.locator('th').allTextContents();
    const voice = counts.reduce((sum, row) => sum + row[0]!, 0);
    const text = counts.reduce((sum, row) => sum + row[1]!, 0);
    expect(voice + text + counts.reduce((sum, row) => sum + row[2]!, 0)).toBe(12);
    await expect(days.getByText(`${voice} voice, ${text} text`).waitFor()).resolves.toBeUndefined();
    const reasons = page.getByRole('region', { name: 'How calls ended' });
    await reasons.getByRole('button', { name: 'Show as table' }).click();
    const reasonCounts = await reasons.locator('tbody tr td:first-of-type').allTextContents();
    expect(reasonCounts.map(Number).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(12);
    await shot(page, 'overview-03-tables');
    await days.getByRole('button', { name: 'Show as chart' }).click();

    // A bar: the first day's voice calls (or text, if none was voice), opened in the Sessions list.
    const [firstVoice, firstText] = counts[0]!;
    const useVoice = firstVoice! > 0;
    const expected = useVoice ? firstVoice! : firstText!;
    const bar = days.getByRole('button', { name: `Open the ${expected} ${useVoice ? 'voice call' : 'text session'}${expected === 1 ? '' : 's'} of ${dayLabels[0]}` });
    await bar.click();
    await page.waitForURL(/#\/sessions$/);
    await page.getByText(`${expected} session${expected === 1 ? '' : 's'} match`).waitFor();
    expect(await page.locator('.session-row').count()).toBe(expected);
    // The list says why it is narrowed, and the filter can be taken off.
    const chips = page.getByLabel('Active filters');
    await chips.getByRole('button', { name: `Remove the filter: ${useVoice ? 'Voice' : 'Text'}` }).waitFor();
    await chips.getByRole('button', { name: /^Remove the filter: \w{3} \d+, \d{4}$/ }).waitFor();
    await shot(page, 'overview-04-clicked-through');
    await chips.getByRole('button', { name: /^Remove the filter: (Voice|Text)$/ }).click();
    const dayTotal = counts[0]!.reduce((a, b) => a + b, 0);
    await page.getByText(`${dayTotal} session${dayTotal === 1 ? '' : 's'} match`).waitFor();

    // A heat map cell, by keyboard: its title's count is what the list shows.
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    const cell = page.getByRole('region', { name: 'When calls come' }).getByRole('button', { name: /^Open the \d+ calls? on / }).first();
    const cellCount = Number(/^Open the (\d+)/.exec((await cell.getAttribute('aria-label'))!)![1]);
    await cell.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/sessions$/);
    await page.getByText(`${cellCount} session${cellCount === 1 ? '' : 's'} match`).waitFor();
    await page.getByLabel('Active filters').getByRole('button', { name: /^Remove the filter: Started \w+days, \d\d:00–\d\d:00 \(local time\)$/ }).waitFor();
    await shot(page, 'overview-05-heat-map-cell');
    expect(problems).toEqual([]);
  });
});
