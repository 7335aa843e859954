import { describe, expect, it } from 'vitest';
import { excerpt, foldText, phraseMatcher } from '../../electron/core/triage/text.js';

/** The definition: decompose, drop combining marks, unify apostrophes, lower case. */
const foldByDefinition = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').replace(/[\u2018\u2019\u02BC\u0060\u00B4]/g, "'").toLowerCase();

describe('foldText', () => {
  it('folds every Latin letter exactly as full decomposition does (the fast paths agree with the definition)', () => {
    const mismatches: string[] = [];
    for (let code = 0x20; code <= 0x2ff; code += 1) {
      const text = `Ab${String.fromCharCode(code)}c ${String.fromCharCode(code)}`;
      if (foldText(text) !== foldByDefinition(text)) mismatches.push(code.toString(16));
    }
    expect(mismatches).toEqual([]);
  });

  it.each(['Llámame MAÑANA', 'Rückruf´s – ÆØÅ ß İstanbul', 'parler à quelqu’un', 'quelqu`un', 'Иван Петров', '田中 さくら 🦷', 'Zoë\nBrontë\tok'])('%s', (text) => {
    expect(foldText(text)).toBe(foldByDefinition(text));
  });
});

describe('phraseMatcher', () => {
  it('finds whole phrases at any word, first occurrence first', () => {
    const matcher = phraseMatcher(['call me back', 'manager', 'dr. osei', '$20']);
    expect(matcher.test(foldText('Managers only'))).toBe(false);
    expect(matcher.test(foldText('the MANAGER'))).toBe(true);
    expect(matcher.test(foldText('Is Dr. Osei in?'))).toBe(true);
    expect(matcher.test(foldText('Is Dr Osei in?'))).toBe(false);
    expect(matcher.test(foldText('It costs $20.'))).toBe(true);
    expect(matcher.test(foldText('It costs $200.'))).toBe(false);
    expect(matcher.locate('ok, $20 or call me back')).toEqual({ start: 4, end: 7 });
    expect(matcher.locate('call  me\nback, $20')).toEqual({ start: 0, end: 13 });
  });

  it('locates in the original text even when folding changed its length', () => {
    const matcher = phraseMatcher(['rappelez-moi']);
    const text = 'Très bien: RAPPELEZ-MOI';
    const found = matcher.locate(text)!;
    expect(text.slice(found.start, found.end)).toBe('RAPPELEZ-MOI');
    const decomposed = 'Cafe\u0301 — rappelez moi';
    const again = matcher.locate(decomposed)!;
    expect(decomposed.slice(again.start, again.end)).toBe('rappelez moi');
  });

  it('an empty or blank list matches nothing', () => {
    expect(phraseMatcher([]).test('anything')).toBe(false);
    expect(phraseMatcher([' - ']).test('anything - at all')).toBe(false);
  });
});

describe('excerpt', () => {
  const text = 'Hello there. So basically, can I speak to a real person about my bill from last month? It is wrong.';
  const start = text.indexOf('real person');
  const end = start + 'real person'.length;

  it('keeps whole words around the match, marks the cuts, respects the length', () => {
    const quote = excerpt(text, start, end, 40);
    expect(quote.length).toBeLessThanOrEqual(40);
    expect(quote).toContain('real person');
    expect(quote.startsWith('…')).toBe(true);
    expect(quote.endsWith('…')).toBe(true);
    const words = new Set(text.split(/\s+/));
    for (const word of quote.replace(/…/g, '').trim().split(/\s+/)) expect(words.has(word), word).toBe(true);
  });

  it('the whole text when it fits, whitespace collapsed', () => {
    expect(excerpt('call\n me   back', 0, 4, 40)).toBe('call me back');
  });

  it('a match longer than the room is cut', () => {
    expect(excerpt(text, 0, text.length, 20)).toHaveLength(19);
  });
});
