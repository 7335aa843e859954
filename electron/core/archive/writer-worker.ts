/** The archive writer's thread: a LocalWriter on its own connection, driven by messages. */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './database.js';
import { CommitError } from './group-commit.js';
import { LocalWriter } from './local-writer.js';
import type { WriterMessage, WriterReply, WriterRequest, WriterWorkerData } from './worker-writer.js';

const port = parentPort;
if (!port) throw new Error('writer-worker must run as a worker thread');
const data = workerData as WriterWorkerData;

try {
  const db = openDatabase(data.file, { nativeBinding: data.nativeBinding });
  const writer = new LocalWriter(db, data.limits, data.deferProjection);
  writer.onProjected((events) => port.postMessage({ type: 'projected', events } satisfies WriterMessage));
  // An unexpected error here must not take the archive's writes down: report it, keep running.
  process.on('uncaughtException', (error) => process.stderr.write(`archive writer thread: ${error.stack ?? error.message}\n`));
  const run = async (request: WriterRequest): Promise<unknown> => {
    if (request.op !== 'close') return (writer[request.op] as (...args: unknown[]) => Promise<unknown>).apply(writer, revive(request.args));
    // The main thread terminates this thread after the reply: close the connection cleanly first.
    await writer.close();
    if (db.open) {
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    }
    return undefined;
  };
  // The writes of one commit settle together; their replies leave together, after it.
  let replies: WriterReply[] = [];
  const flushReplies = () => {
    const batch = replies;
    replies = [];
    port.postMessage({ type: 'replies', replies: batch, stats: { ...writer.stats } } satisfies WriterMessage);
  };
  const reply = (message: WriterReply) => {
    if (replies.push(message) === 1) setImmediate(flushReplies);
  };
  port.on('message', (request: WriterRequest) => {
    run(request).then(
      (value) => reply({ id: request.id, ok: true, value }),
      (error: unknown) =>
        reply({
          id: request.id,
          ok: false,
          error: {
            message: error instanceof Error ? error.message : String(error),
            commit: error instanceof CommitError,
            ...(typeof (error as { code?: unknown }).code === 'string' ? { code: (error as { code: string }).code } : {}),
          },
        }),
    );
  });
  port.postMessage({ type: 'ready' } satisfies WriterMessage);
} catch (error) {
  port.postMessage({ type: 'fatal', message: error instanceof Error ? error.message : String(error) } satisfies WriterMessage);
}

/** Structured clone turns Buffers into Uint8Arrays; SQLite needs Buffers for BLOBs. */
function revive(args: unknown[]): unknown[] {
  return args.map((arg) => reviveValue(arg));
}

function reviveValue(value: unknown): unknown {
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value) || value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if ('body' in record && record.body instanceof Uint8Array && !Buffer.isBuffer(record.body)) {
    return { ...record, body: Buffer.from(record.body.buffer, record.body.byteOffset, record.body.byteLength) };
  }
  return value;
}
