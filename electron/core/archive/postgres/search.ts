/**
 * Full-text search with the SQLite store's semantics (search-text.ts, FTS5 unicode61 with
 * diacritics removed): a word is a run of letters and digits, compared folded (case, accents);
 * everything else separates words. The text is folded and split here, in both the document and
 * the query, so PostgreSQL's parser only ever sees plain words (it would otherwise keep
 * "example.com" or "3.14" as one token where FTS5 sees two words); archive_search (simple +
 * unaccent) then only indexes them.
 */
import { fold, isPrefix } from '../search-text.js';

const WORD_SEPARATORS = /[^\p{L}\p{N}]+/u;
/** PostgreSQL skips a word longer than this (with a notice); no one searches for one. */
const MAX_WORD = 2_000;

export function wordsOf(text: string): string[] {
  return fold(text)
    .split(WORD_SEPARATORS)
    .filter((word) => word.length > 0 && word.length <= MAX_WORD);
}

/** The session's search document: its id, metadata, end reason and every message with its tool call. */
export function searchDocument(parts: ReadonlyArray<string | null>): string {
  return parts.flatMap((part) => (part ? wordsOf(part) : [])).join(' ');
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

/**
 * What a person typed as a to_tsquery expression: every word typed required, a word with
 * punctuation inside a phrase of its parts (Q-1182: q <-> 1182), the last word a prefix once it
 * is long enough. Only letters and digits reach the expression, so nothing typed is syntax.
 * A typed word without letters or digits ("*", "(((") adds nothing; null: nothing searchable was
 * typed (it matches nothing).
 */
export function toTsQuery(input: string): string | null {
  const typed = typedWords(input);
  const phrases: string[] = [];
  typed.forEach((word, i) => {
    const parts = wordsOf(word);
    if (parts.length === 0) return;
    const prefix = i === typed.length - 1 && isPrefix(word);
    phrases.push(parts.map((part, j) => (prefix && j === parts.length - 1 ? `${part}:*` : part)).join(' <-> '));
  });
  return phrases.length === 0
    ? null
    : phrases.map((p) => `(${p})`).join(' & ');
}
