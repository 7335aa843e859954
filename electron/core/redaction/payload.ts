/**
 * Card numbers and security codes removed from a whole parsed payload: every string at any depth
 * (message content, tool-call arguments and results, metadata), JSON numbers that are card
 * numbers, and codes stored under a key that names them ({"cvc": "123"}). The walk keeps its own
 * stack, so a payload nested 100,000 levels deep (which CallAIder may send and the archive keeps)
 * does not overflow the call stack. The parsed value is changed in place: it is the caller's own
 * copy, fresh from JSON.parse.
 *
 * In a transcript (an array of items with a `content` string), a short answer right after a
 * question about the security code, near a card number, has its bare 3-4 digit numbers replaced:
 * "And the three digits on the back?" / "737".
 */
import { luhnValid, maskedCard, plausibleCard } from './cards.js';
import { MASKED_CODE, mentionsCode } from './security-codes.js';
import { redactText, type RedactedText } from './text.js';

export interface RedactionCount {
  cards: number;
  codes: number;
}

/** Items of a transcript after a card number in which a question about the code still counts. */
const CODE_QUESTION_REACH = 4;
/** An answer longer than this is not "just the code". */
const SHORT_ANSWER = 80;

/** Keys whose 3-4 digit value is a security code, letters and digits only, lower case. */
const CODE_KEYS = new Set(['cvc', 'cvv', 'cvv2', 'cvc2', 'csc', 'cid', 'cvn', 'securitycode', 'cardcode', 'cardsecuritycode', 'cardverificationcode', 'cardcvc', 'cardcvv']);
const CODE_VALUE = /^\s*\d{3,4}\s*$/;

type Container = Record<string, unknown> | unknown[];

/**
 * The envelope's identity is never rewritten: a session id that happens to be a Luhn-valid number
 * is still the key the archive files the session under, not a card.
 */
const IDENTITY_KEYS = new Set(['event', 'sessionId', 'timestamp', 'assistantId']);

export function redactPayload<T>(root: T): { value: T; count: RedactionCount } {
  const count: RedactionCount = { cards: 0, codes: 0 };
  const redact = (value: unknown, key: string | null, bareCodes = false): unknown => {
    if (key !== null && CODE_KEYS.has(key.toLowerCase().replace(/[^a-z0-9]/g, '')) && isCodeValue(value)) {
      count.codes += 1;
      return MASKED_CODE;
    }
    if (typeof value === 'string') {
      const result = redactText(value, { bareCodes });
      count.cards += result.cards;
      count.codes += result.codes;
      return result.text;
    }
    if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) {
      const digits = String(value);
      if (digits.length >= 13 && digits.length <= 19 && plausibleCard(digits) && luhnValid(digits)) {
        count.cards += 1;
        return maskedCard(digits);
      }
    }
    return value;
  };
  const counted = (result: RedactedText): string => {
    count.cards += result.cards;
    count.codes += result.codes;
    return result.text;
  };
  if (root === null || typeof root !== 'object') return { value: redact(root, null) as T, count };

  // Transcript items whose content was already redacted with its neighbours in view.
  const done = new WeakSet<object>();
  const stack: Container[] = [root as Container];
  while (stack.length > 0) {
    const container = stack.pop()!;
    if (Array.isArray(container)) {
      redactTranscriptContent(container, done, redact, counted);
      for (let i = 0; i < container.length; i += 1) {
        const item = container[i];
        if (item !== null && typeof item === 'object') stack.push(item as Container);
        else container[i] = redact(item, null);
      }
      continue;
    }
    const skipContent = done.has(container);
    for (const key of Object.keys(container)) {
      if (container === root && IDENTITY_KEYS.has(key)) continue;
      const item = container[key];
      if (item !== null && typeof item === 'object') stack.push(item as Container);
      else if (!(skipContent && key === 'content')) container[key] = redact(item, key);
    }
  }
  return { value: root, count };
}

function isCodeValue(value: unknown): boolean {
  if (typeof value === 'string') return CODE_VALUE.test(value);
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 9999;
}

/**
 * The `content` of items in an array that reads like a transcript, with the conversation in view:
 * an item right after one that asks for the code, within a few items of a card number, may hold
 * the code alone.
 */
function redactTranscriptContent(
  items: unknown[],
  done: WeakSet<object>,
  redact: (value: unknown, key: string | null, bareCodes?: boolean) => unknown,
  count: (result: RedactedText) => string,
): void {
  let cardAt = -Infinity;
  let askedAt = -Infinity;
  for (let i = 0; i < items.length; i += 1) {
    const item = items[i];
    if (item === null || typeof item !== 'object' || Array.isArray(item)) continue;
    const record = item as Record<string, unknown>;
    const content = record.content;
    if (typeof content !== 'string') continue;
    // One pass for the cards and the introduced codes; a second only for a short answer to the question.
    const result = redactText(content);
    if (result.cards > 0) cardAt = i;
    const answersQuestion = askedAt === i - 1 && i - cardAt <= CODE_QUESTION_REACH && content.length <= SHORT_ANSWER;
    if (mentionsCode(content)) askedAt = i;
    record.content = answersQuestion ? redact(content, 'content', true) : count(result);
    done.add(record);
  }
}
