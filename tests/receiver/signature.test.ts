import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { headerValueEquals, sign, verifySignature } from '../../electron/core/signature.js';

describe('X-Callaider-Signature', () => {
  it("matches GitHub's published HMAC-SHA256 example", () => {
    // docs.github.com "Validating webhook deliveries": secret, payload and expected signature.
    const body = Buffer.from('Hello, World!');
    const expected = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    expect(sign("It's a Secret to Everybody", body)).toBe(expected);
    expect(verifySignature(body, expected, { current: "It's a Secret to Everybody" })).toEqual({ ok: true, matched: 'current' });
  });

  it('signs the exact bytes: re-serialised JSON does not verify', () => {
    const raw = Buffer.from('{"event": "session.started",  "sessionId":"a"}');
    const header = sign('s', raw);
    expect(verifySignature(raw, header, { current: 's' }).ok).toBe(true);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString())));
    expect(verifySignature(reserialised, header, { current: 's' })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts upper-case hex and surrounding whitespace', () => {
    const body = Buffer.from('{}');
    const digest = createHmac('sha256', 'k').update(body).digest('hex').toUpperCase();
    expect(verifySignature(body, ` sha256=${digest} `, { current: 'k' }).ok).toBe(true);
  });

  const body = Buffer.from('{"event":"session.started"}');
  const good = sign('k', body);
  it.each([
    ['missing', undefined, 'missing'],
    ['empty', '', 'missing'],
    ['no sha256= prefix', good.slice('sha256='.length), 'malformed'],
    ['other algorithm', good.replace('sha256=', 'sha1='), 'malformed'],
    ['too short', good.slice(0, -2), 'malformed'],
    ['too long', `${good}00`, 'malformed'],
    ['non-hex digits', `sha256=${'zz'.repeat(32)}`, 'malformed'],
    ['two values joined', `${good}, ${good}`, 'malformed'],
    ['two header lines', [good, good], 'malformed'],
    ['wrong secret', sign('not-k', body), 'mismatch'],
  ])('rejects a %s header', (_name, header, reason) => {
    expect(verifySignature(body, header as string | string[] | undefined, { current: 'k' })).toEqual({ ok: false, reason });
  });

  it('accepts the previous secret during a rotation, and says which one matched', () => {
    expect(verifySignature(body, sign('old', body), { current: 'new', previous: 'old' })).toEqual({ ok: true, matched: 'previous' });
    expect(verifySignature(body, sign('new', body), { current: 'new', previous: 'old' })).toEqual({ ok: true, matched: 'current' });
    expect(verifySignature(body, sign('older', body), { current: 'new', previous: 'old' }).ok).toBe(false);
  });

  it('compares required header values of any length without throwing', () => {
    expect(headerValueEquals('Basic 12345', 'Basic 12345')).toBe(true);
    expect(headerValueEquals('Basic 1234', 'Basic 12345')).toBe(false);
    expect(headerValueEquals('', 'Basic 12345')).toBe(false);
    expect(headerValueEquals(undefined, 'Basic 12345')).toBe(false);
    expect(headerValueEquals(['Basic 12345', 'Basic 12345'], 'Basic 12345')).toBe(false);
  });
});
