import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ArchiveService } from '../../electron/core/archive-service.js';
import { defaultConfig, type EngineConfig } from '../../electron/core/config.js';
import { Engine } from '../../electron/core/engine.js';
import { deliver } from '../../electron/core/send-test.js';
import { startUiServer } from '../../electron/core/ui-server.js';
import type { ArchiveChange } from '../../shared/api.js';
import { onCleanup, SECRET, sessionPair, tempDir } from '../support/fixtures.js';

async function setup(overrides: Partial<EngineConfig> = {}) {
  const engine = await Engine.start(defaultConfig({ dataDir: tempDir(), port: 0, secret: SECRET, ...overrides }));
  onCleanup(() => engine.stop());
  const service = new ArchiveService(engine, { host: 'serve' });
  const ui = await startUiServer({ service, port: 0, token: 'test-token', staticDir: tempDir() });
  onCleanup(() => ui.close());
  const call = async (method: string, args: unknown = {}, headers: Record<string, string> = { authorization: 'Bearer test-token' }) => {
    const response = await fetch(`${ui.baseUrl}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(args) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & { error?: string } };
  };
  return { engine, service, ui, call };
}

/** A raw request, so the Host header can be anything. */
function rawGet(port: number, path: string, host: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', headers: { host } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('archive window API (headless mode)', () => {
  it('listens on loopback only, separate from the webhook port, which does not serve it', async () => {
    const { engine, ui } = await setup();
    expect(ui.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ui.baseUrl).not.toBe(new URL(engine.localWebhookUrl).origin);
    const onWebhookPort = await fetch(`${new URL(engine.localWebhookUrl).origin}/api/status`, { method: 'POST', headers: { authorization: 'Bearer test-token' } });
    expect(onWebhookPort.status).toBe(404);
  });

  it('requires the token, and trades the link token for an HttpOnly SameSite=Strict cookie', async () => {
    const { ui, call } = await setup();
    expect((await call('status', {}, {})).status).toBe(401);
    expect((await call('status', {}, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await call('status')).status).toBe(200);
    const port = Number(new URL(ui.baseUrl).port);
    const visit = await rawGet(port, '/?token=test-token', `127.0.0.1:${port}`);
    expect(visit.status).toBe(303);
    expect(visit.headers.location).toBe('/');
    const setCookie = String(visit.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(';')[0]!;
    expect((await call('status', {}, { cookie })).status).toBe(200);
    expect((await rawGet(port, '/?token=nope', `127.0.0.1:${port}`)).status).toBe(401);
  });

  it('refuses requests whose Host is not its loopback address (DNS rebinding)', async () => {
    const { ui } = await setup();
    const port = Number(new URL(ui.baseUrl).port);
    expect((await rawGet(port, '/', `evil.example:${port}`)).status).toBe(421);
    expect((await rawGet(port, '/', `127.0.0.1:${port + 1}`)).status).toBe(421);
    expect((await rawGet(port, '/', `localhost:${port}`)).status).toBe(200);
  });

  it('sends a strict Content-Security-Policy', async () => {
    const { ui } = await setup();
    const response = await fetch(`${ui.baseUrl}/`);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(await response.text()).toContain('The archive window is not built'); // staticDir is empty in this test
  });

  it('validates arguments with the shared schema and names what is wrong', async () => {
    const { call } = await setup();
    const unknown = await call('dropTables');
    expect(unknown.status).toBe(404);
    const bad = await call('listSessions', { limit: 100000 });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/limit/);
    const extra = await call('getSession', { sessionId: 'x', sql: 'DROP' });
    expect(extra.status).toBe(400);
    const missing = await call('getSession', { sessionId: 'no-such' });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toContain('no session "no-such"');
  });

  it('lists, opens, exports and deletes sessions', async () => {
    const { engine, call } = await setup();
    const { started, ended } = sessionPair({ messages: 12 });
    await deliver(engine.localWebhookUrl, started, { secret: SECRET });
    await deliver(engine.localWebhookUrl, ended, { secret: SECRET });
    await engine.archive.settled();
    const page = (await call('listSessions', { limit: 10 })).body as { items: Array<{ sessionId: string; messageCount: number }>; total: number };
    expect(page.total).toBe(1);
    expect(page.items[0]).toMatchObject({ sessionId: ended.sessionId, messageCount: 12 });
    const detail = (await call('getSession', { sessionId: ended.sessionId })).body;
    expect(detail).toMatchObject({ sessionId: ended.sessionId, status: 'ended', metadata: started.data.metadata });
    const messages = (await call('getMessages', { sessionId: ended.sessionId })).body as { items: Array<{ seq: number; content: string }>; total: number };
    expect(messages.total).toBe(12);
    expect(messages.items.map((m) => m.content)).toEqual(ended.data.transcript!.map((m) => m.content));
    const md = (await call('exportSession', { sessionId: ended.sessionId, format: 'md' })).body as { filename: string; content: string };
    expect(md.filename).toBe(`callaider-session-${ended.sessionId}.md`);
    expect(md.content).toContain(`# Session ${ended.sessionId}`);
    const json = JSON.parse(((await call('exportSession', { sessionId: ended.sessionId, format: 'json' })).body as { content: string }).content) as { sessions: Array<{ transcript: unknown[] }> };
    expect(json.sessions[0]!.transcript).toEqual(ended.data.transcript);
    expect((await call('eraseSession', { sessionId: ended.sessionId })).body).toEqual({ erased: true });
    expect(await engine.archive.counts({ staleBefore: 0 })).toMatchObject({ sessions: 0, events: 0, messages: 0 });
    expect((await call('eraseSession', { sessionId: ended.sessionId })).body).toEqual({ erased: false });
  });

  it('shows the delivery log with the quarantined body, and re-verifies it with a new secret', async () => {
    const { engine, call } = await setup({ secret: 'mistyped' });
    const { started } = sessionPair();
    await deliver(engine.localWebhookUrl, started, { secret: SECRET });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const log = (await call('listDeliveries', {})).body as { items: Array<{ id: number; outcome: string; statusCode: number; quarantineId: number | null }> };
    expect(log.items[0]).toMatchObject({ outcome: 'rejected', statusCode: 401 });
    const detail = (await call('getDelivery', { id: log.items[0]!.id })).body as { body: string; reverifiable: boolean; headers: Record<string, string> };
    expect(JSON.parse(detail.body)).toEqual(started);
    expect(detail.reverifiable).toBe(true);
    expect(detail.headers['x-callaider-signature']).toMatch(/••••$/);
    const status = (await call('status')).body as { warnings: Array<{ code: string }> };
    expect(status.warnings.map((w) => w.code)).toContain('quarantine');
    expect((await call('reverifyQuarantine', { secret: 'still wrong' })).body).toMatchObject({ stored: 0, kept: 1 });
    expect((await call('reverifyQuarantine', { secret: SECRET, ids: [log.items[0]!.quarantineId] })).body).toMatchObject({ stored: 1, kept: 0 });
    expect((await engine.archive.counts({ staleBefore: 0 })).sessions).toBe(1);
  });

  it('pushes live changes over Server-Sent Events', async () => {
    const { engine, ui } = await setup();
    const controller = new AbortController();
    onCleanup(() => controller.abort());
    const response = await fetch(`${ui.baseUrl}/api/events`, { headers: { authorization: 'Bearer test-token' }, signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const changes: ArchiveChange[] = [];
    const { started } = sessionPair();
    const reading = (async () => {
      let text = '';
      while (!changes.some((c) => c.type === 'session')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
        for (const match of text.matchAll(/^data: (.+)$/gm)) changes.push(JSON.parse(match[1]!) as ArchiveChange);
        text = text.slice(text.lastIndexOf('\n\n') + 2);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await deliver(engine.localWebhookUrl, started, { secret: SECRET });
    await Promise.race([reading, new Promise((_, reject) => setTimeout(() => reject(new Error('no SSE event within 5 s')), 5000))]);
    expect(changes).toContainEqual({ type: 'session', sessionId: started.sessionId, event: 'session.started', duplicate: false });
  });

  it('closes promptly while a window keeps its live stream open (the stream ends with the server)', async () => {
    const { ui } = await setup();
    const response = await fetch(`${ui.baseUrl}/api/events`, { headers: { authorization: 'Bearer test-token' } });
    const reader = response.body!.getReader();
    await reader.read();
    const started = Date.now();
    await ui.close();
    expect(Date.now() - started).toBeLessThan(3000);
    // The window sees its stream end (and reconnects to the next server by itself).
    let done = false;
    while (!done) done = (await reader.read()).done;
    expect(done).toBe(true);
  });

  it('status explains what to fix, and the self-test delivers a signed session end to end', async () => {
    const { engine, call } = await setup({ secret: undefined });
    const status = (await call('status')).body as { warnings: Array<{ code: string }>; secretConfigured: boolean; publicWebhookUrl: string | null };
    expect(status.secretConfigured).toBe(false);
    expect(status.warnings.map((w) => w.code)).toEqual(['no-secret', 'no-public-url']);
    const test = (await call('sendTestEvent')).body as { ok: boolean; sessionId: string; url: string };
    expect(test.ok).toBe(true);
    expect(test.url).toBe(engine.localWebhookUrl);
    const session = (await call('getSession', { sessionId: test.sessionId })).body as { status: string; metadata: Record<string, unknown> };
    expect(session.status).toBe('ended');
    expect(session.metadata.source).toBe('callaider-archive-self-test');
  });

  it('loads demo data once, however often it is asked', async () => {
    const { engine, call } = await setup();
    expect((await call('loadDemoData', { sessions: 30 })).body).toEqual({ sessions: 30 });
    expect((await call('loadDemoData', { sessions: 30 })).body).toEqual({ sessions: 30 });
    expect((await engine.archive.counts({ staleBefore: 0 })).sessions).toBe(30);
    const facets = (await call('facets')).body as { reasons: string[]; assistants: string[] };
    expect(facets.assistants).toEqual(['101', '102', '205']);
    expect(facets.reasons.length).toBeGreaterThan(2);
  });
});
