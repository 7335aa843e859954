/**
 * The forwarder's HTTP work on a thread of its own: a slow, hanging or dead target never costs
 * the thread that acknowledges CallAIder's webhooks a moment (TLS handshakes, timers, sockets all
 * live here). Messages: {id, request, timeoutMs} in, {id, result} out.
 */
import { parentPort } from 'node:worker_threads';
import type { ForwardRequest } from './request.js';
import { sendForward } from './send.js';

interface SendMessage {
  id: number;
  request: ForwardRequest;
  timeoutMs: number;
}

parentPort?.on('message', (message: SendMessage) => {
  void sendForward(message.request, message.timeoutMs).then((result) => parentPort?.postMessage({ id: message.id, result }));
});
