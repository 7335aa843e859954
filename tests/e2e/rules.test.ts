/**
 * End to end, as an owner: `serve` on loopback with signed sessions already archived, Debian's
 * Chromium on the window. A custom rule is built in Setup, shows how many past sessions it matches
 * before it is saved, and once saved the re-run over the archive puts those sessions in the Inbox.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../electron/core/signature.js';
import { assertBuilt, freePort, startServe } from '../support/cli.js';
import { sessionPair, tempDir } from '../support/fixtures.js';
import { browserAvailable, launchBrowser, SCREENSHOTS } from '../support/browser.js';

beforeAll(assertBuilt);

const SECRET = 'e2e-rules-secret';

async function deliver(webhook: string, payload: { event: string }): Promise<void> {
  const body = JSON.stringify(payload);
  const response = await fetch(webhook, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-callaider-event': payload.event, 'x-callaider-signature': sign(SECRET, body) },
    body,
  });
  expect(response.status).toBe(200);
}

/** Six simulated sessions; in three of them the caller asks for a refund (the simulator never says it). */
async function archiveSessions(webhook: string): Promise<string[]> {
  const refunds: string[] = [];
  for (let i = 0; i < 6; i += 1) {
    const { started, ended } = sessionPair({ seed: 4_200 + i, messages: 6 });
    const transcript = ended.data.transcript ?? [];
    expect(JSON.stringify(transcript).toLowerCase()).not.toContain('refund');
    if (i % 2 === 0) {
      const said = transcript.find((item) => item.role === 'user');
      expect(said).toBeDefined();
      said!.content = `Hello, I would like a refund for last week's visit, please.`;
      refunds.push(started.sessionId);
    }
    await deliver(webhook, started);
    await deliver(webhook, ended);
  }
  return refunds;
}

describe.runIf(browserAvailable)('follow-up rules in Chromium', { timeout: 90_000 }, () => {
  it('previews a custom rule’s matches before saving, and the re-run puts them in the Inbox', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const uiPort = await freePort();
    await startServe(['--data-dir', dataDir, '--port', String(port), '--secret', SECRET, '--ui-port', String(uiPort), '--ui-token', 'e2e-token']);
    const webhook = `http://127.0.0.1:${port}/webhook`;
    const refunds = await archiveSessions(webhook);

    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    await page.goto(`http://127.0.0.1:${uiPort}/?token=e2e-token#/setup`);

    const card = page.locator('section.rules-card');
    await card.getByRole('switch', { name: /tool call failed/i }).waitFor();
    expect(await card.getByRole('switch').count()).toBe(5);
    await card.getByRole('button', { name: 'Add a rule' }).click();
    const editor = card.getByRole('form', { name: 'New rule' });
    await editor.getByLabel('Name').fill('Refund requests');
    await editor.getByLabel('Condition 1: what').selectOption('words-caller');
    await editor.getByLabel('Condition 1: values, separated by commas').fill('refund');
    await editor.getByLabel('Priority').selectOption('high');
    await editor.getByLabel('Tags to add').fill('billing');

    // The count comes from the archive before anything is saved.
    await editor.getByText(`Matches ${refunds.length} past sessions`).waitFor({ timeout: 15_000 });
    expect(await editor.getByTestId('rule-preview').textContent()).toContain('of 6');
    await card.scrollIntoViewIfNeeded();
    await card.screenshot({ path: join(SCREENSHOTS, '20-rules-card-preview.png') });

    await editor.getByRole('button', { name: 'Save rule' }).click();
    await card.getByRole('switch', { name: 'Refund requests' }).waitFor();
    expect(await card.locator('.rule-row', { hasText: 'Refund requests' }).textContent()).toContain('When the caller says “refund” → to follow up, high priority, tag billing');
    await card.getByText(/^Rules applied to 6 calls/).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(SCREENSHOTS, '21-setup-rules-applied.png'), fullPage: true });

    await page.goto(`http://127.0.0.1:${uiPort}/?token=e2e-token#/inbox`);
    // Each refund call is to follow up with the rule's tag; its first words are the refund request.
    // (A call may lead with another rule's reason: the simulated callers also ask for a person.)
    await page.locator('.inbox-row', { hasText: 'Refund requests' }).first().waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(SCREENSHOTS, '22-inbox-refund-rule.png') });
    const rows = page.locator('.inbox-row');
    const refundRows = rows.filter({ hasText: 'I would like a refund' });
    expect(await refundRows.count()).toBe(refunds.length);
    expect(await refundRows.filter({ hasText: 'billing' }).count()).toBe(refunds.length);
    expect(await rows.filter({ hasText: 'billing' }).count()).toBe(refunds.length);
    expect(problems).toEqual([]);
  });
});
