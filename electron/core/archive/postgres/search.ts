/**
 * Full-text search with the SQLite store's semantics (search-text.ts, FTS5 unicode61 with
 * diacritics removed): a word is a run of letters and digits, compared folded (case, accents);
 * everything else separates words. The text is folded and split here, in both the document and
 * the query, so PostgreSQL's parser only ever sees plain lower-case words (it would otherwise keep
 * "example.com" or "3.14" as one token where FTS5 sees two words), and the `simple`
 * configuration only indexes them: no unaccent at index time (schema 5). Folding in one place
 * also keeps PostgreSQL from folding more than FTS5 does (unaccent turns "ø" into "o", "ß" into
 * "ss"; FTS5 and fold() keep them). Not yet alike: fold() strips the marks of every script, FTS5
 * those of Latin letters and a few others, so "й", "ё" or Greek "ά" fold here and not in SQLite.
 */
import { fold, isPrefix } from '../search-text.js';

const WORD_SEPARATORS = /[^\p{L}\p{N}]+/u;
/** PostgreSQL skips a word longer than this (with a notice); no one searches for one. */
const MAX_WORD = 2_000;
/**
 * A tsvector keeps word positions up to 16383 and at most 256 of them per word, and may not pass
 * 1 MB: past any of these a phrase cannot be checked from it (a later occurrence has no position
 * or a wrong one), so such a document is indexed by its distinct words and phrases are checked
 * against its text (session_search_texts). The character bound keeps the positioned vector under 1 MB.
 */
const MAX_POSITION = 16_383;
const MAX_POSITIONS_PER_WORD = 256;
const POSITIONED_MAX_CHARS = 256 * 1024;

export function wordsOf(text: string): string[] {
  return fold(text)
    .split(WORD_SEPARATORS)
    .filter((word) => word.length > 0 && word.length <= MAX_WORD);
}

/** How a session's words are indexed: with positions (phrases checked by the index) or not. */
export type SearchIndex =
  | { positioned: true; document: string }
  /** `text`: the words with a space before and after each, where a phrase is a plain substring. */
  | { positioned: false; words: string[]; text: string };

/** The session's search document: its id, metadata, end reason and every message with its tool call. */
export function searchIndex(parts: ReadonlyArray<string | null>): SearchIndex {
  const words = parts.flatMap((part) => (part ? wordsOf(part) : []));
  const document = words.join(' ');
  if (document.length <= POSITIONED_MAX_CHARS && words.length <= MAX_POSITION && !anyWordRepeated(words, MAX_POSITIONS_PER_WORD)) {
    return { positioned: true, document };
  }
  return { positioned: false, words: [...new Set(words)], text: ` ${document} ` };
}

function anyWordRepeated(words: readonly string[], limit: number): boolean {
  if (words.length <= limit) return false;
  const seen = new Map<string, number>();
  for (const word of words) {
    const n = (seen.get(word) ?? 0) + 1;
    if (n > limit) return true;
    seen.set(word, n);
  }
  return false;
}

/** The words typed, as the SQLite store reads them (toFtsQuery): none means no search at all, just the list. */
export function typedWords(input: string): string[] {
  return (
    input
      .split(/\s+/)
      // eslint-disable-next-line no-control-regex -- as the SQLite store: control characters are dropped, not separators
      .map((word) => word.replace(/["\u0000-\u001f]/g, '').trim())
      .filter((word) => word.length > 0)
      .slice(0, 16)
  );
}

export interface SearchQuery {
  /** A to_tsquery('simple', …) expression. */
  tsQuery: string;
  /**
   * Each typed word of several parts (a phrase) as it appears in a SearchIndex's `text`: " q 1182 ",
   * or " q 11" when its last part is a prefix. A phrase never matches a tsvector without positions
   * (PostgreSQL answers false), so a session indexed by its words alone is found by `wordsQuery`
   * and then only if its text holds every one of these.
   */
  phrases: string[];
  /** tsQuery with every phrase's parts merely required (&): null when there is no phrase. */
  wordsQuery: string | null;
}

/**
 * What a person typed as a to_tsquery expression: every word typed required, a word with
 * punctuation inside a phrase of its parts (Q-1182: q <-> 1182), the last word a prefix once it
 * is long enough. Only letters and digits reach the expression, so nothing typed is syntax.
 * A typed word without letters or digits ("*", "(((") adds nothing; null: nothing searchable was
 * typed (it matches nothing).
 */
export function toSearchQuery(input: string): SearchQuery | null {
  const typed = typedWords(input);
  const groups: string[][] = [];
  const phrases: string[] = [];
  typed.forEach((word, i) => {
    const parts = wordsOf(word);
    if (parts.length === 0) return;
    const prefix = i === typed.length - 1 && isPrefix(word);
    groups.push(parts.map((part, j) => (prefix && j === parts.length - 1 ? `${part}:*` : part)));
    if (parts.length > 1) phrases.push(` ${parts.join(' ')}${prefix ? '' : ' '}`);
  });
  if (groups.length === 0) return null;
  const joined = (operator: string) => groups.map((parts) => `(${parts.join(operator)})`).join(' & ');
  return { tsQuery: joined(' <-> '), phrases, wordsQuery: phrases.length > 0 ? joined(' & ') : null };
}
