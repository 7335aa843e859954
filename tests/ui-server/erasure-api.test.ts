/** Erasure and retention over real HTTP (the archive window's server) on a real engine. */
import { describe, expect, it } from 'vitest';
import { ArchiveService } from '../../electron/core/archive-service.js';
import { defaultConfig } from '../../electron/core/config.js';
import { loadDemoData } from '../../electron/core/demo.js';
import { Engine } from '../../electron/core/engine.js';
import { startUiServer } from '../../electron/core/ui-server.js';
import type { ArchiveChange, ArchiveResults } from '../../shared/api.js';
import { onCleanup, SECRET, tempDir } from '../support/fixtures.js';

describe('erasure over the API', () => {
  it('previews, exports exactly those sessions, erases them when the period is saved, and erases a session and a caller as the actor', async () => {
    const engine = await Engine.start(defaultConfig({ dataDir: tempDir(), port: 0, secret: SECRET, schedule: 'off' }));
    onCleanup(() => engine.stop());
    const service = new ArchiveService(engine, { host: 'serve', actor: 'Ana' });
    const ui = await startUiServer({ service, port: 0, token: 't', staticDir: tempDir() });
    onCleanup(() => ui.close());
    const changes: ArchiveChange[] = [];
    onCleanup(service.subscribe((change) => changes.push(change)));
    const http = async <M extends keyof ArchiveResults>(method: M, args: unknown = {}) => {
      const response = await fetch(`${ui.baseUrl}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body: JSON.stringify(args) });
      return { status: response.status, body: (await response.json()) as ArchiveResults[M] & { error?: string } };
    };
    await loadDemoData(engine.archive, { sessions: 200, seed: 9, spreadDays: 365 });
    await engine.archive.settled();

    const off = (await http('getRetention')).body;
    expect(off).toMatchObject({ period: 'off', preview: { cutoff: null, sessions: 0 }, erasureCount: 0 });
    const { preview } = (await http('getRetention', { period: '6m' })).body;
    expect(preview.sessions).toBeGreaterThan(50);
    const exported = (await http('exportBefore', { before: preview.cutoff, format: 'json' })).body;
    const exportedIds = (JSON.parse(exported.content) as { sessions: Array<{ sessionId: string }> }).sessions.map((s) => s.sessionId);
    expect(exported.sessions).toBe(preview.sessions);
    expect(exportedIds).toHaveLength(preview.sessions);
    expect(exported.filename).toMatch(/^callaider-sessions-before-\d{4}-\d{2}-\d{2}\.json$/);

    const saved = (await http('setRetention', { period: '6m' })).body;
    expect(saved.period).toBe('6m');
    await engine.retention.runNow();
    expect(await engine.eraser.scrubbed()).toBe(true);
    for (const id of exportedIds.slice(0, 20)) expect((await http('getSession', { sessionId: id })).status).toBe(404);
    const counts = await engine.archive.counts({ staleBefore: 0 });
    expect(counts.sessions).toBe(200 - preview.sessions);
    expect(changes).toContainEqual({ type: 'sessions-changed' });

    const kept = await engine.archive.listSessions({ filters: {}, limit: 200, now: Date.now(), staleAfterMs: 60_000 });
    const withCaller = kept.items.find((s) => s.caller)!;
    const theirs = kept.items.filter((s) => s.caller?.key === withCaller.caller!.key).length;
    expect((await http('eraseCaller', { key: withCaller.caller!.key })).body).toEqual({ erased: theirs });
    const other = kept.items.find((s) => s.caller?.key !== withCaller.caller!.key)!;
    expect((await http('eraseSession', { sessionId: other.sessionId })).body).toEqual({ erased: true });
    expect((await http('eraseSession', { sessionId: other.sessionId })).body).toEqual({ erased: false });

    const record = (await http('getRetention')).body;
    expect(record.erasures.map((e) => [e.kind, e.actor, e.sessions])).toEqual([
      ['session', 'Ana', 1],
      ['caller', 'Ana', theirs],
      ['retention', 'retention', preview.sessions],
    ]);
    expect(JSON.stringify(record)).not.toContain(other.sessionId);

    expect((await http('setRetention', { period: '10y' })).status).toBe(400);
    expect((await http('exportBefore', { before: 'yesterday', format: 'json' })).status).toBe(400);
  });
});
