/**
 * A real HTTP target on 127.0.0.1 that receives forwards and answers as told: 200, 500, 410, hang,
 * answer slowly, or close the connection. It records every request (headers and exact bytes) and
 * stops after the test (at the latest after `lifetimeMs`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onCleanup } from './fixtures.js';

export type TargetBehaviour = 'ok' | 'fail' | 'gone' | 'hang' | 'slow' | 'close';

export interface ReceivedForward {
  headers: IncomingMessage['headers'];
  body: Buffer;
  at: number;
}

export interface ForwardTargetServer {
  url: string;
  port: number;
  received: ReceivedForward[];
  /** What the next requests get. */
  behave(behaviour: TargetBehaviour): void;
  /** Resolves once `count` requests arrived (rejects after timeoutMs). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedForward[]>;
  close(): Promise<void>;
}

export async function startForwardTarget(options: { behaviour?: TargetBehaviour; port?: number; slowMs?: number; lifetimeMs?: number } = {}): Promise<ForwardTargetServer> {
  let behaviour = options.behaviour ?? 'ok';
  const received: ReceivedForward[] = [];
  const waiters: Array<() => void> = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks), at: Date.now() });
      for (const wake of waiters.splice(0)) wake();
      switch (behaviour) {
        case 'ok':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
          break;
        case 'fail':
          res.writeHead(500).end('internal error, try later');
          break;
        case 'gone':
          res.writeHead(410).end('this hook was removed');
          break;
        case 'slow':
          setTimeout(() => res.writeHead(200).end('slow but fine'), options.slowMs ?? 300).unref();
          break;
        case 'close':
          req.socket.destroy();
          break;
        case 'hang':
          hanging.add(res);
          break;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const lifetime = setTimeout(() => void close(), options.lifetimeMs ?? 120_000);
  lifetime.unref();
  let closed: Promise<void> | null = null;
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      clearTimeout(lifetime);
      for (const res of hanging) res.socket?.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }));
  onCleanup(close);
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    received,
    behave: (next) => {
      behaviour = next;
    },
    waitFor: (count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`the target received ${received.length} of ${count} requests within ${timeoutMs} ms`)), timeoutMs);
        const check = () => {
          if (received.length >= count) {
            clearTimeout(deadline);
            resolve(received.slice(0, count));
          } else waiters.push(check);
        };
        check();
      }),
    close,
  };
}
