/**
 * The triage runner on real archives: passes over the whole archive in pages, restarting when the
 * rules change again, the dropped-call sweep, a clean stop with the engine, and webhooks answered
 * while a pass runs.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig, type EngineConfig } from '../../electron/core/config.js';
import { loadDemoData } from '../../electron/core/demo.js';
import { Engine, TRIAGE_STATE_FILE, type EngineDeps } from '../../electron/core/engine.js';
import type { Logger } from '../../electron/core/log.js';
import { deliver } from '../../electron/core/send-test.js';
import { seededRandom, simulateSession } from '../../electron/core/simulator.js';
import { TriageRunner } from '../../electron/core/triage-runner.js';
import type { TriageProgress } from '../../shared/follow-up.js';
import { onCleanup, SECRET, tempArchive, tempDir } from '../support/fixtures.js';

function recordingLogger() {
  const lines: Array<{ level: 'info' | 'warn' | 'error'; message: string }> = [];
  const log: Logger = {
    info: (message) => lines.push({ level: 'info', message }),
    warn: (message) => lines.push({ level: 'warn', message }),
    error: (message) => lines.push({ level: 'error', message }),
  };
  return { log, lines };
}

async function startEngine(overrides: Partial<EngineConfig> = {}, deps: EngineDeps = {}) {
  const engine = await Engine.start(defaultConfig({ dataDir: tempDir(), port: 0, secret: SECRET, ...overrides }), deps);
  let stopped = false;
  onCleanup(() => (stopped ? undefined : engine.stop()));
  return { engine, stop: async () => { stopped = true; await engine.stop(); } };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('TriageRunner', () => {
  it('runs over the archive in pages with moving progress, and starts over when asked again mid-pass', async () => {
    const { archive } = await tempArchive();
    await loadDemoData(archive, { sessions: 300 });
    await archive.settled();
    const { log, lines } = recordingLogger();
    const runner = new TriageRunner({ store: archive, staleAfterMs: 120 * 60_000, log, stateFile: null, pageBudgetMs: 1, pauseMs: 0, progressEveryMs: 0 });
    const events: TriageProgress[] = [];
    let askedAgainAt: number | null = null;
    runner.on('progress', (progress) => {
      events.push(progress);
      if (askedAgainAt === null && progress.running && progress.checked > 0) {
        askedAgainAt = progress.checked;
        runner.rerun(); // the rules changed again: start over after this page
      }
    });

    runner.rerun();
    await runner.idle();
    expect(askedAgainAt).toBeLessThan(300);

    const starts = events.filter((e) => e.running && e.checked === 0);
    expect(starts).toHaveLength(2);
    const second = events.slice(events.lastIndexOf(starts[1]!));
    const checked = second.map((e) => e.checked);
    expect(checked).toEqual([...checked].sort((a, b) => a - b));
    expect(second.length).toBeGreaterThan(2); // it moved in several steps
    const last = events.at(-1)!;
    expect(last).toMatchObject({ running: false, checked: 300, total: 300, error: null });
    expect(last.finishedAt).toBeGreaterThanOrEqual(last.startedAt);
    expect(runner.progress).toEqual(last);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('keeps a store error in progress.error, logs it, and never throws', async () => {
    const { archive } = await tempArchive();
    await loadDemoData(archive, { sessions: 20 });
    await archive.settled();
    const { log, lines } = recordingLogger();
    const runner = new TriageRunner({ store: archive, staleAfterMs: 60_000, log, stateFile: null });
    await archive.close(); // every write now fails: the runner must survive it
    runner.rerun();
    await runner.idle();
    expect(runner.progress).toMatchObject({ running: false });
    expect(runner.progress!.error).toMatch(/\w/);
    expect(lines.some((l) => l.level === 'error' && l.message.includes('re-running the rules'))).toBe(true);
    await expect(runner.runStale()).resolves.toEqual({ changed: 0 });
  });

  it('at start, runs the first pass of an archive that waits for one (upgraded from before the rules), with progress', async () => {
    const { archive } = await tempArchive();
    await loadDemoData(archive, { sessions: 50 });
    await archive.settled();
    const { log } = recordingLogger();
    // The real store's mark is covered in tests/archive/migrations.test.ts; here, only what the runner does with it.
    let pending = true;
    const store = { ...archive, triagePending: async () => pending };
    const stateFile = join(tempDir(), 'triage-state.json');
    const runner = new TriageRunner({ store, staleAfterMs: 120 * 60_000, log, stateFile, progressEveryMs: 0 });
    const events: TriageProgress[] = [];
    runner.on('progress', (progress) => events.push(progress));
    runner.start();
    await until(() => events.some((e) => !e.running), 'the first pass to finish');
    await runner.stop();
    expect(events[0]).toMatchObject({ running: true, checked: 0 });
    expect(runner.progress).toMatchObject({ running: false, checked: 50, total: 50, error: null });

    // Once the archive no longer waits, and nothing changed since that pass, a start runs nothing.
    pending = false;
    const again = new TriageRunner({ store, staleAfterMs: 120 * 60_000, log, stateFile, progressEveryMs: 0 });
    again.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await again.stop();
    expect(again.progress).toBeNull();
  });
});

describe('the engine with its triage runner', () => {
  it('flags a call that started and never ended as dropped once it is past the stale threshold', async () => {
    const { engine } = await startEngine({ staleAfterMinutes: 5 });
    const { started } = simulateSession(seededRandom(77), { endsAt: Date.now(), messages: 4 });
    expect((await deliver(engine.localWebhookUrl, started, { secret: SECRET })).status).toBe(200);
    await engine.archive.settled();
    const swept: number[] = [];
    engine.on('staleTriaged', (changed) => swept.push(changed));

    expect(await engine.triage.runStale(Date.now())).toEqual({ changed: 0 }); // not stale yet
    const later = Date.now() + 10 * 60_000;
    expect((await engine.triage.runStale(later)).changed).toBe(1);
    expect(swept).toEqual([1]);
    const followUp = await engine.archive.getFollowUp(started.sessionId);
    expect(followUp).toMatchObject({ state: 'follow-up' });
    expect(followUp!.reasons.map((r) => r.ruleId)).toContain('dropped');
    expect((await engine.triage.runStale(later)).changed).toBe(0); // once
  });

  it('at start, finishes a pass cut short by a quit (rules changed since the last full pass), and only then', async () => {
    const dataDir = tempDir();
    const first = await startEngine({ dataDir });
    await until(() => existsSync(join(dataDir, TRIAGE_STATE_FILE)), 'the baseline record');
    expect(first.engine.triage.progress).toBeNull(); // a first start: nothing the rules have not seen
    await loadDemoData(first.engine.archive, { sessions: 50, longEvery: 0 });
    // A rule saved, and the engine gone before its pass ran.
    await first.engine.archive.saveRule({ name: 'Refunds', enabled: true, kind: 'custom', conditions: [{ field: 'words', who: 'anyone', words: ['refund'] }], action: { followUp: true, priority: 'normal', tags: [], notify: false } }, Date.now());
    await first.stop();

    const second = await startEngine({ dataDir });
    await until(() => second.engine.triage.progress?.running === false, 'the pass at start');
    expect(second.engine.triage.progress).toMatchObject({ error: null, checked: 50, total: 50 });
    await second.stop();

    const third = await startEngine({ dataDir });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(third.engine.triage.progress).toBeNull();
  });

  it('acknowledges webhooks while a pass runs, stores them, and stops with the engine cleanly', async () => {
    const { log, lines } = recordingLogger();
    const { engine, stop } = await startEngine({}, { log });
    await loadDemoData(engine.archive, { sessions: 1500, longEvery: 0 });
    await engine.archive.settled();

    engine.triage.rerun();
    expect(engine.triage.running).toBe(true);
    const deliveredDuringPass: string[] = [];
    const latencies: number[] = [];
    let seed = 500;
    while (engine.triage.running && deliveredDuringPass.length < 40) {
      seed += 1;
      const { started, ended } = simulateSession(seededRandom(seed), { endsAt: Date.now(), messages: 6 });
      for (const payload of [started, ended]) {
        const result = await deliver(engine.localWebhookUrl, payload, { secret: SECRET });
        expect(result.status).toBe(200);
        latencies.push(result.ms);
      }
      deliveredDuringPass.push(started.sessionId);
    }
    expect(deliveredDuringPass.length).toBeGreaterThan(0);
    for (const sessionId of deliveredDuringPass) expect((await engine.archive.storedEvents(sessionId)).sort()).toEqual(['session.ended', 'session.started']);
    expect(Math.max(...latencies)).toBeLessThan(2_000);

    // A new pass, stopped in the middle by the engine's stop: no error, the archive closes cleanly.
    engine.triage.rerun();
    await until(() => (engine.triage.progress?.checked ?? 0) > 0, 'the first page of the second pass');
    await stop();
    expect(engine.triage.running).toBe(false);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(lines.at(-1)!.message).toContain('archive closed cleanly');
  });
});
