/**
 * One signed webhook POST as the load generators send it (bench/support/hub-load.ts,
 * bench/store-clients.ts): resolves when the reply has been read, with its outcome, and never
 * rejects, so a failure is counted by kind instead of stopping the load.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { EVENT_HEADER, SIGNATURE_HEADER } from '../../electron/core/signature.js';

export interface SignedBody {
  event: string;
  body: Buffer;
  signature: string;
}

/** A 2xx with the time its reply was read (performance.now()), or why not. */
export type PostOutcome = { ok: true; repliedAt: number } | { ok: false; failure: string };

export function postSigned(agent: http.Agent, url: string, item: SignedBody): Promise<PostOutcome> {
  return new Promise((resolve) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': item.body.length, [EVENT_HEADER]: item.event, [SIGNATURE_HEADER]: item.signature },
        timeout: 60_000,
      },
      (response) => {
        response.resume();
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          resolve(status >= 200 && status <= 299 ? { ok: true, repliedAt: performance.now() } : { ok: false, failure: `HTTP ${status}` });
        });
        response.on('error', (error) => resolve({ ok: false, failure: `response error: ${error.message}` }));
      },
    );
    request.on('timeout', () => request.destroy(new Error('no reply within 60 s')));
    request.on('error', (error) => resolve({ ok: false, failure: `request error: ${error.message}` }));
    request.end(item.body);
  });
}
