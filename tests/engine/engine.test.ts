import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { defaultConfig, type EngineConfig } from '../../electron/core/config.js';
import { ArchiveLockedError } from '../../electron/core/archive/engine-lock.js';
import { Engine, PortInUseError } from '../../electron/core/engine.js';
import { reverifyQuarantine } from '../../electron/core/quarantine.js';
import { deliver } from '../../electron/core/send-test.js';
import { createNgrokAdapter } from '../../electron/core/tunnel/ngrok.js';
import { TunnelError, type TunnelAdapter } from '../../electron/core/tunnel/tunnel.js';
import { onCleanup, SECRET, sessionPair, tempDir } from '../support/fixtures.js';

async function startEngine(overrides: Partial<EngineConfig> = {}, deps: Parameters<typeof Engine.start>[1] = {}) {
  const engine = await Engine.start(defaultConfig({ dataDir: tempDir(), port: 0, secret: SECRET, ...overrides }), deps);
  let stopped = false;
  onCleanup(() => (stopped ? undefined : engine.stop()));
  return { engine, stop: async () => { stopped = true; await engine.stop(); } };
}

describe('engine over real HTTP on loopback', () => {
  it('stores 20 concurrent identical deliveries exactly once', async () => {
    const { engine } = await startEngine();
    const { ended } = sessionPair({ messages: 50 });
    const results = await Promise.all(Array.from({ length: 20 }, () => deliver(engine.localWebhookUrl, ended, { secret: SECRET })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    await engine.archive.settled();
    expect(await engine.archive.counts({ staleBefore: 0 })).toMatchObject({ events: 1, sessions: 1, messages: 50 });
  });

  it('answers the documented statuses over a real socket', async () => {
    const { engine } = await startEngine({ bodyLimit: 64 * 1024 });
    const { started } = sessionPair();
    expect((await deliver(engine.localWebhookUrl, started, { secret: SECRET })).status).toBe(200);
    expect((await deliver(engine.localWebhookUrl, started, { secret: 'wrong' })).status).toBe(401);
    expect((await deliver(engine.localWebhookUrl, sessionPair({ messages: 900 }).ended, { secret: SECRET })).status).toBe(413);
    const health = await fetch(engine.localWebhookUrl.replace('/webhook', '/healthz'));
    expect(await health.json()).toEqual({ ok: true });
  });

  it('decides 413 from Content-Length before any of the body is sent', async () => {
    const { engine } = await startEngine();
    const url = new URL(engine.localWebhookUrl);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(500 * 1024 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.flushHeaders(); // headers only: the 500 MiB never come
    });
    expect(status).toBe(413);
  });

  it('cuts off a sender that never finishes its request', async () => {
    const { engine } = await startEngine({ requestTimeoutMs: 1_000 });
    const url = new URL(engine.localWebhookUrl);
    const started = Date.now();
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(`POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"event":`);
      });
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.setTimeout(10_000, () => socket.destroy());
    });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('keeps data across a restart of the engine on the same folder', async () => {
    const dataDir = tempDir();
    const first = await startEngine({ dataDir });
    const { started, ended } = sessionPair();
    await deliver(first.engine.localWebhookUrl, started, { secret: SECRET });
    await first.stop();
    const second = await startEngine({ dataDir });
    expect((await deliver(second.engine.localWebhookUrl, started, { secret: SECRET })).duplicate).toBe(true);
    expect((await deliver(second.engine.localWebhookUrl, ended, { secret: SECRET })).duplicate).toBe(false);
    await second.engine.archive.settled();
    expect(await second.engine.archive.counts({ staleBefore: 0 })).toMatchObject({ sessions: 1, events: 2, activeSessions: 0 });
  });

  it('emits ingested events for the host (notifications, live UI)', async () => {
    const { engine } = await startEngine();
    const seen: string[] = [];
    engine.on('ingested', ({ payload, duplicate }) => seen.push(`${payload.event}:${duplicate}`));
    const { started } = sessionPair();
    await deliver(engine.localWebhookUrl, started, { secret: SECRET });
    await deliver(engine.localWebhookUrl, started, { secret: SECRET });
    expect(seen).toEqual(['session.started:false', 'session.started:true']);
  });
});

describe('engine start-up errors', () => {
  it('keeps a second engine off the same archive, naming the first', async () => {
    const dataDir = tempDir();
    const { engine } = await startEngine({ dataDir });
    const error = await Engine.start(defaultConfig({ dataDir, port: 0 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiveLockedError);
    expect((error as Error).message).toContain(`pid ${process.pid}`);
    expect((error as Error).message).toContain(engine.localWebhookUrl);
  });

  it('reports a taken port in one clear line and releases the archive', async () => {
    const { engine } = await startEngine();
    const port = Number(new URL(engine.localWebhookUrl).port);
    const dataDir = tempDir();
    const error = await Engine.start(defaultConfig({ dataDir, port })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortInUseError);
    expect((error as Error).message).toBe(`port ${port} on 127.0.0.1 is already in use (another engine, or another program); choose one with --port`);
    // The failed start released its lock: the folder can be used right away.
    const ok = await startEngine({ dataDir });
    expect(ok.engine.localWebhookUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/webhook$/);
  });
});

describe('tunnel', () => {
  it('publishes the tunnel URL as the webhook URL to paste into CallAIder, and closes it on stop', async () => {
    const opened: string[] = [];
    let closed = 0;
    const fake: TunnelAdapter = {
      name: 'fake',
      open: async (target) => {
        opened.push(`${target.host}:${target.port}`);
        return { url: 'https://calm-otter.example.app', close: async () => void (closed += 1) };
      },
    };
    const { engine, stop } = await startEngine({ tunnel: 'ngrok' }, { tunnelAdapter: fake });
    expect(opened).toEqual([new URL(engine.localWebhookUrl).host]);
    expect(engine.publicWebhookUrl).toBe('https://calm-otter.example.app/webhook');
    await stop();
    expect(closed).toBe(1);
  });

  it('a tunnel error that retrying cannot fix stops the start with its message and frees the port and archive', async () => {
    const dataDir = tempDir();
    const failing: TunnelAdapter = { name: 'fake', open: async () => { throw new TunnelError('ngrok needs an authtoken: test', 'missing-authtoken'); } };
    await expect(Engine.start(defaultConfig({ dataDir, port: 0, tunnel: 'ngrok' }), { tunnelAdapter: failing })).rejects.toThrow('ngrok needs an authtoken: test');
    await startEngine({ dataDir });
  });

  it('a passing tunnel failure keeps the engine receiving locally while it retries', async () => {
    let calls = 0;
    const flaky: TunnelAdapter = {
      name: 'fake',
      open: async () => {
        calls += 1;
        if (calls === 1) throw new TunnelError("cannot reach ngrok's servers (test)", 'unreachable');
        return { url: 'https://back.example.app', close: async () => undefined };
      },
    };
    const { engine } = await startEngine({ tunnel: 'ngrok' }, { tunnelAdapter: flaky });
    expect(engine.tunnelStatus.state).toBe('error');
    expect((await deliver(engine.localWebhookUrl, sessionPair().started, { secret: SECRET })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_600)); // first retry after ~1 s
    expect(engine.tunnelStatus).toMatchObject({ state: 'online', url: 'https://back.example.app' });
    expect(engine.publicWebhookUrl).toBe('https://back.example.app/webhook');
    // The time it was down is on record: calls then may have been missed.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await engine.archive.recentOutages({ since: 0, limit: 5 })).toHaveLength(1);
  });

  it('without --tunnel, a configured public URL is what to paste', async () => {
    const { engine } = await startEngine({ publicUrl: 'https://archive.example.com' });
    expect(engine.publicWebhookUrl).toBe('https://archive.example.com/webhook');
  });

  it('the real ngrok SDK without an authtoken fails at once with what to do', async () => {
    const adapter = createNgrokAdapter({ authtoken: undefined });
    await expect(adapter.open({ host: '127.0.0.1', port: 9 })).rejects.toThrow(/ngrok needs an authtoken.*NGROK_AUTHTOKEN/);
  });

  it('the real ngrok SDK with no network fails fast with a clear message', async () => {
    const adapter = createNgrokAdapter({ authtoken: 'not-a-real-token', connectTimeoutMs: 15_000 });
    const started = Date.now();
    const error = (await adapter.open({ host: '127.0.0.1', port: 9 }).catch((e: unknown) => e)) as TunnelError;
    expect(error).toBeInstanceOf(TunnelError);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(error.message).toMatch(/cannot reach ngrok's servers|rejected the authtoken|did not answer/);
  });
});

describe('quarantine re-verification', () => {
  it('stores deliveries that were rejected for a mistyped secret once the right secret is given', async () => {
    const { engine } = await startEngine({ secret: 'typo-secret' });
    const { started, ended } = sessionPair();
    expect((await deliver(engine.localWebhookUrl, started, { secret: SECRET })).status).toBe(401);
    expect((await deliver(engine.localWebhookUrl, ended, { secret: SECRET })).status).toBe(401);
    expect((await deliver(engine.localWebhookUrl, sessionPair().started, { secret: 'a stranger' })).status).toBe(401);
    await engine.archive.settled();
    expect(await engine.archive.counts({ staleBefore: 0 })).toMatchObject({ sessions: 0, quarantined: 3 });

    expect(await reverifyQuarantine(engine.archive, 'still-wrong')).toEqual({ checked: 3, stored: 0, duplicates: 0, kept: 3 });
    expect(await reverifyQuarantine(engine.archive, SECRET)).toEqual({ checked: 3, stored: 2, duplicates: 0, kept: 1 });
    await engine.archive.settled();
    expect(await engine.archive.counts({ staleBefore: 0 })).toMatchObject({ sessions: 1, events: 2, quarantined: 1 });
    // The log shows where the stored bodies came from: the quarantine, re-verified.
    const refused = (await engine.archive.listDeliveries({ limit: 10, outcome: 'rejected' })).items;
    const notes = await Promise.all(refused.map(async (d) => (await engine.archive.getDelivery(d.id))!.bodyNote));
    expect(notes.filter((note) => note === 'stored after re-verification with the right secret')).toHaveLength(2);
  });
});
