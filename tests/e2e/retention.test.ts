/**
 * Retention and erasure as the owner does it: `serve` on a demo archive, Debian's Chromium on its
 * window. Setup's card previews, asks, erases and records; a session's Erase button erases it.
 * Screenshots land in test-results/screenshots/.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, freePort, runCli, startServe } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';
import { browserAvailable, launchBrowser, SCREENSHOTS } from '../support/browser.js';

beforeAll(assertBuilt);

describe.runIf(browserAvailable)('retention and erasure in Chromium', { timeout: 90_000 }, () => {
  it('previews, erases after a confirmation, records the erasure, and erases one session from its detail view', async () => {
    const dataDir = tempDir();
    expect(runCli(['demo', '--data-dir', dataDir, '--sessions', '150', '--seed', '5']).code).toBe(0);
    const uiPort = await freePort();
    await startServe(['--data-dir', dataDir, '--port', String(await freePort()), '--secret', 's', '--ui-port', String(uiPort), '--ui-token', 't']);
    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`http://127.0.0.1:${uiPort}/?token=t#/setup`);

    const card = page.locator('section[aria-labelledby="retention-title"]');
    await card.getByTestId('retention-now').getByText('Now: every session is kept.').waitFor();
    await card.getByLabel('Keep sessions for').selectOption('90d');
    const preview = card.getByTestId('retention-preview');
    await preview.getByText(/would be erased as soon as you save/).waitFor();
    const count = Number(/([\d,]+) sessions? started before/.exec((await preview.textContent())!)![1]!.replace(/,/g, ''));
    expect(count).toBeGreaterThan(10);
    await card.screenshot({ path: join(SCREENSHOTS, 'retention-preview.png') });
    await preview.getByRole('button', { name: 'Keep 90 days' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`Erase ${count} sessions now?`).waitFor();
    await dialog.getByRole('button', { name: 'Erase and keep 90 days' }).click();
    await card.getByTestId('retention-now').getByText(/Now: keeping 90 days/).waitFor();
    await card.getByRole('list', { name: 'Erasures' }).getByText(`${count} sessions erased by retention.`).waitFor({ timeout: 20_000 });
    await card.screenshot({ path: join(SCREENSHOTS, 'retention-after.png') });

    await page.evaluate("window.location.hash = '#/sessions'");
    await page.locator('.session-row').first().click();
    await page.getByRole('button', { name: 'Erase…' }).click();
    await dialog.getByText('Erase this session?').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'erase-session.png') });
    await dialog.getByRole('button', { name: 'Erase session' }).click();
    await page.getByText(`${150 - count - 1} sessions`).waitFor({ timeout: 10_000 });

    await page.evaluate("window.location.hash = '#/setup'");
    await card.getByRole('list', { name: 'Erasures' }).getByText(/One session erased by /).waitFor({ timeout: 10_000 });
    const shown = runCli(['retention', '--data-dir', dataDir]).stdout;
    expect(shown).toContain('erasures: 2');
    expect(problems).toEqual([]);
  });
});
