/** A session whose caller reads card numbers out, for the card-redaction tests. */
import type { SessionEndedPayload, SessionStartedPayload } from '../../shared/payload.js';
import { sessionPair } from './fixtures.js';

/** Every card number the session holds, as digits, and the forms they are written in. */
export const CARDS = {
  spaced: '4242 4242 4242 4242',
  dashed: '5555-5555-5555-4444',
  together: '4000056655665556',
  amex: '3782 822463 10005',
  long: '4000 0000 0000 0000 006',
  inTool: '6011111111111117',
  inMetadata: '5105105105105100',
} as const;

/** Digits that are not cards and must come through untouched. */
export const NOT_CARDS = { luhnInvalid: '4242424242424241', phone: '+1 415-555-0134' } as const;

export const CVC = '737';

export function cardSession(): { started: SessionStartedPayload; ended: SessionEndedPayload } {
  const { started, ended } = sessionPair({ messages: 4 });
  started.data.metadata = { ...started.data.metadata, paymentNote: `card on file ${CARDS.inMetadata}`, callbackNumber: NOT_CARDS.phone };
  const t0 = ended.data.transcript![0]!.timestamp;
  ended.data.transcript = [
    ...ended.data.transcript!,
    { role: 'assistant', content: 'Please read me the card number.', timestamp: t0 + 10_000 },
    { role: 'user', content: `It's ${CARDS.spaced}. Or use ${CARDS.dashed}, or ${CARDS.together}.`, timestamp: t0 + 11_000 },
    { role: 'assistant', content: 'And the three digits on the back?', timestamp: t0 + 12_000 },
    { role: 'user', content: `${CVC}`, timestamp: t0 + 13_000 },
    { role: 'user', content: `My Amex is ${CARDS.amex} and the old one ${CARDS.long}; order ${NOT_CARDS.luhnInvalid}, call ${NOT_CARDS.phone}`, timestamp: t0 + 14_000 },
    {
      role: 'tool',
      content: '',
      timestamp: t0 + 15_000,
      toolCall: { name: 'take_payment', arguments: { cardNumber: CARDS.inTool, cvc: '123', amount: 4500 }, result: { charged: `card ${CARDS.inTool}`, ok: true } },
    },
  ];
  return { started, ended };
}

/** The same digits, however written: none may be in the archive's bytes. */
export function cardDigitForms(): string[] {
  return Object.values(CARDS).flatMap((card) => [card, card.replace(/\D/g, '')]);
}
