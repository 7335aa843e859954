import { describe, expect, it } from 'vitest';
import { maskContacts, maskContactsInText } from '../../electron/core/redaction/index.js';

describe('export --mask: phone numbers and e-mail addresses', () => {
  it.each([
    ['Call me on +1 415-555-0134 please', 'Call me on +• •••-•••-••34 please'],
    ['(415) 555 0134', '(•••) ••• ••34'],
    ['+44 20 7946 0958', '+•• •• •••• ••58'],
    ['0612345678', '••••••••78'],
    ['write to jane.doe@example.co.uk or Bob+x@mail.example.com', 'write to j•••@example.co.uk or B•••@mail.example.com'],
  ])('%s', (text, expected) => {
    expect(maskContactsInText(text)).toBe(expected);
  });

  it.each(['on 2026-05-28 at 12:34', '28.05.2026', 'room 101, table 12', `${'•••• •••• •••• 4242'}`, 'order 123456'])('leaves %s alone', (text) => {
    expect(maskContactsInText(text)).toBe(text);
  });

  it('masks strings at any depth and leaves numbers alone', () => {
    let deep: unknown = { phone: '+1 415-555-0134', timestamp: 1716899696000 };
    for (let i = 0; i < 20_000; i += 1) deep = [deep];
    let inner = maskContacts(deep);
    for (let i = 0; i < 20_000; i += 1) inner = (inner as unknown[])[0];
    expect(inner).toEqual({ phone: '+• •••-•••-••34', timestamp: 1716899696000 });
  });
});
