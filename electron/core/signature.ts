/**
 * X-Callaider-Signature: `sha256=<hex of HMAC-SHA256(secret, raw body)>`.
 *
 * The digest is compared as 32 decoded bytes with timingSafeEqual, after the header has been
 * checked for shape: timingSafeEqual throws on a length mismatch, and a malformed header is a
 * stranger's mistake (401), never our crash (500).
 */
import { createHmac, timingSafeEqual, type Hmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-callaider-signature';
export const EVENT_HEADER = 'x-callaider-event';

const SIGNATURE_SHAPE = /^sha256=([0-9a-fA-F]{64})$/;

export function sign(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export type SignatureVerdict =
  | { ok: true; matched: 'current' | 'previous' }
  | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' };

/**
 * Verifies a signature header against one or more accepted secrets (current first, then the
 * previous one during a rotation). `header` is what Node hands us: a string, an array when the
 * header was repeated, or undefined.
 */
export function verifySignature(
  body: Buffer,
  header: string | string[] | undefined,
  secrets: { current: string; previous?: string | undefined },
): SignatureVerdict {
  const check = new SignatureCheck(secrets);
  check.update(body);
  return check.verdict(header);
}

/**
 * The same check, fed as the body streams in: the listener hashes each chunk as it arrives
 * instead of a whole 19 MiB body in one go, so no request blocks the others for the time of a
 * big hash.
 */
export class SignatureCheck {
  private readonly hmacs: Array<['current' | 'previous', Hmac]>;

  constructor(secrets: { current: string; previous?: string | undefined }) {
    // Both candidates are always computed so that timing does not reveal which one matched.
    this.hmacs = [['current', createHmac('sha256', secrets.current)]];
    if (secrets.previous) this.hmacs.push(['previous', createHmac('sha256', secrets.previous)]);
  }

  update(chunk: Buffer): void {
    for (const [, hmac] of this.hmacs) hmac.update(chunk);
  }

  /** Call once, after the last chunk. `header` is what Node hands us: a string, an array when repeated, or undefined. */
  verdict(header: string | string[] | undefined): SignatureVerdict {
    const digests = this.hmacs.map(([name, hmac]) => [name, hmac.digest()] as const);
    if (header === undefined || header === '') return { ok: false, reason: 'missing' };
    if (Array.isArray(header)) return { ok: false, reason: 'malformed' };
    const match = SIGNATURE_SHAPE.exec(header.trim());
    if (!match?.[1]) return { ok: false, reason: 'malformed' };
    const received = Buffer.from(match[1], 'hex');
    let matched: 'current' | 'previous' | null = null;
    for (const [name, expected] of digests) {
      if (timingSafeEqual(expected, received) && matched === null) matched = name;
    }
    return matched ? { ok: true, matched } : { ok: false, reason: 'mismatch' };
  }
}

/** Constant-time comparison of two header values of possibly different lengths. */
export function headerValueEquals(received: string | string[] | undefined, expected: string): boolean {
  if (typeof received !== 'string') return false;
  // Hashing first gives equal-length inputs, so neither the length nor the content leaks.
  const a = createHmac('sha256', 'header-compare').update(received).digest();
  const b = createHmac('sha256', 'header-compare').update(expected).digest();
  return timingSafeEqual(a, b);
}

export const SIGNATURE_FAILURE_TEXT: Record<'missing' | 'malformed' | 'mismatch', string> = {
  missing: 'missing X-Callaider-Signature header',
  malformed: 'malformed X-Callaider-Signature header (expected one "sha256=<64 hex digits>")',
  mismatch: 'X-Callaider-Signature does not match the configured webhook secret',
};
