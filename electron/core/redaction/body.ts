/**
 * A received body as the archive keeps it. Nothing to remove: the exact bytes that were sent (and
 * signed). Something removed: the redacted payload written out as JSON, which is then the stored
 * body every projection, search entry, export and view is made from.
 */
import { stringifyJson } from '../../../shared/json.js';
import { redactPayload } from './payload.js';
import { redactText } from './text.js';

export interface RedactedBody<T> {
  value: T;
  body: Buffer;
  /** Card numbers and security codes replaced. */
  redactions: number;
}

/** `value` is the body parsed (changed in place); `body` its bytes. */
export function redactBody<T>(value: T, body: Buffer): RedactedBody<T> {
  const { value: redacted, count } = redactPayload(value);
  const redactions = count.cards + count.codes;
  if (redactions === 0) return { value: redacted, body, redactions };
  return { value: redacted, body: Buffer.from(stringifyJson(redacted), 'utf8'), redactions };
}

/**
 * A refused body kept in the quarantine. Card data is removed here too: the quarantine is part of
 * what the archive keeps, and a card number must not sit in it for days waiting for a secret that
 * may never be entered. The price: the stored bytes are no longer the signed bytes, so
 * re-verifying such a body can never succeed (it stays in the quarantine until pruned, its card
 * numbers masked). A body without card data is kept byte for byte and re-verifies as before.
 *
 * `parsed`: the body was already parsed whole (it failed the schema), so its payload is walked
 * like a stored one. Otherwise (a bad signature or header: a stranger's body, up to the body limit)
 * it is never parsed on the listener's thread: its text is scanned instead, card numbers and the
 * codes a word introduces replaced where they stand. A card sent as a bare JSON number becomes a
 * JSON string, so the body stays JSON.
 */
export function redactQuarantined(body: Buffer, parsed: unknown): { body: Buffer; redactions: number } {
  if (parsed !== undefined) {
    const redacted = redactBody(parsed, body);
    return { body: redacted.body, redactions: redacted.redactions };
  }
  const original = body.toString('utf8');
  const text = redactText(original, { quoteBareNumbers: true });
  const redactions = text.cards + text.codes;
  return redactions === 0 ? { body, redactions } : { body: Buffer.from(text.text, 'utf8'), redactions };
}
