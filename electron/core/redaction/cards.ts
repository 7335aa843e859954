/**
 * Payment card numbers in free text. A caller reads a card number out to a voice assistant and the
 * transcript holds it: 13 to 19 digits, written together or in groups split by single spaces or
 * dashes ("4242 4242 4242 4242", "3782-822463-10005"). Only Luhn-valid numbers with a card's first
 * digit are cards, which leaves most order numbers and millisecond timestamps alone; phone numbers written with a leading "+" and runs that
 * hold an ISO date are never cards. Pure: no I/O, text in, text out.
 */

/** What a card number becomes: its last four digits are kept so a person can still tell cards apart. */
export function maskedCard(digits: string): string {
  return `•••• •••• •••• ${digits.slice(-4)}`;
}

/**
 * Runs of digit groups joined by one space or dash (a real separator, not a sentence: two spaces or
 * ", " end a run). A run longer than a card is kept whole so a card can be found inside it only on
 * group boundaries: a 16-digit slice of a 25-digit number is not a card.
 */
const DIGIT_RUN = /\d+(?:[ -]\d+)*/g;
/** 2026-05-28: dates are digit groups joined by dashes, and two of them can pass Luhn by chance. */
const ISO_DATE = /\d{4}-\d{2}-\d{2}/;

const MIN_DIGITS = 13;
/** 13 digits, each pair split by at most one space or dash. */
const ANY_CARD_LENGTH_RUN = /\d(?:[ -]?\d){12}/;
const MAX_DIGITS = 19;

export interface CardHit {
  start: number;
  end: number;
  digits: string;
}

/**
 * Card numbers begin with 2-6 (Mastercard, Amex/JCB/Diners, Visa, Maestro/Mastercard, Discover/
 * UnionPay), and only Visa issued 13-digit ones. This keeps millisecond timestamps (1716899696000),
 * which are 13 digits beginning with 1, and many order numbers out.
 */
export function plausibleCard(digits: string): boolean {
  const first = digits.charCodeAt(0) - 48;
  if (first < 2 || first > 6) return false;
  return digits.length > MIN_DIGITS || first === 4;
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Every card number in `text`, left to right, not overlapping. */
export function findCards(text: string): CardHit[] {
  const hits: CardHit[] = [];
  // Cheap exit, one pass: most strings have no run of 13 digits at all (this runs on every string
  // of every delivery, on the listener's thread).
  if (!ANY_CARD_LENGTH_RUN.test(text)) return hits;
  for (const run of text.matchAll(DIGIT_RUN)) {
    const runText = run[0];
    if (runText.length < MIN_DIGITS || runText.replace(/\D/g, '').length < MIN_DIGITS) continue;
    if (ISO_DATE.test(runText)) continue;
    const runStart = run.index;
    // "+44 20 7946 0958 1234": a number written with a country code is a phone number.
    const phone = runStart > 0 && text[runStart - 1] === '+';
    cardsInRun(runText, runStart, phone, hits);
  }
  return hits;
}

/** Group-aligned windows of 13-19 digits; at each group the longest Luhn-valid one wins. */
function cardsInRun(run: string, offset: number, phone: boolean, hits: CardHit[]): void {
  const groups = [...run.matchAll(/\d+/g)].map((group) => ({ start: group.index, end: group.index + group[0].length, digits: group[0] }));
  let first = phone ? 1 : 0;
  while (first < groups.length) {
    let digits = '';
    let found: CardHit | null = null;
    let foundLast = first;
    for (let last = first; last < groups.length; last += 1) {
      digits += groups[last]!.digits;
      if (digits.length > MAX_DIGITS) break;
      if (digits.length >= MIN_DIGITS && plausibleCard(digits) && luhnValid(digits)) {
        found = { start: offset + groups[first]!.start, end: offset + groups[last]!.end, digits };
        foundLast = last;
      }
    }
    if (found) {
      hits.push(found);
      first = foundLast + 1;
    } else {
      first += 1;
    }
  }
}
