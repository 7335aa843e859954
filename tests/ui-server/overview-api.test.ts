/** The Overview over real HTTP (the archive window's server) on a real engine: its bounds and its numbers. */
import { describe, expect, it } from 'vitest';
import { ArchiveService } from '../../electron/core/archive-service.js';
import { defaultConfig } from '../../electron/core/config.js';
import { loadDemoData } from '../../electron/core/demo.js';
import { Engine } from '../../electron/core/engine.js';
import { startUiServer } from '../../electron/core/ui-server.js';
import { ARCHIVE_API, type ArchiveResults } from '../../shared/api.js';
import { DAY_MS, OVERVIEW_MAX_MS, offsetSegments } from '../../shared/overview.js';
import { onCleanup, SECRET, tempDir } from '../support/fixtures.js';

const TO = Date.UTC(2026, 10, 27);
const UTC = [{ from: TO - DAY_MS, offsetMinutes: 0 }];

describe('the overview API', () => {
  it('accepts a period of up to two years with ascending offset segments, and refuses anything else with a clear error', () => {
    const schema = ARCHIVE_API.overview;
    expect(schema.safeParse({ from: TO - OVERVIEW_MAX_MS, to: TO, utcOffsets: UTC }).success).toBe(true);
    const refused = (args: unknown) => {
      const result = schema.safeParse(args);
      return result.success ? null : result.error.issues.map((issue) => issue.message).join('; ');
    };
    expect(refused({ from: TO - OVERVIEW_MAX_MS - 1, to: TO, utcOffsets: UTC })).toMatch(/at most two years/);
    expect(refused({ from: TO, to: TO, utcOffsets: UTC })).toMatch(/to must be after from/);
    expect(refused({ from: TO - DAY_MS, to: TO, utcOffsets: [] })).toBeTruthy();
    expect(refused({ from: TO - DAY_MS, to: TO, utcOffsets: [{ from: TO, offsetMinutes: 60 }, { from: TO - 1, offsetMinutes: 0 }] })).toMatch(/ascending/);
    expect(refused({ from: TO - DAY_MS, to: TO, utcOffsets: [{ from: TO, offsetMinutes: 24 * 60 }] })).toBeTruthy();
    expect(refused({ from: TO - DAY_MS, to: TO, utcOffsets: UTC, extra: 1 })).toBeTruthy();
    // The click-through filters are bounded and checked too.
    const filters = ARCHIVE_API.listSessions;
    expect(filters.safeParse({ filters: { localTime: { utcOffsets: UTC, hour: 24 } } }).success).toBe(false);
    expect(filters.safeParse({ filters: { localTime: { utcOffsets: UTC } } }).success).toBe(false);
    expect(filters.safeParse({ filters: { toolFailed: true } }).success).toBe(false);
    expect(filters.safeParse({ filters: { toolName: 'book', toolFailed: true, callerHistory: { kind: 'new', since: TO } } }).success).toBe(true);
  });

  it('answers the numbers of demo sessions over HTTP, and the list agrees with them', async () => {
    const engine = await Engine.start(defaultConfig({ dataDir: tempDir(), port: 0, secret: SECRET, schedule: 'off' }));
    onCleanup(() => engine.stop());
    const service = new ArchiveService(engine, { host: 'serve' });
    const ui = await startUiServer({ service, port: 0, token: 't', staticDir: tempDir() });
    onCleanup(() => ui.close());
    const http = async <M extends keyof ArchiveResults>(method: M, args: unknown = {}) => {
      const response = await fetch(`${ui.baseUrl}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body: JSON.stringify(args) });
      return { status: response.status, body: (await response.json()) as ArchiveResults[M] & { error?: string } };
    };
    await loadDemoData(engine.archive, { sessions: 300, seed: 4, spreadDays: 60 });
    await engine.archive.settled();
    const now = Date.now();
    const from = now - 90 * DAY_MS;
    // Berlin's rules, as a browser there would send them.
    const utcOffsets = offsetSegments(from, now, (ms) => (new Date(ms).getUTCMonth() >= 3 && new Date(ms).getUTCMonth() < 9 ? 120 : 60));
    const { status, body } = await http('overview', { from, to: now, utcOffsets });
    expect(status).toBe(200);
    expect(body.totals.calls).toBe(300);
    expect(body.days.reduce((sum, d) => sum + d.voice + d.text + d.other, 0)).toBe(300);
    expect(body.weekHours.reduce((a, b) => a + b, 0)).toBe(300);
    expect(body.durations.reduce((a, b) => a + b, 0)).toBe(body.totals.timed);
    const tool = body.tools[0]!;
    const listed = await http('listSessions', { filters: { from, to: now - 1, toolName: tool.name, toolFailed: true }, limit: 500 });
    expect(listed.body.total).toBe(tool.failedSessions);
    const bad = await http('overview', { from: now, to: now - 1, utcOffsets });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/to must be after from/);
  });
});
