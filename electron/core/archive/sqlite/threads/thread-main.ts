/**
 * The archive's threads: the writer (a SqliteWriter on its own connection), a reader (the read
 * operations on a read-only connection) or the checkpointer, driven by messages from
 * op-thread.ts. One dispatcher for every operation; only the listed operations (and close) can be
 * called. Each role loads only its own modules: a thread's start-up is mostly module loading,
 * and the engine's start waits for it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { stringifyJson } from '../../../../../shared/json.js';
import type { ArchiveLimits, ProjectedEvent } from '../../types.js';
import type { WritableDB } from '../database.js';
import type { ThreadData, ThreadMessage, ThreadReply, ThreadRequest } from './op-thread.js';

export interface WriterThreadOptions {
  limits: ArchiveLimits;
  deferProjection: boolean;
  maxBytes?: number | undefined;
  /** 'thread': a checkpointer thread folds the WAL into the file; the writer never does it in a COMMIT. */
  checkpoints: 'auto' | 'thread';
}

interface Role {
  target: Record<string, unknown>;
  operations: readonly string[];
  close: () => Promise<void>;
}

const port = parentPort;
if (!port) throw new Error('thread-main must run as a worker thread');
const data = workerData as ThreadData;

try {
  const { target, operations, close } = await open(data);
  // An unexpected error here must not take the archive down: report it, keep running.
  process.on('uncaughtException', (error) => process.stderr.write(`archive ${data.role} thread: ${error.stack ?? error.message}\n`));
  const allowed = new Set<string>(operations);
  const run = async (request: ThreadRequest): Promise<unknown> => {
    if (request.op === 'close') return close();
    if (!allowed.has(request.op)) throw new Error(`unknown archive operation "${request.op}"`);
    const value = await (target[request.op] as (...args: unknown[]) => unknown)(...request.args);
    return request.json ? stringifyJson(value) : value;
  };
  let replies: ThreadReply[] = [];
  const flushReplies = () => {
    const batch = replies;
    replies = [];
    port.postMessage({ type: 'replies', replies: batch } satisfies ThreadMessage);
  };
  const reply = (message: ThreadReply) => {
    if (replies.push(message) === 1) setImmediate(flushReplies);
  };
  port.on('message', (request: ThreadRequest) => {
    run(request).then(
      (value) => reply({ id: request.id, ok: true, value }),
      (error: unknown) =>
        reply({
          id: request.id,
          ok: false,
          error: {
            name: error instanceof Error ? error.name : 'Error',
            message: error instanceof Error ? error.message : String(error),
            ...(typeof (error as { code?: unknown }).code === 'string' ? { code: (error as { code: string }).code } : {}),
          },
        }),
    );
  });
  port.postMessage({ type: 'ready' } satisfies ThreadMessage);
} catch (error) {
  port.postMessage({ type: 'fatal', name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) } satisfies ThreadMessage);
}

async function open(data: ThreadData): Promise<Role> {
  const database = await import('../database.js');
  if (data.role === 'checkpointer') {
    const { Checkpointer } = await import('../writes/checkpointer.js');
    const checkpointer = new Checkpointer(database.openCheckpointer(data.file, { nativeBinding: data.nativeBinding, key: data.key }));
    return { target: {}, operations: [], close: async () => checkpointer.close() };
  }
  const { READ_OPERATIONS, WRITE_OPERATIONS } = await import('../../store.js');
  if (data.role === 'reader') {
    const { sqliteReads } = await import('../read-ops.js');
    const db = database.openReader(data.file, { nativeBinding: data.nativeBinding, key: data.key });
    return {
      target: sqliteReads(db) as unknown as Record<string, unknown>,
      operations: READ_OPERATIONS,
      close: async () => void (db as WritableDB).close(),
    };
  }
  const { SqliteWriter } = await import('../writes/writer.js');
  const options = data.options as WriterThreadOptions;
  const db = database.openDatabase(data.file, { nativeBinding: data.nativeBinding, key: data.key, maxBytes: options.maxBytes, checkpoints: options.checkpoints });
  const writer = new SqliteWriter(db, options.limits, options.deferProjection);
  writer.onProjected((events: ProjectedEvent[]) => port!.postMessage({ type: 'event', name: 'projected', payload: events } satisfies ThreadMessage));
  return {
    target: writer as unknown as Record<string, unknown>,
    operations: WRITE_OPERATIONS,
    close: async () => {
      // The main thread ends this thread after the reply: close the connection cleanly first.
      await writer.close();
      database.closeWritable(db);
    },
  };
}
