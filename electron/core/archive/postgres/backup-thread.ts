/** The backup's worker thread: writes and checks one backup (backup.ts), then says how it went. */
import { parentPort, workerData } from 'node:worker_threads';
import { writeBackup } from './backup.js';

const { url, file } = workerData as { url: string; file: string };
writeBackup(url, file).then(
  (written) => parentPort!.postMessage({ ok: true, written }),
  (error: unknown) => parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) }),
);
