/**
 * "Does this body look like a CallAIder delivery?", decided from its first bytes only. Bodies that
 * fail verification are kept in the quarantine when they do; deciding that by parsing a 19 MiB
 * body on the listener's thread cost hundreds of milliseconds and gigabytes under a flood. CallAIder
 * writes `event` and `sessionId` first, so the first 64 KiB are plenty.
 *
 * The scan follows JSON's structure (strings, nesting) only far enough to find the top-level keys;
 * it never builds the value and never looks past `limit` bytes. Bytes after the window are not
 * checked: a body that starts like a delivery is kept even if it is damaged further on (reverify
 * reports it, and it stays in quarantine).
 */

export const PEEK_BYTES = 64 * 1024;

export interface PeekedDelivery {
  event: string;
  sessionId: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** The top-level `event` and `sessionId` strings of a JSON object, or null when its first `limit` bytes do not show both. */
export function peekDelivery(body: Buffer, limit: number = PEEK_BYTES): PeekedDelivery | null {
  const end = Math.min(body.length, limit);
  let i = 0;
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) i = 3; // a UTF-8 byte order mark
  while (i < end && isSpace(body[i]!)) i += 1;
  if (body[i] !== OPEN_OBJECT) return null;
  i += 1;

  let depth = 1;
  // Where we are among the top-level object's members.
  let expect: 'key' | 'colon' | 'value' | 'comma' = 'key';
  let key: string | null = null;
  let event: string | null = null;
  let sessionId: string | null = null;

  while (i < end) {
    const byte = body[i]!;
    if (byte === QUOTE) {
      let j = i + 1;
      while (j < end && body[j] !== QUOTE) j += body[j] === BACKSLASH ? 2 : 1;
      if (j >= end) return null; // the string runs past the window
      if (depth === 1) {
        const text = decodeString(body, i, j + 1);
        if (text === null) return null;
        if (expect === 'key') {
          key = text;
          expect = 'colon';
        } else if (expect === 'value') {
          if (key === 'event' && event === null) event = text.slice(0, 100);
          if (key === 'sessionId' && sessionId === null) sessionId = text.slice(0, 512);
          if (event && sessionId) return { event, sessionId };
          expect = 'comma';
        } else {
          return null;
        }
      }
      i = j + 1;
      continue;
    }
    if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      if (depth === 1) {
        if (expect !== 'value') return null;
        expect = 'comma';
      }
      depth += 1;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth -= 1;
      if (depth === 0) return null; // the object ended without both keys
    } else if (depth === 1) {
      if (byte === COLON) {
        if (expect !== 'colon') return null;
        expect = 'value';
      } else if (byte === COMMA) {
        if (expect !== 'comma') return null;
        expect = 'key';
      } else if (!isSpace(byte)) {
        // A number, true, false or null as a member's value.
        if (expect !== 'value' && expect !== 'comma') return null;
        expect = 'comma';
      }
    }
    i += 1;
  }
  return null;
}

function decodeString(body: Buffer, start: number, end: number): string | null {
  try {
    const value: unknown = JSON.parse(body.toString('utf8', start, end));
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}
