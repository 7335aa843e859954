/** Real sessions at chosen times, ingested into a real archive (the alert tests' history). */
import type { ArchiveStore } from '../../electron/core/archive/store.js';
import { seededRandom, simulateSession } from '../../electron/core/simulator.js';

let seed = 7_000;

/** A whole session (started and ended) that ends at `endsAt`; returns its id. */
export async function ingestSessionEndingAt(archive: ArchiveStore, endsAt: number): Promise<string> {
  seed += 1;
  const { started, ended } = simulateSession(seededRandom(seed), { endsAt, messages: 4 });
  for (const payload of [started, ended]) {
    await archive.ingest({ payload, body: Buffer.from(JSON.stringify(payload)), source: 'webhook', receivedAt: endsAt });
  }
  return started.sessionId;
}
