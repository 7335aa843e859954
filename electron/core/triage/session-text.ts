/**
 * What was said in a session, folded once for word matching and shared by every rule that looks
 * at it (the store evaluates all rules on the same facts object).
 */
import type { SessionFacts } from './types.js';
import { excerpt, foldText, type PhraseMatcher } from './text.js';

type Message = SessionFacts['messages'][number];

/** Whose words a rule reads: the caller's (role user), or everyone's but the system prompt's. */
export type Speaker = 'caller' | 'anyone';

/** Folded contents per transcript, filled in as rules read them (most rules read only the caller's). */
const foldedByMessages = new WeakMap<SessionFacts['messages'], Array<string | undefined>>();

function foldedContent(messages: SessionFacts['messages'], index: number): string {
  let folded = foldedByMessages.get(messages);
  if (folded === undefined) {
    folded = new Array<string | undefined>(messages.length);
    foldedByMessages.set(messages, folded);
  }
  return (folded[index] ??= foldText(messages[index]!.content));
}

/** The system prompt is instructions to the assistant, not something anyone said. */
function speaks(message: Message, who: Speaker): boolean {
  return who === 'caller' ? message.role === 'user' : message.role !== 'system';
}

/** The first message in which any phrase is said, or null. */
export function firstSaying(messages: SessionFacts['messages'], who: Speaker, matcher: PhraseMatcher): Message | null {
  for (let i = 0; i < messages.length; i += 1) {
    const message = messages[i]!;
    if (speaks(message, who) && matcher.test(foldedContent(messages, i))) return message;
  }
  return null;
}

/** The words around the phrase in a message, quoted: `"…can I speak to a real person about…"`. */
export function quoteSaying(message: Message, matcher: PhraseMatcher, max: number): string {
  const found = matcher.locate(message.content);
  const quote = found ? excerpt(message.content, found.start, found.end, max - 2) : excerpt(message.content, 0, 0, max - 2);
  return `"${quote}"`;
}
