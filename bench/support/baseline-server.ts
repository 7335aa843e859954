/**
 * The same-run baselines of the hub benchmark, in a process of their own as the receivers are (so
 * each gets the same machine, and their CPU time is measured the same way): bench/ingest.ts's two
 * servers, imported from it.
 *
 * - bare Fastify: one POST route that reads the body and answers 200, nothing else;
 * - receiver alone: the engine's real webhook route (signature check, JSON, schema, delivery record)
 *   in front of an archive that stores nothing, answering at once.
 *
 * Started by bench/hub.ts with fork(); sends {type:'ready', bareUrl, receiverUrl} over IPC and runs
 * until the parent goes away or a time limit (argv[2], seconds) passes.
 */
import { startBaseline, startReceiverOnly } from '../ingest.js';

export interface BaselineReady {
  type: 'ready';
  bareUrl: string;
  receiverUrl: string;
}

setTimeout(() => {
  process.stderr.write('baseline-server: time limit reached; exiting\n');
  process.exit(3);
}, Number(process.argv[2] ?? 3600) * 1000).unref();
process.on('disconnect', () => process.exit(0));

const bare = await startBaseline();
const receiver = await startReceiverOnly();
process.send?.({ type: 'ready', bareUrl: bare.url, receiverUrl: receiver.url } satisfies BaselineReady);
