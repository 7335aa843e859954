/**
 * The request a target receives: the stored event's bytes unchanged, signed with the target's own
 * secret exactly as CallAIder signs (X-Callaider-Signature over the exact bytes sent).
 */
import type { ClaimedForward } from '../archive/store.js';
import { sign } from '../signature.js';

export const FORWARD_USER_AGENT = 'CallAIder-Archive-Forwarder/1';

export interface ForwardRequest {
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

export function forwardRequest(row: ClaimedForward): ForwardRequest {
  const body = Buffer.from(row.body.buffer, row.body.byteOffset, row.body.byteLength);
  return {
    url: row.url,
    body,
    headers: {
      // The target's extras first: the archive's own headers cannot be overridden (validated too).
      ...row.headers,
      'content-type': 'application/json',
      'user-agent': FORWARD_USER_AGENT,
      'x-callaider-event': row.event,
      'x-callaider-signature': sign(row.secret, body),
      'x-callaider-delivery-attempt': String(row.attempt),
      'idempotency-key': `${row.sessionId}:${row.event}`,
    },
  };
}
