/** Real sessions at chosen times, ingested into a real archive (the alert tests' history). */
import type { SqliteStore } from '../../electron/core/archive/sqlite/sqlite-store.js';
import { seededRandom, simulateSession } from '../../electron/core/simulator.js';

let seed = 7_000;

/** A whole session (started and ended) that ends at `endsAt`; returns its id. */
export async function ingestSessionEndingAt(archive: SqliteStore, endsAt: number): Promise<string> {
  seed += 1;
  const { started, ended } = simulateSession(seededRandom(seed), { endsAt, messages: 4 });
  for (const payload of [started, ended]) {
    await archive.ingest({ payload, body: Buffer.from(JSON.stringify(payload)), source: 'webhook', receivedAt: endsAt });
  }
  return started.sessionId;
}
