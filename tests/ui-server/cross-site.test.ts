/**
 * Hostile pages against the archive window's API: any page the browser can reach may try to use
 * the owner's cookie. Each request below carries a valid token (cookie or bearer) and must still
 * be refused when it does not come from the window's own origin, and change nothing.
 */
import { createServer, type Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ArchiveService } from '../../electron/core/archive-service.js';
import { defaultConfig } from '../../electron/core/config.js';
import { Engine } from '../../electron/core/engine.js';
import { deliver } from '../../electron/core/send-test.js';
import { startUiServer } from '../../electron/core/ui-server.js';
import { browserAvailable, launchBrowser } from '../support/browser.js';
import { onCleanup, SECRET, sessionPair, tempDir } from '../support/fixtures.js';

async function setup() {
  const engine = await Engine.start(defaultConfig({ dataDir: tempDir(), port: 0, secret: SECRET }));
  onCleanup(() => engine.stop());
  const ui = await startUiServer({ service: new ArchiveService(engine, { host: 'serve' }), port: 0, token: 'test-token', staticDir: tempDir() });
  onCleanup(() => ui.close());
  const { started, ended } = sessionPair();
  await deliver(engine.localWebhookUrl, started, { secret: SECRET });
  await deliver(engine.localWebhookUrl, ended, { secret: SECRET });
  await engine.archive.settled();
  const sessions = async () => (await engine.archive.counts({ staleBefore: 0 })).sessions;
  return { engine, ui, sessionId: started.sessionId, sessions };
}

/** A port with nothing on it, for "another loopback port" origins. */
async function anotherPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const STATE_CHANGING: Array<[string, unknown]> = [
  ['loadDemoData', { sessions: 5 }],
  ['eraseSession', null],
  ['eraseCaller', { key: 'phone:+15550100' }],
  ['setRetention', { period: '90d' }],
  ['sendTestEvent', {}],
  ['reverifyQuarantine', { secret: 'x' }],
];
const READS: Array<[string, unknown]> = [
  ['status', {}],
  ['listSessions', {}],
  ['revealSecret', {}],
];

describe('archive window API refuses cross-site requests', async () => {
  const other = await anotherPort();
  const origins = ['http://evil.example', 'null', `http://127.0.0.1:${other}`, `http://localhost:${other}`];

  it.each(origins)('from origin %s: every method is refused with 403 and nothing changes', async (origin) => {
    const { ui, sessionId, sessions } = await setup();
    for (const [method, args] of [...STATE_CHANGING, ...READS]) {
      const body = JSON.stringify(args ?? { sessionId });
      const response = await fetch(`${ui.baseUrl}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer test-token', origin },
        body,
      });
      expect(response.status, `${method} from ${origin}`).toBe(403);
      expect(((await response.json()) as { error: string }).error).toMatch(/may not use the archive/);
    }
    const events = await fetch(`${ui.baseUrl}/api/events`, { headers: { authorization: 'Bearer test-token', origin } });
    expect(events.status).toBe(403);
    expect(await sessions()).toBe(1);
  });

  it.each(['cross-site', 'same-site', 'none'])('with Sec-Fetch-Site: %s, refused', async (site) => {
    const { ui, sessions } = await setup();
    const response = await fetch(`${ui.baseUrl}/api/loadDemoData`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer test-token', 'sec-fetch-site': site },
      body: '{"sessions":5}',
    });
    expect(response.status).toBe(403);
    expect(await sessions()).toBe(1);
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', null])(
    'a POST that is not application/json (%s) never reaches a handler',
    async (type) => {
      const { ui, sessions } = await setup();
      const headers: Record<string, string> = { authorization: 'Bearer test-token' };
      if (type) headers['content-type'] = type;
      const response = await fetch(`${ui.baseUrl}/api/loadDemoData`, { method: 'POST', headers, body: '{"sessions":5}' });
      expect(response.status).toBe(403);
      expect(await sessions()).toBe(1);
    },
  );

  it('the window\'s own origin, and scripts that send no Origin, are served', async () => {
    const { ui } = await setup();
    const port = new URL(ui.baseUrl).port;
    for (const origin of [`http://127.0.0.1:${port}`, undefined]) {
      const response = await fetch(`${ui.baseUrl}/api/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer test-token', 'sec-fetch-site': 'same-origin', ...(origin ? { origin } : {}) },
        body: '{}',
      });
      expect(response.status).toBe(200);
    }
  });

  it.runIf(browserAvailable)('in Chromium, a page on another loopback port cannot use the cookie the owner holds', async () => {
    const { engine, ui, sessionId, sessions } = await setup();
    const browser = await launchBrowser();
    const context = await browser.newContext();
    const page = await context.newPage();
    // The owner opens the archive: the browser now holds its SameSite=Strict cookie.
    await page.goto(ui.url);
    // Then visits a page on another loopback port, which Chromium counts as the same site.
    const api = ui.baseUrl;
    const hostile: Server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<!doctype html><script>
        const api = ${JSON.stringify(api)};
        const shots = [
          fetch(api + '/api/loadDemoData', { method: 'POST', mode: 'no-cors', credentials: 'include', body: '{"sessions":7}' }),
          fetch(api + '/api/eraseSession', { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(JSON.stringify({ sessionId }))} }),
          fetch(api + '/api/sendTestEvent', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{}' }),
        ];
        Promise.allSettled(shots).then(() => { document.title = 'done'; });
      </script>`);
    });
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise((resolve) => hostile.close(resolve)));
    const { port } = hostile.address() as { port: number };
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction('document.title === "done"', undefined, { timeout: 10_000 });
    await engine.archive.settled();
    expect(await sessions()).toBe(1);
    expect(await engine.archive.storedEvents(sessionId)).toHaveLength(2);
    // The owner's own window still works with the same cookie.
    await page.goto(ui.baseUrl + '/');
    const own = await page.evaluate(async () => (await fetch('/api/status', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status);
    expect(own).toBe(200);
  });
});
