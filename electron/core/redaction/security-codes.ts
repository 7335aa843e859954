/**
 * Card security codes (CVC/CVV/CSC): three or four digits that must never be kept once a payment
 * is authorised. A code is only recognised when something says it is one: a word that introduces
 * it ("CVC 123", "the three digits on the back are 123", "código de seguridad 123") in one of the
 * seven languages the triage rules speak (English, Spanish, French, German, Dutch, Portuguese,
 * Italian), or, in a transcript, a short answer right after the assistant asked for it (see
 * payload.ts). A bare three-digit number elsewhere is a room number or a price, not a code.
 */
import { foldText } from '../triage/text.js';

export const MASKED_CODE = 'CVC •••';

/** Folded (lower case, no accents): text is folded before it is matched. */
const CODE_WORDS: readonly string[] = [
  // English
  'cvc', 'cvv', 'cvv2', 'cvc2', 'csc', 'cid', 'security code', 'security number', 'verification code', 'card code',
  'three digits on the back', '3 digits on the back', 'three numbers on the back', 'digits on the back', 'numbers on the back',
  'four digits on the front',
  // Spanish
  'codigo de seguridad', 'codigo cvv', 'numero de seguridad', 'digitos de atras', 'tres digitos', 'los tres numeros de atras',
  // French
  'code de securite', 'cryptogramme', 'code secret', 'trois chiffres au dos', 'chiffres au dos', 'code a trois chiffres',
  // German
  'sicherheitscode', 'prufnummer', 'kartenprufnummer', 'prufziffer', 'drei ziffern auf der ruckseite', 'ziffern auf der ruckseite',
  // Dutch
  'beveiligingscode', 'veiligheidscode', 'controlecode', 'drie cijfers op de achterkant', 'cijfers op de achterkant',
  // Portuguese
  'codigo de seguranca', 'tres digitos no verso', 'digitos no verso', 'numeros no verso',
  // Italian
  'codice di sicurezza', 'codice cvv', 'tre cifre sul retro', 'cifre sul retro', 'codice di verifica',
];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Longest first so "cvv2" wins over "cvv". The words must stand alone ("cid" is not in "acid").
const WORDS = [...CODE_WORDS].sort((a, b) => b.length - a.length).map((word) => escape(word).replace(/ /g, '\\s+'));
const WORD = `(?<![\\p{L}\\p{N}])(?:${WORDS.join('|')})(?![\\p{L}])`;
/**
 * A code word, then up to 30 characters without digits ("is", "on the back is:"), then the code. No
 * quote in between: in raw JSON that would reach into the next string, and the replacement would
 * swallow the quotes.
 */
const INTRODUCED_CODE = new RegExp(`${WORD}[^\\d"]{0,30}?(\\d{3,4})(?!\\d)`, 'gu');
const ANY_WORD = new RegExp(WORD, 'u');
/** A code said alone: "123", "it's 1234." (a short answer, see payload.ts). */
const BARE_CODE = /(?<![\d.,:/-])\d{3,4}(?![\d.,:/-]?\d)/g;

/**
 * A part of every code word (case ignored, before folding): text with none of them cannot hold one,
 * and is not folded and matched word by word. Most messages stop here: the listener's thread pays
 * for redaction on every delivery.
 */
const STEMS = /cvc|cvv|csc|cid|cvn|secur|segur|s[ée]cur|sicherheit|pr[üu]f|veilig|controle|verif|crypto|code|c[óo]digo|codice|digit|d[íi]git|chiffre|ziffer|cijfer|cifre|number|n[úu]mero/i;

/** Whether the text mentions a security code (an assistant asking for one). */
export function mentionsCode(text: string): boolean {
  return STEMS.test(text) && ANY_WORD.test(foldText(text));
}

/** A span of text to replace: [start, end). */
export interface Span {
  start: number;
  end: number;
}

/**
 * Every code a code word introduces, from the word to the code ("the three digits on the back are
 * 123" becomes "the CVC •••"). Positions come from the folded text, which line up with the
 * original as long as folding keeps lengths; when it does not (letters that decompose into
 * several), the original is matched as it is, case ignored.
 */
export function findIntroducedCodes(text: string): Span[] {
  if (!/\d{3}/.test(text) || !STEMS.test(text)) return [];
  const folded = foldText(text);
  const source = folded.length === text.length ? folded : text.toLowerCase();
  return [...source.matchAll(INTRODUCED_CODE)].map((match) => ({ start: match.index, end: match.index + match[0].length }));
}

/** Bare 3-4 digit numbers: only looked for in a short answer to a question about the code. */
export function findBareCodes(text: string): Span[] {
  return [...text.matchAll(BARE_CODE)].map((match) => ({ start: match.index, end: match.index + match[0].length }));
}
