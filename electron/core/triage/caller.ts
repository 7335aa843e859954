/**
 * Who a session was with: a phone number, an e-mail address or an id, read from the metadata
 * fields the owner lists (in order), else from what the assistant's tools were given (a booking
 * tool called with the caller's phone). Phone numbers are normalised to E.164 so the same caller
 * is recognised however the number was written.
 *
 * libphonenumber-js with its default "min" metadata: measured on this machine, a parse plus
 * isPossible() plus formatting takes ~18 µs warm ("max": ~27 µs), and the possible-length check
 * this needs is in "min"; the extra "max" data (number types, exact validity) is not used.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { CallerSettings } from '../../../shared/follow-up.js';
import type { IdentifiedCaller, SessionFacts } from './types.js';
import { scalarText, valueAtPath } from './lookup.js';

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]{2,}$/u;
/** What a written phone number may contain: digits, a leading +, and the usual separators. */
const PHONE_CHARACTERS = /^\+?[\d\s().\-/\u2010-\u2015]+$/u;
const MIN_PHONE_DIGITS = 5;
const MAX_PHONE_DIGITS = 17;
const COUNTRY = /^[A-Z]{2}$/;
/** Tool arguments are searched this deep, and never when absurdly large. */
const MAX_ARGUMENT_DEPTH = 5;
const MAX_ARGUMENTS_LENGTH = 256 * 1024;

/** Field names that carry an identifier rather than a number or address: callerId, customer_id, ID. */
function isIdName(field: string): boolean {
  const last = field.split('.').pop() ?? field;
  return /^id$/i.test(last) || /[a-z0-9]Id$/.test(last) || /[_-]id$/i.test(last) || /[a-z0-9]ID$/.test(last);
}

/** Keys of tool arguments that hold a caller's phone number or e-mail address. */
function isContactKey(key: string): boolean {
  const compact = key.toLowerCase().replace(/[_\-\s]/g, '');
  if (['tel', 'mail', 'msisdn', 'callernumber', 'customernumber', 'contactnumber', 'mobilenumber'].includes(compact)) return true;
  return /(phone|phonenumber|email|emailaddress|mobile|telephone|cellphone)$/.test(compact);
}

/** The caller of a session, or null when nothing identifies them. */
export function identifyCaller(
  facts: Pick<SessionFacts, 'metadata' | 'messages'>,
  settings: CallerSettings,
  fallbackCountry: string | null,
): IdentifiedCaller | null {
  const country = usableCountry(settings.defaultCountry) ?? usableCountry(fallbackCountry);
  for (const field of settings.fields) {
    const text = scalarText(valueAtPath(facts.metadata, field))?.trim();
    if (!text) continue;
    const caller = contactFrom(text, country) ?? (isIdName(field) ? { key: `id:${text}`, label: text, kind: 'other' as const } : null);
    if (caller) return caller;
  }
  for (const message of facts.messages) {
    if (message.toolArguments === null || message.toolArguments.length > MAX_ARGUMENTS_LENGTH) continue;
    const caller = contactInArguments(parseJson(message.toolArguments), country, 0);
    if (caller) return caller;
  }
  return null;
}

/** An e-mail address or a possible phone number in `text`, or null. */
function contactFrom(text: string, country: CountryCode | undefined): IdentifiedCaller | null {
  const address = text.replace(/^mailto:/i, '').trim();
  if (EMAIL.test(address)) return { key: `mailto:${address.toLowerCase()}`, label: address, kind: 'email' };
  return phoneFrom(text, country);
}

function phoneFrom(text: string, country: CountryCode | undefined): IdentifiedCaller | null {
  // Telephony sends "tel:+1…" or "sip:+1…@carrier;user=phone": the number is the user part.
  const written = text.replace(/^(?:tel|sips?):/i, '').split(/[@;]/)[0]!.trim();
  if (!PHONE_CHARACTERS.test(written)) return null;
  const digits = written.replace(/\D/g, '').length;
  if (digits < MIN_PHONE_DIGITS || digits > MAX_PHONE_DIGITS) return null;
  const phone = parsePhoneNumberFromString(written, country);
  if (!phone || !phone.isPossible()) return null;
  return { key: `tel:${phone.number}`, label: phone.formatInternational(), kind: 'phone' };
}

/** Arguments as stored are JSON text; some assistants pass them as a JSON string inside it. */
function parseJson(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'string' && /^\s*[{[]/.test(value)) return JSON.parse(value) as unknown;
    return value;
  } catch {
    return undefined;
  }
}

function contactInArguments(value: unknown, country: CountryCode | undefined, depth: number): IdentifiedCaller | null {
  if (depth > MAX_ARGUMENT_DEPTH || value === null || typeof value !== 'object') return null;
  const entries: Array<[string | null, unknown]> = Array.isArray(value) ? value.map((item) => [null, item]) : Object.entries(value);
  // Contacts at this level first: { phone, customer: { phone } } names the caller at the top.
  for (const [key, item] of entries) {
    if (key === null || !isContactKey(key)) continue;
    const text = scalarText(item)?.trim();
    const caller = text ? contactFrom(text, country) : null;
    if (caller) return caller;
  }
  for (const [, item] of entries) {
    const caller = contactInArguments(item, country, depth + 1);
    if (caller) return caller;
  }
  return null;
}

function usableCountry(country: string | null | undefined): CountryCode | undefined {
  return country && COUNTRY.test(country) ? (country as CountryCode) : undefined;
}

/** The region of a locale ("en-GB" → "GB", "de" → "DE"), or null when it names none. */
export function defaultCountryFromLocale(locale?: string): string | null {
  try {
    const region = new Intl.Locale(locale ?? Intl.DateTimeFormat().resolvedOptions().locale).maximize().region;
    return region !== undefined && COUNTRY.test(region) ? region : null;
  } catch {
    return null;
  }
}
