/**
 * Word matching for the rules: case and accents ignored, whole words and phrases only ("manager"
 * never matches "management"; "call me back" matches "could you call me back?"). Phrase lists are
 * compiled once into one regular expression and kept, because the store runs the same rules over
 * every session of the archive.
 */

const COMBINING_MARKS = /\p{M}/gu;
/** Typographic apostrophes and the acute accent people type for one: all read as "'". */
const APOSTROPHES = /[\u2018\u2019\u02BC\u0060\u00B4]/g;
const WORD_CHAR = '[\\p{L}\\p{N}]';
/** Between the words of a phrase: any run of spaces or hyphens ("rappelez-moi" = "rappelez moi"). */
const PHRASE_GAP = '[\\s\\-\u2010\u2011]+';

/** Lower case, accents stripped (NFD, combining marks removed), apostrophes unified. */
export function foldText(text: string): string {
  return text.normalize('NFD').replace(COMBINING_MARKS, '').replace(APOSTROPHES, "'").toLowerCase();
}

export interface PhraseMatcher {
  /** Whether any of the phrases occurs in text already folded with foldText. */
  test(folded: string): boolean;
  /** Where the first phrase occurs in the original text (UTF-16 offsets into it), or null. */
  locate(original: string): { start: number; end: number } | null;
}

const NEVER: PhraseMatcher = { test: () => false, locate: () => null };
const compiled = new Map<string, PhraseMatcher>();
/** Rule edits are rare; the bound only guards against a caller that builds lists per session. */
const COMPILED_MAX = 256;

/** A matcher for any of the phrases; compiled once per distinct list. */
export function phraseMatcher(phrases: readonly string[]): PhraseMatcher {
  const cacheKey = phrases.join('\u0000');
  let matcher = compiled.get(cacheKey);
  if (matcher === undefined) {
    matcher = compilePhrases(phrases);
    if (compiled.size >= COMPILED_MAX) compiled.clear();
    compiled.set(cacheKey, matcher);
  }
  return matcher;
}

function compilePhrases(phrases: readonly string[]): PhraseMatcher {
  const alternatives = [...new Set(phrases.map((phrase) => phraseSource(phrase)).filter((source) => source !== ''))];
  if (alternatives.length === 0) return NEVER;
  // Longest first, so the quote shows "speak to a real person" rather than "real person".
  alternatives.sort((a, b) => b.length - a.length);
  // The look-behind comes first so that only word starts try the alternatives: that keeps a
  // list of hundreds of phrases cheap on long transcripts.
  const source = `(?<!${WORD_CHAR})(?:${alternatives.join('|')})(?!${WORD_CHAR})`;
  const anywhere = new RegExp(source, 'u');
  return {
    test: (folded) => anywhere.test(folded),
    locate(original) {
      const { folded, origin } = foldWithOrigins(original);
      const match = anywhere.exec(folded);
      if (match === null || match[0].length === 0) return null;
      const first = origin[match.index]!;
      const last = origin[match.index + match[0].length - 1]!;
      return { start: first.start, end: last.end };
    },
  };
}

function phraseSource(phrase: string): string {
  const words = foldText(phrase)
    .split(/[\s\-\u2010\u2011]+/u)
    .filter((word) => word !== '');
  return words.map(escapeRegExp).join(PHRASE_GAP);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Folds one code point at a time, remembering where each folded unit came from, so a match found
 * in folded text can be quoted from the original. Only used for the (rare) quote.
 */
function foldWithOrigins(original: string): { folded: string; origin: Array<{ start: number; end: number }> } {
  let folded = '';
  const origin: Array<{ start: number; end: number }> = [];
  let offset = 0;
  for (const char of original) {
    const piece = foldText(char);
    const span = { start: offset, end: offset + char.length };
    for (let i = 0; i < piece.length; i += 1) origin.push(span);
    folded += piece;
    offset += char.length;
  }
  return { folded, origin };
}

/**
 * A short quote of `text` around [start, end): whole words, whitespace collapsed, "…" where it was
 * cut, at most `max` characters (the ellipses included).
 */
export function excerpt(text: string, start: number, end: number, max: number): string {
  const matched = collapse(text.slice(start, end));
  if (matched.length >= max - 2) return `${matched.slice(0, max - 2).trimEnd()}…`;
  let left = collapse(text.slice(0, start)).trimStart();
  let right = collapse(text.slice(end)).trimEnd();
  // The words next to the match keep their separating space (collapse keeps one).
  let room = max - matched.length;
  const leftShare = Math.min(left.length, Math.max(Math.floor(room / 2), room - right.length));
  room -= leftShare;
  const cutLeft = left.length > leftShare;
  const cutRight = right.length > room;
  if (cutLeft) left = trimToWordsFromEnd(left, leftShare - 1);
  if (cutRight) right = trimToWordsFromStart(right, room - 1);
  return `${cutLeft ? '…' : ''}${left}${matched}${right}${cutRight ? '…' : ''}`;
}

function collapse(text: string): string {
  return text.replace(/\s+/gu, ' ');
}

/** The end of `text`, at most `max` characters, starting at a word. */
function trimToWordsFromEnd(text: string, max: number): string {
  if (max <= 0) return '';
  const tail = text.slice(text.length - max);
  const firstBreak = tail.search(/\s/u);
  const atWordStart = text.length - max === 0 || /\s/u.test(text[text.length - max - 1]!);
  return (atWordStart || firstBreak < 0 ? tail : tail.slice(firstBreak)).trimStart();
}

/** The start of `text`, at most `max` characters, ending at a word. */
function trimToWordsFromStart(text: string, max: number): string {
  if (max <= 0) return '';
  const head = text.slice(0, max);
  const atWordEnd = max >= text.length || /\s/u.test(text[max]!);
  const lastBreak = head.search(/\s\S*$/u);
  return (atWordEnd || lastBreak < 0 ? head : head.slice(0, lastBreak)).trimEnd();
}
