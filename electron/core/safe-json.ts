/**
 * JSON parsing for bytes from the network. The webhook route reads the body as a Buffer (the
 * signature is over the exact bytes), which bypasses Fastify's own prototype-poisoning check,
 * so the same check (secure-json-parse, Fastify's own) is applied here.
 */
import secureJson from 'secure-json-parse';

export type JsonParseResult = { ok: true; value: unknown } | { ok: false; reason: string };

export function parseJsonSafely(body: Buffer | string): JsonParseResult {
  try {
    return { ok: true, value: secureJson.parse(body, null, { protoAction: 'error', constructorAction: 'error' }) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/prototype/i.test(message)) {
      return { ok: false, reason: 'body contains a forbidden __proto__ or constructor.prototype key' };
    }
    return { ok: false, reason: `body is not valid JSON (${message.slice(0, 200)})` };
  }
}
