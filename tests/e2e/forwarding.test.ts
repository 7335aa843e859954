/**
 * The Forwarding view as the owner uses it: `serve` on a demo archive, Debian's Chromium on its
 * window, a real HTTP target on 127.0.0.1. Add a target (its secret shown once), watch a failed
 * attempt, resend it once the target works, backfill a period, pause and resume.
 * Screenshots (light and dark) land in test-results/screenshots/.
 */
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { deliver } from '../../electron/core/send-test.js';
import { assertBuilt, freePort, runCli, startServe } from '../support/cli.js';
import { SECRET, sessionPair, tempDir } from '../support/fixtures.js';
import { browserAvailable, launchBrowser, SCREENSHOTS } from '../support/browser.js';
import { startForwardTarget } from '../support/forward-target.js';

beforeAll(assertBuilt);

describe.runIf(browserAvailable)('the Forwarding view in Chromium', { timeout: 90_000 }, () => {
  it('adds a target, shows its secret once, lists attempts, resends one and a period, pauses and resumes', async () => {
    const dataDir = tempDir();
    expect(runCli(['demo', '--data-dir', dataDir, '--sessions', '40', '--seed', '3']).code).toBe(0);
    const uiPort = await freePort();
    const port = await freePort();
    await startServe(['--data-dir', dataDir, '--port', String(port), '--secret', SECRET, '--ui-port', String(uiPort), '--ui-token', 't']);
    const target = await startForwardTarget({ behaviour: 'fail' });
    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`http://127.0.0.1:${uiPort}/?token=t#/forwarding`);

    await page.getByText('No targets yet: nothing is forwarded.').waitFor();
    await page.getByRole('button', { name: 'Add a target…' }).click();
    const form = page.getByRole('form', { name: 'New forwarding target' });
    await form.getByLabel('URL (http or https)').fill('ftp://files.example.com/');
    await form.getByRole('button', { name: 'Add target' }).click();
    await form.getByRole('alert').getByText(/only http:\/\/ and https:\/\/ URLs/).waitFor();
    await form.getByLabel('URL (http or https)').fill(target.url);
    await form.getByLabel('Only ended calls that need follow-up').uncheck();
    await form.getByLabel('Extra headers, one per line (optional)').fill('Authorization: Bearer crm-token');
    await form.screenshot({ path: join(SCREENSHOTS, 'forwarding-form.png') });
    await form.getByRole('button', { name: 'Add target' }).click();
    const secret = (await page.getByTestId('new-secret').textContent())!;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await page.screenshot({ path: join(SCREENSHOTS, 'forwarding-secret.png') });
    await page.getByRole('button', { name: 'Done' }).click();
    await expect(page.getByTestId('new-secret').count()).resolves.toBe(0);

    // A call arrives: the target fails (500), the attempt is listed with its answer.
    const { started } = sessionPair();
    expect((await deliver(`http://127.0.0.1:${port}/webhook`, started, { secret: SECRET })).ok).toBe(true);
    const [request] = await target.waitFor(1);
    expect(request!.headers['x-callaider-signature']).toBe(`sha256=${createHmac('sha256', secret).update(request!.body).digest('hex')}`);
    expect(request!.headers.authorization).toBe('Bearer crm-token');
    const attempts = page.locator('section[aria-labelledby="attempts-title"]');
    await attempts.getByText('internal error, try later').first().waitFor({ timeout: 10_000 });
    await page.locator('.forward-target .badge').getByText('failing', { exact: true }).waitFor();

    // It works again: resend that row by hand.
    target.behave('ok');
    await attempts.getByRole('button', { name: 'Resend' }).first().click();
    await attempts.getByText('{"received":true}').first().waitFor({ timeout: 10_000 });
    await page.locator('.forward-target .badge').getByText('active', { exact: true }).waitFor({ timeout: 10_000 });

    // Backfill: the demo's calls of the last 30 days.
    await page.getByRole('button', { name: 'Resend a period…' }).click();
    await page.getByRole('button', { name: 'Queue these calls' }).click();
    const queued = await page.getByText(/events? queued for/).textContent();
    expect(Number(/([\d,]+) events? queued/.exec(queued!)![1]!.replace(/,/g, ''))).toBeGreaterThan(0);
    // They are sent, and the attempts list follows live.
    await expect.poll(() => attempts.locator('tbody tr').count(), { timeout: 20_000 }).toBeGreaterThan(10);

    await page.getByRole('button', { name: 'Pause' }).click();
    const pausedNotice = page.locator('.forward-target').getByText(/Paused .*: paused by/);
    await pausedNotice.waitFor();
    // A working target paused by a person is information, not an alarm.
    expect(await pausedNotice.getAttribute('class')).toBe('notice');
    await page.screenshot({ path: join(SCREENSHOTS, 'forwarding-light.png'), fullPage: true });
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('button', { name: 'Pause' }).waitFor();

    const dark = await browser.newPage({ viewport: { width: 1360, height: 1000 }, colorScheme: 'dark' });
    await dark.goto(`http://127.0.0.1:${uiPort}/?token=t#/forwarding`);
    await dark.locator('.forward-target').first().waitFor();
    await dark.screenshot({ path: join(SCREENSHOTS, 'forwarding-dark.png'), fullPage: true });
    await dark.goto(`http://127.0.0.1:${uiPort}/?token=t#/setup`);
    await dark.getByTestId('forwarding-targets').getByText('1').waitFor();
    await dark.locator('section[aria-labelledby="forwarding-card-title"]').screenshot({ path: join(SCREENSHOTS, 'forwarding-card-dark.png') });
    expect(problems).toEqual([]);
  });
});
