import { describe, expect, it } from 'vitest';
import { TunnelManager, type TunnelStatus } from '../../electron/core/tunnel/manager.js';
import { TunnelError, type Tunnel, type TunnelAdapter } from '../../electron/core/tunnel/tunnel.js';

/** A scripted adapter: each open() takes the next outcome. */
function scriptedAdapter(outcomes: Array<'ok' | Error>) {
  const opened: string[] = [];
  const closed: string[] = [];
  let n = 0;
  const adapter: TunnelAdapter = {
    name: 'fake',
    open: async () => {
      const outcome = outcomes[Math.min(n, outcomes.length - 1)]!;
      n += 1;
      if (outcome instanceof Error) throw outcome;
      const url = `https://t${n}.example.app`;
      opened.push(url);
      return { url, close: async () => void closed.push(url) } satisfies Tunnel;
    },
  };
  return { adapter, opened, closed, attempts: () => n };
}

/** Manual clock and timers: the test decides when time passes. */
function manualTime() {
  let now = 1_000_000;
  const timers: Array<{ at: number; fn: () => void; id: number }> = [];
  let nextId = 1;
  return {
    now: () => now,
    setTimer: (fn: () => void, ms: number) => {
      const id = nextId++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimer: (id: unknown) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
    delays: [] as number[],
    async advance(ms: number) {
      now += ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers.splice(timers.indexOf(due), 1);
        due.fn();
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    pending: () => timers.map((t) => t.at - now),
  };
}

const unreachable = () => new TunnelError("cannot reach ngrok's servers", 'unreachable');

describe('tunnel manager', () => {
  it('goes connecting -> online and publishes the URL', async () => {
    const { adapter } = scriptedAdapter(['ok']);
    const manager = new TunnelManager({ adapter, target: { host: '127.0.0.1', port: 1 } });
    const states: TunnelStatus['state'][] = [];
    manager.on('status', (s) => states.push(s.state));
    const status = await manager.start();
    expect(states).toEqual(['connecting', 'online']);
    expect(status).toMatchObject({ state: 'online', url: 'https://t1.example.app', error: null });
    await manager.stop();
    expect(manager.status.state).toBe('off');
  });

  it('retries with exponential backoff and jitter, capped', async () => {
    const time = manualTime();
    const { adapter, attempts } = scriptedAdapter([unreachable(), unreachable(), unreachable(), unreachable(), 'ok']);
    const manager = new TunnelManager({ adapter, target: { host: '127.0.0.1', port: 1 }, random: () => 0.5, initialDelayMs: 1000, maxDelayMs: 5000, ...time });
    await manager.start();
    expect(manager.status.state).toBe('error');
    const delays: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      delays.push(time.pending()[0]!);
      await time.advance(time.pending()[0]!);
    }
    expect(delays).toEqual([1000, 2000, 4000, 5000]); // random 0.5 = no jitter; 8000 capped to 5000
    expect(attempts()).toBe(5);
    expect(manager.status.state).toBe('online');
    const jittered = new TunnelManager({ adapter, target: { host: '127.0.0.1', port: 1 }, random: () => 1, initialDelayMs: 1000 });
    expect(jittered.nextDelayMs()).toBe(1200);
  });

  it('does not retry what retrying cannot fix, and says why', async () => {
    const time = manualTime();
    const { adapter, attempts } = scriptedAdapter([new TunnelError('ngrok rejected the authtoken', 'ERR_NGROK_107')]);
    const manager = new TunnelManager({ adapter, target: { host: '127.0.0.1', port: 1 }, ...time });
    await manager.start();
    expect(manager.status).toMatchObject({ state: 'error', error: 'ngrok rejected the authtoken' });
    expect(manager.willRetry).toBe(false);
    await time.advance(10 * 60_000);
    expect(attempts()).toBe(1);
  });

  it('records the period the tunnel was down, from the drop to the reconnect', async () => {
    const time = manualTime();
    const outages: Array<{ startedAt: number; endedAt: number; reason: string | null }> = [];
    const { adapter } = scriptedAdapter(['ok', unreachable(), 'ok']);
    const manager = new TunnelManager({ adapter, target: { host: '127.0.0.1', port: 1 }, outages: { recordOutage: (o) => outages.push(o) }, random: () => 0.5, ...time });
    await manager.start();
    expect(outages).toEqual([]); // a first connection that works at once is no outage
    const droppedAt = time.now();
    manager.reportDown('agent disconnected');
    await time.advance(1000); // retry 1 fails
    await time.advance(2000); // retry 2 succeeds
    expect(manager.status.state).toBe('online');
    expect(outages).toEqual([{ startedAt: droppedAt, endedAt: droppedAt + 3000, reason: "cannot reach ngrok's servers" }]);
  });

  it('after a resume from sleep, reconnects and runs the self-test through the new public URL', async () => {
    const { adapter, closed } = scriptedAdapter(['ok']);
    const tested: string[] = [];
    const results: Array<{ ok: boolean }> = [];
    const manager = new TunnelManager({
      adapter,
      target: { host: '127.0.0.1', port: 1 },
      selfTest: async (url) => {
        tested.push(url);
        return { ok: true, message: 'stored' };
      },
    });
    manager.on('selfTest', (r) => results.push(r));
    await manager.start();
    await manager.handleResume();
    expect(closed).toEqual(['https://t1.example.app']);
    expect(manager.status.url).toBe('https://t2.example.app');
    expect(tested).toEqual(['https://t2.example.app']);
    expect(results).toEqual([expect.objectContaining({ ok: true, message: 'stored' })]);
    await manager.stop();
  });

  it('stop() cancels pending retries', async () => {
    const time = manualTime();
    const { adapter, attempts } = scriptedAdapter([unreachable()]);
    const manager = new TunnelManager({ adapter, target: { host: '127.0.0.1', port: 1 }, ...time });
    await manager.start();
    expect(time.pending()).toHaveLength(1);
    await manager.stop();
    expect(time.pending()).toHaveLength(0);
    await time.advance(60_000);
    expect(attempts()).toBe(1);
  });
});
