/**
 * Word matching for the rules: case and accents ignored, whole words and phrases only ("manager"
 * never matches "management"; "call me back" matches "could you call me back?"). The store runs
 * the same rules over every session of the archive, so a phrase list is compiled once and text is
 * read word by word: each word is looked up among the phrases' first words, and only those
 * phrases are tried there. (One regular expression with every phrase as an alternative tried
 * each phrase at each word and cost ~10 times more on a 50-message session.)
 */

const COMBINING_MARKS = /\p{M}/gu;
/** Typographic apostrophes and the acute accent people type for one: all read as "'". */
const APOSTROPHES = /[\u2018\u2019\u02BC\u0060\u00B4]/g;
/** ASCII with nothing to fold but case (the backtick is an apostrophe to unify). */
const PLAIN_ASCII = /^[\t\n\r\x20-\x5f\x61-\x7e]*$/;
const WORD_CHAR = '[\\p{L}\\p{N}]';
const NON_ASCII_WORD_CHAR = /^[\p{L}\p{N}]$/u;
/** Between the words of a phrase: any run of spaces or hyphens ("rappelez-moi" = "rappelez moi"). */
const PHRASE_GAP = '[\\s\\-\u2010\u2011]+';
const PHRASE_WORD_BREAK = /[\s\-\u2010\u2011]+/u;

/** Lower case, accents stripped (NFD, combining marks removed), apostrophes unified. */
export function foldText(text: string): string {
  // Most transcripts are plain ASCII: nothing to decompose or unify there.
  if (PLAIN_ASCII.test(text)) return text.toLowerCase();
  // Latin text (Spanish, French, German…) folds one accented letter at a time from a table:
  // the same result as decomposing the whole text, at a fraction of the cost.
  if (LATIN.test(text)) return text.replace(LATIN_TO_FOLD, foldLatinLetter).toLowerCase();
  return foldFully(text);
}

function foldFully(text: string): string {
  return text.normalize('NFD').replace(COMBINING_MARKS, '').replace(APOSTROPHES, "'").toLowerCase();
}

const LATIN = /^[\t\n\r\x20-\u02ff\u2018\u2019]*$/;
const LATIN_TO_FOLD = /[`\u0080-\u02ff\u2018\u2019]/g;
const latinFolds = new Map<string, string>();
function foldLatinLetter(letter: string): string {
  let folded = latinFolds.get(letter);
  if (folded === undefined) {
    folded = foldFully(letter);
    latinFolds.set(letter, folded);
  }
  return folded;
}

export interface PhraseMatcher {
  /** Whether any of the phrases occurs in text already folded with foldText. */
  test(folded: string): boolean;
  /** Where the first phrase occurs in the original text (UTF-16 offsets into it), or null. */
  locate(original: string): { start: number; end: number } | null;
}

const compiled = new Map<string, PhraseMatcher>();
const byList = new WeakMap<readonly string[], PhraseMatcher>();
/** Rule edits are rare; the bound only guards against a caller that builds lists per session. */
const COMPILED_MAX = 256;

/** A matcher for any of the phrases; compiled once per distinct list. */
export function phraseMatcher(phrases: readonly string[]): PhraseMatcher {
  // The same rule object comes back for every session of a run: skip even joining its list.
  // (Lists are never edited in place: a saved rule is a new object.)
  const known = byList.get(phrases);
  if (known !== undefined) return known;
  const cacheKey = phrases.join('\u0000');
  let matcher = compiled.get(cacheKey);
  if (matcher === undefined) {
    matcher = compilePhrases(phrases);
    if (compiled.size >= COMPILED_MAX) compiled.clear();
    compiled.set(cacheKey, matcher);
  }
  byList.set(phrases, matcher);
  return matcher;
}

interface Found {
  index: number;
  length: number;
}

function compilePhrases(phrases: readonly string[]): PhraseMatcher {
  // Phrases grouped by their leading word ("call me back" under "call"); phrases that start with
  // something other than a letter or digit ("$20", "(urgent)") are searched for anywhere.
  const byFirstWord = new Map<string, string[]>();
  const elsewhere: string[] = [];
  for (const phrase of phrases) {
    const words = foldText(phrase).split(PHRASE_WORD_BREAK).filter((word) => word !== '');
    if (words.length === 0) continue;
    const source = words.map(escapeRegExp).join(PHRASE_GAP);
    const firstWord = leadingWord(words[0]!);
    if (firstWord === '') elsewhere.push(source);
    else byFirstWord.set(firstWord, [...(byFirstWord.get(firstWord) ?? []), source]);
  }
  // Longest first, so the quote shows "speak to a real person" rather than "real person".
  const alternation = (sources: string[]) => [...new Set(sources)].sort((a, b) => b.length - a.length).join('|');
  const atWord = new Map<string, RegExp>();
  for (const [word, sources] of byFirstWord) atWord.set(word, new RegExp(`(?:${alternation(sources)})(?!${WORD_CHAR})`, 'uy'));
  // Cheap checks before slicing a word out to look it up: most words start no phrase.
  const firstUnits = new Set([...atWord.keys()].map((word) => word.charCodeAt(0)));
  const longestFirstWord = Math.max(0, ...[...atWord.keys()].map((word) => word.length));
  const anywhere = elsewhere.length > 0 ? new RegExp(`(?<!${WORD_CHAR})(?:${alternation(elsewhere)})(?!${WORD_CHAR})`, 'u') : null;

  const find = (folded: string): Found | null => {
    let best: Found | null = null;
    if (anywhere) {
      const match = anywhere.exec(folded);
      if (match !== null && match[0].length > 0) best = { index: match.index, length: match[0].length };
    }
    if (atWord.size === 0) return best;
    for (let start = nextWordStart(folded, 0); start < folded.length; ) {
      if (best !== null && start >= best.index) break;
      const end = wordEnd(folded, start);
      const sticky = end - start <= longestFirstWord && firstUnits.has(folded.charCodeAt(start)) ? atWord.get(folded.slice(start, end)) : undefined;
      if (sticky) {
        sticky.lastIndex = start;
        const match = sticky.exec(folded);
        if (match !== null) return { index: start, length: match[0].length };
      }
      start = nextWordStart(folded, end);
    }
    return best;
  };
  return {
    test: (folded) => find(folded) !== null,
    locate(original) {
      const { folded, origin } = foldWithOrigins(original);
      const found = find(folded);
      if (found === null) return null;
      return { start: origin[found.index]!.start, end: origin[found.index + found.length - 1]!.end };
    },
  };
}

/** The run of letters and digits a phrase's first word starts with ("dr." → "dr"; "$20" → ""). */
function leadingWord(word: string): string {
  return word.slice(0, wordEnd(word, 0));
}

/** 1 for ASCII letters and digits. */
const ASCII_WORD = new Uint8Array(128).map((_, code) => Number((code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39)));
/** Beyond ASCII, per BMP code unit: 0 not yet known, 1 letter or digit, 2 not. */
const bmpWord = new Uint8Array(0x10000);

/** Letters and digits (any script); marks are gone after folding. */
function isWordCharAt(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (code < 0x80) return ASCII_WORD[code] === 1;
  if (code >= 0xd800 && code <= 0xdfff) return NON_ASCII_WORD_CHAR.test(String.fromCodePoint(text.codePointAt(index)!));
  let known = bmpWord[code]!;
  if (known === 0) {
    known = NON_ASCII_WORD_CHAR.test(String.fromCharCode(code)) ? 1 : 2;
    bmpWord[code] = known;
  }
  return known === 1;
}

/** UTF-16 length of the code point at index (2 for a surrogate pair). */
function unitsAt(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code >= 0xd800 && code <= 0xdbff && index + 1 < text.length ? 2 : 1;
}

function wordEnd(text: string, start: number): number {
  let index = start;
  while (index < text.length && isWordCharAt(text, index)) index += unitsAt(text, index);
  return index;
}

function nextWordStart(text: string, from: number): number {
  let index = from;
  while (index < text.length && !isWordCharAt(text, index)) index += unitsAt(text, index);
  return index;
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
