/**
 * End to end, as an owner: `serve` on loopback, Debian's Chromium on the window, CallAIder played
 * by signed deliveries built here by hand. A call whose booking tool failed lands in the Inbox
 * with its reason; a note on it survives a restart of serve; the caller, who called twice, has a
 * page with both calls; marking the item done with the keyboard takes it out of the Inbox.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { deliver } from '../../electron/core/send-test.js';
import { assertBuilt, freePort, startServe } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';
import { browserAvailable, launchBrowser, SCREENSHOTS } from '../support/browser.js';

beforeAll(assertBuilt);

const SECRET = 'e2e-inbox-secret';
const CALLER = '+14155550123';
const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });

/** A voice call from CALLER, started `minutesAgo`; with `failedBooking` its booking tool fails. */
function call(sessionId: string, minutesAgo: number, options: { failedBooking: boolean; said: string }) {
  const start = Date.now() - minutesAgo * 60_000;
  const at = (seconds: number) => start + seconds * 1000;
  const transcript = [
    { role: 'assistant', content: 'Bright Smile Dental, this is the assistant. How can I help?', timestamp: at(1) },
    { role: 'user', content: options.said, timestamp: at(6) },
    options.failedBooking
      ? { role: 'tool', content: '', timestamp: at(14), toolCall: { name: 'book_appointment', arguments: { day: 'Friday', time: '10:00' }, error: 'upstream timeout' } }
      : { role: 'tool', content: '', timestamp: at(14), toolCall: { name: 'check_hours', arguments: { day: 'Saturday' }, result: { open: false } } },
    { role: 'assistant', content: options.failedBooking ? 'I could not book that right now; someone will call you back.' : 'We are closed on Saturdays.', timestamp: at(20) },
    { role: 'user', content: 'Thank you, bye.', timestamp: at(40) },
  ];
  return {
    started: { event: 'session.started', timestamp: new Date(at(0)).toISOString(), assistantId: 123, sessionId, data: { metadata: { sessionMode: 'voice', from: CALLER } } },
    ended: { event: 'session.ended', timestamp: new Date(at(95)).toISOString(), assistantId: 123, sessionId, data: { reason: 'user_ended', durationSeconds: 95, transcript } },
  };
}

async function send(webhook: string, session: ReturnType<typeof call>) {
  for (const payload of [session.started, session.ended]) {
    const result = await deliver(webhook, payload, { secret: SECRET });
    expect(result.status, result.error ?? '').toBe(200);
  }
}

describe.runIf(browserAvailable)('the inbox in Chromium', { timeout: 120_000 }, () => {
  it('shows a failed booking with its reason, keeps a note across a restart, shows the returning caller, and d marks it done', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const uiPort = await freePort();
    const args = ['--data-dir', dataDir, '--port', String(port), '--secret', SECRET, '--ui-port', String(uiPort), '--ui-token', 'e2e-token'];
    const serve = await startServe(args);
    const webhook = `http://127.0.0.1:${port}/webhook`;

    // An earlier call from the same number that needed nothing, then the failed booking.
    await send(webhook, call('earlier-call', 3 * 24 * 60, { failedBooking: false, said: 'Are you open on Saturday?' }));
    await send(webhook, call('failed-booking', 2 * 60, { failedBooking: true, said: 'I would like to book a cleaning on Friday morning.' }));

    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.setDefaultTimeout(15_000);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('console', (message) => message.type() === 'error' && !/Failed to load resource|ERR_CONNECTION_REFUSED|EventSource/.test(message.text()) && problems.push(message.text()));
    await page.goto(`http://127.0.0.1:${uiPort}/?token=e2e-token`);

    // Something to follow up: the window opens on the Inbox, with the count on its tab.
    const row = page.locator('.inbox-row', { hasText: 'book a cleaning' });
    await row.waitFor({ timeout: 15_000 });
    expect(page.url()).toMatch(/#\/inbox$/);
    expect(await page.getByRole('link', { name: /Inbox/ }).textContent()).toContain('1');
    expect(await row.textContent()).toMatch(/book_appointment/);
    expect(await row.textContent()).toContain('upstream timeout');
    expect(await row.locator('time').textContent()).toBe('2 h');
    expect(await row.textContent()).toContain('2 calls this week');
    await shot(page, '10-inbox');

    // Open it and add a note from the keyboard (n focuses the note box; Ctrl+Enter saves).
    await page.getByRole('listbox', { name: /To follow up/ }).focus();
    await page.keyboard.press('n');
    const noteBox = page.getByLabel('Add a note');
    await expect.poll(() => noteBox.evaluate((el) => el === el.ownerDocument.activeElement), { timeout: 10_000 }).toBe(true);
    await page.keyboard.type('Promised a call back before noon to rebook Friday.');
    await page.keyboard.press('Control+Enter');
    const panel = page.getByRole('region', { name: 'Follow-up' });
    await panel.locator('.note-text', { hasText: 'Promised a call back before noon' }).waitFor();
    expect(await panel.locator('.reasons').textContent()).toContain('book_appointment');
    expect(await panel.getByRole('link', { name: /415/ }).getAttribute('href')).toBe(`tel:${CALLER}`);
    await shot(page, '11-inbox-follow-up-panel');

    // Restart serve on the same data directory: the note is still there. The page leaves first:
    // serve's shutdown waits for the window's open event stream (ui-server does not end it on close).
    const openItem = page.url();
    await page.goto('about:blank');
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    await startServe(args); // killed after the test
    await page.goto(openItem);
    await page.locator('.inbox-row', { hasText: 'book a cleaning' }).waitFor({ timeout: 15_000 });
    await page.getByRole('region', { name: 'Follow-up' }).locator('.note-text', { hasText: 'Promised a call back before noon' }).waitFor({ timeout: 15_000 });

    // The caller's page: both calls, newest first, the open follow-up and the note.
    await page.getByRole('link', { name: 'All calls from this caller' }).click();
    const calls = page.getByRole('listbox', { name: /^Calls from/ });
    await calls.locator('.session-row').nth(1).waitFor({ timeout: 10_000 });
    expect(await calls.locator('.row-words').allTextContents()).toEqual(['I would like to book a cleaning on Friday morning.', 'Are you open on Saturday?']);
    expect(await page.getByRole('list', { name: 'Open follow-ups' }).textContent()).toContain('book_appointment');
    expect(await page.getByRole('list', { name: /Notes on this caller/ }).textContent()).toContain('Promised a call back before noon');
    await shot(page, '12-caller-page');

    // Back to the Inbox: d marks the active item done and it leaves the list.
    await page.getByRole('link', { name: /Inbox/ }).click();
    const list = page.getByRole('listbox', { name: /To follow up/ });
    await list.locator('.inbox-row').first().waitFor();
    await list.focus();
    await page.keyboard.press('d');
    await page.getByRole('heading', { name: 'Nothing to follow up' }).waitFor({ timeout: 10_000 });
    await page.getByRole('tab', { name: 'Open (0)' }).waitFor({ timeout: 10_000 });
    expect(await page.getByRole('link', { name: /Inbox/ }).textContent()).toBe('Inbox');
    await page.getByRole('tab', { name: /^Done/ }).click();
    await page.locator('.inbox-row', { hasText: 'book a cleaning' }).waitFor();
    await shot(page, '13-inbox-done');
    expect(problems).toEqual([]);
  });
});
