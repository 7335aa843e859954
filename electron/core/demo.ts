/**
 * Demo data: realistic sessions spread over months, stored through the normal ingest path (so
 * they are validated, deduplicated and indexed like real ones). Used by `callaider-archive demo`,
 * the "Load demo data" button, the end-to-end tests and the benchmarks.
 */
import type { ArchiveStore } from './archive/store.js';
import { simulateSessions } from './simulator.js';

export interface DemoOptions {
  sessions: number;
  seed?: number;
  spreadDays?: number;
  now?: number;
  /** Every n-th session gets a long transcript (hundreds of messages). */
  longEvery?: number;
  onProgress?: (done: number) => void;
}

const CHUNK = 500;

export async function loadDemoData(archive: ArchiveStore, options: DemoOptions): Promise<number> {
  let done = 0;
  let pending: Array<Promise<unknown>> = [];
  for (const pair of simulateSessions(options.sessions, {
    seed: options.seed ?? 20_260_526,
    spreadDays: options.spreadDays ?? 120,
    now: options.now ?? Date.now(),
    longEvery: options.longEvery ?? 25,
  })) {
    for (const payload of [pair.started, pair.ended]) {
      pending.push(archive.ingest({ payload, body: Buffer.from(JSON.stringify(payload)), source: 'import', receivedAt: Date.now() }));
    }
    done += 1;
    if (pending.length >= CHUNK * 2) {
      await Promise.all(pending);
      pending = [];
      options.onProgress?.(done);
    }
  }
  await Promise.all(pending);
  options.onProgress?.(done);
  return done;
}
