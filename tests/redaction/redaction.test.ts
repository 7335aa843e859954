import { describe, expect, it } from 'vitest';
import { findCards, luhnValid, redactBody, redactPayload, redactQuarantined, redactText } from '../../electron/core/redaction/index.js';

const MASK = (last4: string) => `•••• •••• •••• ${last4}`;

describe('card numbers in text', () => {
  it.each([
    ['4242 4242 4242 4242', '4242'],
    ['4242-4242-4242-4242', '4242'],
    ['4242424242424242', '4242'],
    ['3782 822463 10005', '0005'], // Amex, 15 digits
    ['378282246310005', '0005'],
    ['6011 1111 1111 1117', '1117'], // Discover
    ['4000 0000 0000 0000 006', '0006'], // 19 digits
    ['4222222222222', '2222'], // 13-digit Visa
    ['5 5 5 5 5 5 5 5 5 5 5 5 4 4 4 4', '4444'], // read out digit by digit
  ])('%s becomes the masked form', (card, last4) => {
    const result = redactText(`My card is ${card}, thanks.`);
    expect(result.text).toBe(`My card is ${MASK(last4)}, thanks.`);
    expect(result.cards).toBe(1);
  });

  it.each([
    'Call me on +1 415-555-0134 or 415 555 0134',
    '+44 20 7946 0958',
    '+49 30 1234567890 1',
    'Order 4242424242424241 was shipped', // Luhn-invalid
    'Booked for 2026-05-28 2026-06-01 and 2026-05-28T12:34:56Z',
    'timestamp 1716899696000 and 1716899696006',
    'Invoice 12345678901234567890123 (a 23-digit reference)',
    'Room 101, 4 guests, 12/28',
  ])('leaves %s alone', (text) => {
    expect(redactText(text)).toEqual({ text, cards: 0, codes: 0 });
  });

  it('finds a card at the start of a longer run on group boundaries only', () => {
    expect(findCards('4242 4242 4242 4242 12 28').map((hit) => hit.digits)).toEqual(['4242424242424242']);
    expect(findCards('1234567890123 4242424242424242')).toHaveLength(1);
    expect(luhnValid('4242424242424242')).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
  });
});

describe('security codes', () => {
  it.each([
    ['card 4242 4242 4242 4242 cvc 123', `card ${MASK('4242')} CVC •••`],
    ['4242424242424242, expiry 12/28, CVV: 1234', `${MASK('4242')}, expiry 12/28, CVC •••`],
    ['the three digits on the back are 737', 'the CVC •••'],
    ['mi código de seguridad es 123', 'mi CVC •••'],
    ['le cryptogramme est 456', 'le CVC •••'],
    ['Die Prüfnummer ist 789', 'Die CVC •••'],
    ['de beveiligingscode is 321', 'de CVC •••'],
    ['o código de segurança é 654', 'o CVC •••'],
    ['il codice di sicurezza è 987', 'il CVC •••'],
  ])('%s', (text, expected) => {
    expect(redactText(text).text).toBe(expected);
  });

  it('does not take the last four of a card for a code, nor a bare number without a question', () => {
    expect(redactText('CVC for card 4242 4242 4242 4242').text).toBe(`CVC for card ${MASK('4242')}`);
    expect(redactText('Table for 4 at 730, room 123')).toEqual({ text: 'Table for 4 at 730, room 123', cards: 0, codes: 0 });
    expect(redactText('acid 123').codes).toBe(0);
  });

  it('masks a short answer to the question about the code, in a transcript near a card', () => {
    const transcript = [
      { role: 'assistant', content: 'Please read me the card number.', timestamp: 1 },
      { role: 'user', content: '4242 4242 4242 4242', timestamp: 2 },
      { role: 'assistant', content: 'And the three digits on the back?', timestamp: 3 },
      { role: 'user', content: "It's 737.", timestamp: 4 },
      { role: 'user', content: 'Party of 123 people', timestamp: 5 },
    ];
    const { value, count } = redactPayload({ data: { transcript } });
    expect(value.data.transcript.map((item) => item.content)).toEqual([
      'Please read me the card number.',
      MASK('4242'),
      'And the three digits on the back?',
      "It's CVC •••.",
      'Party of 123 people',
    ]);
    expect(count).toEqual({ cards: 1, codes: 1 });
  });
});

describe('whole payloads', () => {
  it('reaches every string at any depth, card numbers as JSON numbers, and codes under their own key', () => {
    const payload = {
      event: 'session.ended',
      sessionId: '4242424242424242', // identity: never rewritten
      data: {
        metadata: { note: 'paid with 5555-5555-5555-4444', nested: [{ deeper: ['card 378282246310005'] }] },
        transcript: [
          { role: 'tool', content: 'ok', timestamp: 1716899696000, toolCall: { name: 'pay', arguments: { card: 4242424242424242, cvc: '123', amount: 1200 }, result: { last: 'charged 4000056655665556' } } },
        ],
      },
    };
    const { value, count } = redactPayload(payload);
    expect(value.sessionId).toBe('4242424242424242');
    expect(value.data.metadata.note).toBe(`paid with ${MASK('4444')}`);
    expect(value.data.metadata.nested[0]!.deeper[0]).toBe(`card ${MASK('0005')}`);
    expect(value.data.transcript[0]!.toolCall.arguments).toEqual({ card: MASK('4242'), cvc: 'CVC •••', amount: 1200 });
    expect(value.data.transcript[0]!.toolCall.result.last).toBe(`charged ${MASK('5556')}`);
    expect(value.data.transcript[0]!.timestamp).toBe(1716899696000);
    expect(count).toEqual({ cards: 4, codes: 1 });
  });

  it('walks a payload nested 100,000 levels deep without overflowing the stack', () => {
    let deep: unknown = 'card 4242 4242 4242 4242';
    for (let i = 0; i < 100_000; i += 1) deep = { a: [deep] };
    const body = Buffer.from(`${'{"a":['.repeat(100_000)}"card 4242 4242 4242 4242"${']}'.repeat(100_000)}`);
    const result = redactBody(deep, body);
    expect(result.redactions).toBe(1);
    const text = result.body.toString('utf8');
    expect(text).not.toContain('4242 4242');
    expect(text).toContain(MASK('4242'));
  });

  it('keeps the exact bytes when there is nothing to remove', () => {
    const body = Buffer.from('{ "event": "session.started",  "data": {"n": "4242"} }');
    const result = redactBody(JSON.parse(body.toString()), body);
    expect(result.body).toBe(body);
    expect(result.redactions).toBe(0);
  });

  it('redacts a quarantined body: its payload when it was parsed, its text when it was not', () => {
    const raw = '{"event":"session.started","data":{"x":"4242424242424242","n":5555555555554444,"cvc":"123","said":"cvc is 737"}}';
    const parsed = redactQuarantined(Buffer.from(raw), JSON.parse(raw));
    expect(parsed.redactions).toBe(4);
    expect(JSON.parse(parsed.body.toString()).data).toEqual({ x: MASK('4242'), n: MASK('4444'), cvc: 'CVC •••', said: 'CVC •••' });
    // Never parsed (a stranger's body): the text is scanned, a bare JSON number becomes a string, the body stays JSON.
    const scanned = redactQuarantined(Buffer.from(raw), undefined);
    expect(JSON.parse(scanned.body.toString()).data).toEqual({ x: MASK('4242'), n: MASK('4444'), cvc: '123', said: 'CVC •••' });
    const text = redactQuarantined(Buffer.from('{"event":"session.started", broken 4242424242424242'), undefined);
    expect(text.body.toString()).toBe(`{"event":"session.started", broken ${MASK('4242')}`);
    const clean = Buffer.from('{"event":"session.started","data":{}}');
    expect(redactQuarantined(clean, undefined).body).toBe(clean);
  });
});
