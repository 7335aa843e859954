/**
 * The office hub end to end: two `serve --database` receivers on one PostgreSQL database, Chromium
 * on the window of receiver B, sessions delivered to receiver A. They appear in B's window without
 * a reload: A's commit is NOTIFYed, B's store emits `projected`, and B's window's live stream
 * (ui-server's events) carries it.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, freePort, runCli, startServe } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';
import { browserAvailable, launchBrowser, SCREENSHOTS } from '../support/browser.js';
import { postgresAvailable, usePostgresCluster } from '../support/postgres-fixture.js';

beforeAll(assertBuilt);

const SECRET = 'e2e-hub-secret';

describe.runIf(browserAvailable && postgresAvailable)('two receivers, one archive, in Chromium', { timeout: 120_000 }, () => {
  const cluster = usePostgresCluster();

  it("shows a session sent to receiver A live in receiver B's window", async () => {
    const url = await cluster().createDatabase();
    const [portA, portB, uiPortB] = [await freePort(), await freePort(), await freePort()];
    const common = ['--database', url, '--secret', SECRET];
    await startServe([...common, '--data-dir', tempDir(), '--port', String(portA), '--no-ui'], { timeoutMs: 30_000 });
    await startServe([...common, '--data-dir', tempDir(), '--port', String(portB), '--ui-port', String(uiPortB), '--ui-token', 'hub-token'], { timeoutMs: 30_000 });

    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`http://127.0.0.1:${uiPortB}/?token=hub-token`);
    await page.getByRole('heading', { name: 'No calls archived yet' }).waitFor({ timeout: 15_000 });

    const sent = runCli(['send-test', '--url', `http://127.0.0.1:${portA}/webhook`, '--secret', SECRET, '--sessions', '3', '--seed', '11']);
    expect(sent.code, sent.stdout).toBe(0);
    // No reload: B learns of A's commits from the database.
    await page.getByText('3 sessions').waitFor({ timeout: 15_000 });
    expect(await page.locator('.session-row').count()).toBe(3);
    await page.screenshot({ path: join(SCREENSHOTS, 'hub-live-on-receiver-b.png') });
    expect(problems).toEqual([]);
  });
});
