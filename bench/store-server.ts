/**
 * The server process of the archive-store benchmark (bench/store.ts), run with `node --import tsx`.
 * It starts the engine the way `callaider-archive serve` does (electron/core/cli/serve.ts): Engine.start,
 * an ArchiveService and the archive window's HTTP server, a console log on stderr with one line per
 * archived event. It only uses those public entry points, so it keeps working while the archive layer
 * beneath them changes.
 *
 * On top, for the benchmark:
 * - `monitorEventLoopDelay` (1 ms resolution) on this, the thread that answers webhooks and the window;
 * - timing markers on stdout (`bench-marker <name> <ms since the process started>`), then the banner's
 *   first line, "CallAIder Archive is receiving webhooks.", printed after the same work as the real
 *   banner (the archive's counts, here through the `status` call);
 * - IPC (when forked): {type:'loop'} answers with the event-loop statistics since the last such message
 *   and resets them; {type:'stop'} (or SIGTERM/SIGINT, or the parent going away) stops cleanly and exits.
 *
 *   node --import tsx bench/store-server.ts --data-dir D --port P --ui-port Q --secret S --ui-token T [--max-seconds N] [--no-backup-schedule]
 */
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ArchiveService } from '../electron/core/archive-service.js';
import { defaultConfig } from '../electron/core/config.js';
import { Engine } from '../electron/core/engine.js';
import { consoleLogger } from '../electron/core/log.js';
import { startUiServer, type UiServer } from '../electron/core/ui-server.js';
import { describeIngested } from '../electron/core/cli/serve.js';

// bench/store.ts waits for these two; keep them in step with it.
const BANNER_LINE = 'CallAIder Archive is receiving webhooks.';
const MARKER_PREFIX = 'bench-marker ';

export interface LoopStats {
  /** Event-loop delay in ms (1 ms timer interval included: an idle loop reads about 1.1 ms). */
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  samples: number;
  /** Share of wall time the event loop was busy. */
  utilization: number;
  /** Process CPU (all threads: listener, writer, GC), ms. */
  cpuMs: number;
  wallMs: number;
  /** Garbage-collection pauses (PerformanceObserver 'gc'), to tell them apart from the archive's work. */
  gc: { count: number; totalMs: number; maxMs: number };
}

export type ServerMessage =
  | { type: 'ready'; webhookUrl: string; uiBaseUrl: string; markers: Record<string, number> }
  | { type: 'loop'; stats: LoopStats }
  | { type: 'error'; message: string };

const marker = (name: string, markers: Record<string, number>) => {
  const ms = performance.now();
  markers[name] = ms;
  process.stdout.write(`${MARKER_PREFIX}${name} ${ms.toFixed(1)}\n`);
};

async function main(): Promise<void> {
  const markers: Record<string, number> = {};
  marker('main', markers);
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string', default: '0' },
      'ui-port': { type: 'string', default: '0' },
      secret: { type: 'string' },
      'ui-token': { type: 'string' },
      'max-seconds': { type: 'string', default: '1800' },
      /** Backups only when asked (bench/backup.ts times them through the API). */
      'no-backup-schedule': { type: 'boolean', default: false },
    },
  });
  const dataDir = values['data-dir'];
  if (!dataDir || !values.secret || !values['ui-token']) throw new Error('--data-dir, --secret and --ui-token are required');

  // Never outlive the benchmark, whatever happens to it.
  setTimeout(() => {
    process.stderr.write('store-server: --max-seconds reached; exiting\n');
    process.exit(3);
  }, Number(values['max-seconds']) * 1000).unref();

  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let since = { elu: performance.eventLoopUtilization(), cpu: process.cpuUsage(), wall: performance.now() };
  let gc = { count: 0, totalMs: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count += 1;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });

  const log = consoleLogger();
  const engine = await Engine.start(defaultConfig({ dataDir, host: '127.0.0.1', port: Number(values.port), secret: values.secret, ...(values['no-backup-schedule'] ? { schedule: 'off' as const } : {}) }), { log });
  marker('engine-started', markers);
  let ui: UiServer;
  try {
    const service = new ArchiveService(engine, { host: 'serve' });
    ui = await startUiServer({ service, port: Number(values['ui-port']), token: values['ui-token'], log });
    marker('ui-started', markers);
    // The real banner reads the archive's counts before printing; the same work, through the API.
    await service.call('status', {});
    marker('counts-read', markers);
  } catch (error) {
    await engine.stop();
    throw error;
  }
  engine.on('ingested', (event) => log.info(describeIngested(event)));
  process.stdout.write(`\n${BANNER_LINE}\n  Listening on    ${engine.localWebhookUrl}\n  Archive window  ${ui.baseUrl}\n`);
  marker('banner', markers);

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      histogram.disable();
      await ui.close().catch((error: unknown) => process.stderr.write(`store-server: closing the window server: ${String(error)}\n`));
      await engine.stop();
    })().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`store-server: stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
    return stopping;
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());

  if (process.send) {
    const send = (message: ServerMessage) => process.send?.(message);
    process.on('disconnect', () => void stop());
    process.on('message', (message: { type?: string }) => {
      if (message.type === 'loop') {
        const ms = (ns: number) => ns / 1e6;
        const cpu = process.cpuUsage(since.cpu);
        const stats: LoopStats = {
          p50: ms(histogram.percentile(50)),
          p90: ms(histogram.percentile(90)),
          p99: ms(histogram.percentile(99)),
          p999: ms(histogram.percentile(99.9)),
          max: ms(histogram.max),
          mean: ms(histogram.mean),
          samples: histogram.count,
          utilization: performance.eventLoopUtilization(since.elu).utilization,
          cpuMs: (cpu.user + cpu.system) / 1000,
          wallMs: performance.now() - since.wall,
          gc,
        };
        histogram.reset();
        gc = { count: 0, totalMs: 0, maxMs: 0 };
        since = { elu: performance.eventLoopUtilization(), cpu: process.cpuUsage(), wall: performance.now() };
        send({ type: 'loop', stats });
      } else if (message.type === 'stop') {
        void stop();
      }
    });
    send({ type: 'ready', webhookUrl: engine.localWebhookUrl, uiBaseUrl: ui.baseUrl, markers });
  }
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`store-server: ${message}\n`);
  process.send?.({ type: 'error', message } satisfies ServerMessage);
  process.exitCode = 1;
  // An engine half-started (a port taken) must not keep the process alive.
  setTimeout(() => process.exit(1), 2000).unref();
});
