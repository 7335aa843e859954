/**
 * One string with its card numbers and security codes replaced. Cards are found first, on the
 * original text, and a "code" inside a card (the "4242" of "CVC for 4242 4242 …") is not a code.
 */
import { findCards, maskedCard } from './cards.js';
import { MASKED_CODE, findBareCodes, findIntroducedCodes, type Span } from './security-codes.js';

export interface RedactedText {
  text: string;
  cards: number;
  codes: number;
}

export interface TextOptions {
  /** Also replace bare 3-4 digit numbers (the text answers a question about the code). */
  bareCodes?: boolean;
  /**
   * The text is raw JSON (a quarantined body, never parsed): a card that stands as a JSON number
   * (`"card": 4242424242424242`) is replaced by a quoted string, so the body stays JSON.
   */
  quoteBareNumbers?: boolean;
}

interface Replacement extends Span {
  with: string;
  kind: 'card' | 'code';
}

export function redactText(text: string, options: TextOptions = {}): RedactedText {
  // Cards and codes are digits: most of a transcript's strings have none, and this one test
  // spares them the searches below (it more than halves redacting a long transcript).
  if (!/\d/.test(text)) return { text, cards: 0, codes: 0 };
  const cards = findCards(text);
  const replacements: Replacement[] = cards.map((card) => ({
    start: card.start,
    end: card.end,
    with: options.quoteBareNumbers && isJsonNumber(text, card.start, card.end) ? `"${maskedCard(card.digits)}"` : maskedCard(card.digits),
    kind: 'card',
  }));
  const codes = [...findIntroducedCodes(text), ...(options.bareCodes && cards.length === 0 ? findBareCodes(text) : [])];
  for (const code of codes) {
    if (replacements.some((taken) => code.start < taken.end && taken.start < code.end)) continue;
    replacements.push({ ...code, with: MASKED_CODE, kind: 'code' });
  }
  if (replacements.length === 0) return { text, cards: 0, codes: 0 };
  replacements.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const replacement of replacements) {
    out += text.slice(at, replacement.start) + replacement.with;
    at = replacement.end;
  }
  const codeCount = replacements.filter((replacement) => replacement.kind === 'code').length;
  return { text: out + text.slice(at), cards: cards.length, codes: codeCount };
}

/** Digits alone between JSON punctuation (`:`, `[` or `,` before; `,`, `]` or `}` after): a number token. */
function isJsonNumber(text: string, start: number, end: number): boolean {
  if (!/^\d+$/.test(text.slice(start, end))) return false;
  let before = start - 1;
  while (before >= 0 && /\s/.test(text[before]!)) before -= 1;
  let after = end;
  while (after < text.length && /\s/.test(text[after]!)) after += 1;
  return before >= 0 && ':[,'.includes(text[before]!) && after < text.length && ',]}'.includes(text[after]!);
}
