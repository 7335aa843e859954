/**
 * How the archive reads a search as typed, shared by every store so the same words find the same
 * sessions and are highlighted the same way: words split on whitespace, folded (case, accents),
 * the last one a prefix once it is long enough; and the snippet around the first match.
 */
import { HIGHLIGHT_END, HIGHLIGHT_START } from '../../../shared/highlight.js';

/**
 * A search is every word typed, all required, the last one as a prefix (search as you type) once
 * it has PREFIX_MIN characters. A shorter prefix would make the index merge the lists of every word
 * starting with it (293 ms for "a" on 100,000 sessions); as a whole word it costs a page, like any
 * common word. The list says so (PREFIX_HINT) while it applies.
 */
export const PREFIX_MIN = 3;
export const PREFIX_HINT = `Words shorter than ${PREFIX_MIN} letters match whole words; type one more letter to find words that start with it.`;

export function isPrefix(word: string): boolean {
  return [...word].length >= PREFIX_MIN;
}

export function lastWordTooShort(query: string): boolean {
  const words = query.trim().split(/\s+/);
  const last = words[words.length - 1] ?? '';
  return last !== '' && !isPrefix(last);
}

/** Lower case, accents removed: how the index compares words, so snippets find what it found. */
export function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** A searched word as the index compares it; `prefix` where the search matched words starting with it. */
export interface SearchTerm {
  text: string;
  prefix: boolean;
}

/** The words to highlight, read the way toFtsQuery reads them: only a long enough last word is a prefix. */
export function searchTerms(query: string): SearchTerm[] {
  const words = query.split(/\s+/).filter((word) => word.length > 0).slice(0, 16);
  return words.flatMap((word, i) => {
    const parts = fold(word).split(/[^\p{L}\p{N}_]+/u).filter((part) => part.length > 0);
    return parts.map((text, j) => ({ text, prefix: i === words.length - 1 && j === parts.length - 1 && isPrefix(word) }));
  });
}

/**
 * Words kept before the first match, and the length of the snippet: the list shows one line, so
 * the match must come early in it or the line's ellipsis hides it.
 */
const SNIPPET_BEFORE = 24;
const SNIPPET_LENGTH = 180;

/** The folded text, and for each of its positions the position in `text` it came from. */
function foldWithPositions(text: string): { folded: string; source: (at: number) => number } {
  // Plain ASCII (the usual transcript) folds to its lower case, character for character.
  if (ASCII.test(text)) return { folded: text.toLowerCase(), source: (at) => at };
  // Otherwise fold character by character so positions in the folded text map back to the original.
  const map: number[] = [];
  let folded = '';
  for (let i = 0; i < text.length; i += 1) {
    const f = text.charCodeAt(i) < 0x80 ? text[i]!.toLowerCase() : fold(text[i]!);
    for (let k = 0; k < f.length; k += 1) map.push(i);
    folded += f;
  }
  return { folded, source: (at) => map[at]! };
}

/** Only characters below U+0080 (written as what it excludes: lint refuses control characters in a regex). */
const ASCII = /^[^\u0080-\uffff]*$/;

/** Marks every searched word in `text` (a plain string is a prefix: it matches words that start with it). */
export function highlight(text: string, searched: Array<string | SearchTerm>): string | null {
  const terms = searched.map((term) => (typeof term === 'string' ? { text: term, prefix: true } : term));
  const { folded, source } = foldWithPositions(text);
  // Most texts a page of results looks through hold none of the words.
  if (!terms.some((term) => folded.includes(term.text))) return null;
  const spans: Array<[number, number]> = [];
  const wordChar = /[\p{L}\p{N}_]/u;
  for (const { text: term, prefix } of terms) {
    let from = 0;
    for (;;) {
      const at = folded.indexOf(term, from);
      if (at < 0) break;
      const end = at + term.length;
      const startsWord = at === 0 || !wordChar.test(folded[at - 1]!);
      const endsWord = prefix || end >= folded.length || !wordChar.test(folded[end]!);
      if (startsWord && endsWord) spans.push([source(at), source(end - 1) + 1]);
      from = end;
    }
  }
  if (spans.length === 0) return null;
  spans.sort((a, b) => a[0] - b[0]);
  const first = spans[0]![0];
  let start = Math.max(0, first - SNIPPET_BEFORE);
  // Start at a word, not inside one.
  const space = start > 0 ? text.slice(start, first).search(/\s/) : -1;
  if (space >= 0) start += space + 1;
  const end = Math.min(text.length, start + SNIPPET_LENGTH);
  let out = start > 0 ? '…' : '';
  let at = start;
  for (const [s, e] of spans) {
    if (s < at || s >= end) continue;
    out += text.slice(at, s) + HIGHLIGHT_START + text.slice(s, Math.min(e, end)) + HIGHLIGHT_END;
    at = Math.min(e, end);
  }
  out += text.slice(at, end) + (end < text.length ? '…' : '');
  return out.replace(/\s+/g, ' ');
}
