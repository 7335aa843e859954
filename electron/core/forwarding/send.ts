/**
 * One HTTP POST to a target, bounded in time: the whole exchange (connect, send, the answer's
 * status and the first bytes of its body) must finish within timeoutMs, or it counts as failed.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import type { ForwardRequest } from './request.js';

/** The answer's first bytes are kept with the attempt, enough to see what a target said. */
export const EXCERPT_BYTES = 500;

export interface SendResult {
  /** The HTTP status (null: no answer). */
  status: number | null;
  latencyMs: number;
  excerpt: string | null;
  /** Why there was no usable answer (timeout, refused, closed). */
  error: string | null;
}

export function sendForward(forward: ForwardRequest, timeoutMs: number): Promise<SendResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, latencyMs: elapsed() });
    };
    let url: URL;
    try {
      url = new URL(forward.url);
    } catch {
      finish({ status: null, excerpt: null, error: 'the URL is not valid' });
      return;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'POST', headers: { ...forward.headers, 'content-length': String(forward.body.byteLength) }, agent: false });
    const timer = setTimeout(() => {
      finish({ status: null, excerpt: null, error: `no answer within ${timeoutMs >= 1_000 ? `${Math.round(timeoutMs / 1_000)} s` : `${timeoutMs} ms`}` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => finish({ status: null, excerpt: null, error: describe(error) }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      const done = () => {
        finish({ status: res.statusCode ?? null, excerpt: Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT_BYTES), error: null });
        res.destroy();
      };
      res.on('data', (chunk: Buffer) => {
        if (kept < EXCERPT_BYTES) {
          chunks.push(chunk.subarray(0, EXCERPT_BYTES - kept));
          kept += Math.min(chunk.length, EXCERPT_BYTES - kept);
        }
        // The status is what counts: the rest of a long answer is not waited for.
        if (kept >= EXCERPT_BYTES) done();
      });
      res.on('end', done);
      res.on('error', done);
      res.on('close', done);
    });
    req.end(forward.body);
  });
}

function describe(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused (nothing listens there)';
    case 'ECONNRESET':
      return 'the connection was closed before an answer';
    case 'ENOTFOUND':
      return 'the host name was not found';
    default:
      return error.message || String(error.code);
  }
}
