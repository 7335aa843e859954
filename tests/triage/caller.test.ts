import { describe, expect, it } from 'vitest';
import { DEFAULT_CALLER_FIELDS, callerSettingsSchema, type CallerSettings } from '../../shared/follow-up.js';
import { defaultCountryFromLocale, identifyCaller } from '../../electron/core/triage/index.js';
import { say, session } from './facts.js';

const settings = (changes: Partial<CallerSettings> = {}): CallerSettings => callerSettingsSchema.parse({ fields: DEFAULT_CALLER_FIELDS, defaultCountry: null, ...changes });
const US = settings({ defaultCountry: 'US' });
const caller = (metadata: Record<string, unknown>, options: { settings?: CallerSettings; fallback?: string | null; lines?: Parameters<typeof session>[1] } = {}) =>
  identifyCaller(session(metadata, options.lines ?? []), options.settings ?? US, options.fallback ?? null);

const WASHINGTON = { key: 'tel:+12025550100', label: '+1 202 555 0100', kind: 'phone' };

describe('identifyCaller from metadata', () => {
  it.each([
    ['E.164', '+12025550100'],
    ['international, spaced', '+1 202 555 0100'],
    ['national, with the default country', '(202) 555-0100'],
    ['national, dashes', '202-555-0100'],
    ['national, dots', '202.555.0100'],
    ['with the trunk prefix', '1 202 555 0100'],
    ['a tel: URI', 'tel:+1-202-555-0100'],
    ['a SIP URI from telephony', 'sip:+12025550100@sip.carrier.example;user=phone'],
  ])('a phone number: %s', (_format, from) => {
    expect(caller({ from })).toEqual(WASHINGTON);
  });

  it('a number given as a JSON number', () => {
    expect(caller({ phone: 2025550100 })).toEqual(WASHINGTON);
  });

  it('numbers of other countries by the default country, from the settings or else the fallback', () => {
    expect(caller({ phone: '020 7946 0958' }, { settings: settings({ defaultCountry: 'GB' }) })).toEqual({ key: 'tel:+442079460958', label: '+44 20 7946 0958', kind: 'phone' });
    expect(caller({ phone: '030 1234567' }, { settings: settings(), fallback: 'DE' })).toEqual({ key: 'tel:+49301234567', label: '+49 30 1234567', kind: 'phone' });
    expect(caller({ phone: '06 12 34 56 78' }, { settings: settings({ defaultCountry: 'FR' }), fallback: 'DE' })?.key).toBe('tel:+33612345678');
    expect(caller({ phone: '+44 7700 900123' }, { settings: settings(), fallback: null })?.key).toBe('tel:+447700900123');
  });

  it('a national number without any default country identifies nobody', () => {
    expect(caller({ phone: '(202) 555-0100' }, { settings: settings(), fallback: null })).toBeNull();
  });

  it.each([
    ['too short (a fictional 555 number without its area code)', '+1 555 0100'],
    ['too few digits', '12'],
    ['letters', 'call me maybe'],
    ['an order id', 'CA8f3b2c9d'],
    ['a date', '2026-06-02'],
    ['too long', '+1 202 555 0100 0100 0100'],
  ])('rejects what is not a possible number: %s', (_why, phone) => {
    expect(caller({ phone })).toBeNull();
  });

  it('an e-mail address: key lowercased, label as written', () => {
    expect(caller({ email: '  Ana.Silva@Example.COM ' })).toEqual({ key: 'mailto:ana.silva@example.com', label: 'Ana.Silva@Example.COM', kind: 'email' });
    expect(caller({ email: 'mailto:ana@example.com' })).toEqual({ key: 'mailto:ana@example.com', label: 'ana@example.com', kind: 'email' });
    expect(caller({ email: 'not an address@' })).toBeNull();
  });

  it('an id, for fields named like ids, when it is neither a number nor an address', () => {
    expect(caller({ callerId: 'cust-48213' })).toEqual({ key: 'id:cust-48213', label: 'cust-48213', kind: 'other' });
    expect(caller({ caller: 'cust-48213' })).toBeNull(); // "caller" is not named like an id
    const custom = settings({ fields: ['customer_id', 'account.ID'], defaultCountry: 'US' });
    expect(caller({ customer_id: 'A-7' }, { settings: custom })).toEqual({ key: 'id:A-7', label: 'A-7', kind: 'other' });
    expect(caller({ account: { ID: 991 } }, { settings: custom })).toEqual({ key: 'id:991', label: '991', kind: 'other' });
  });

  it('tries the fields in order; keys in any case; nested fields by dot path', () => {
    expect(caller({ email: 'ana@example.com', from: '+12025550100' })).toEqual(WASHINGTON); // "from" comes before "email"
    expect(caller({ PHONENUMBER: '202 555 0100' })).toEqual(WASHINGTON);
    const nested = settings({ fields: ['customer.contact.phone', 'email'], defaultCountry: 'US' });
    expect(caller({ customer: { contact: { Phone: '(202) 555-0100' } }, email: 'ana@example.com' }, { settings: nested })).toEqual(WASHINGTON);
    expect(caller({ customer: { contact: {} }, email: 'ana@example.com' }, { settings: nested })?.kind).toBe('email');
  });

  it('skips fields whose value identifies nobody and goes on', () => {
    expect(caller({ phone: '', from: 'anonymous', caller: { name: 'Ana' }, email: 'ana@example.com' })?.key).toBe('mailto:ana@example.com');
  });
});

describe('identifyCaller from tool-call arguments', () => {
  it('when the metadata has none, from keys named like phone or e-mail at any depth', () => {
    const lines = [
      say.caller('Book me in please'),
      say.tool('check_availability', { date: '2026-06-02' }),
      say.tool('book_appointment', { slot: '2026-06-02T15:30', patient: { name: 'José', contact: { phone_number: '(202) 555-0100' } } }),
    ];
    expect(caller({ sessionMode: 'voice' }, { lines })).toEqual(WASHINGTON);
  });

  it.each(['phone', 'phoneNumber', 'phone_number', 'mobile', 'tel', 'customerPhone', 'callerPhone', 'Mobile-Number'])('the key %s', (key) => {
    expect(caller({}, { lines: [say.tool('book', { [key]: '+1 202 555 0100' })] })).toEqual(WASHINGTON);
  });

  it('e-mail keys', () => {
    for (const key of ['email', 'customerEmail', 'email_address']) {
      expect(caller({}, { lines: [say.tool('send_confirmation', { [key]: 'Ana@Example.com' })] })?.key).toBe('mailto:ana@example.com');
    }
  });

  it('arguments sent as a JSON string are read too', () => {
    expect(caller({}, { lines: [say.tool('book', JSON.stringify({ callerPhone: '2025550100' }))] })).toEqual(WASHINGTON);
  });

  it('metadata wins over tool arguments', () => {
    expect(caller({ email: 'ana@example.com' }, { lines: [say.tool('book', { phone: '+12025550100' })] })?.kind).toBe('email');
  });

  it('ignores other keys, invalid numbers, and arguments nested too deep', () => {
    expect(caller({}, { lines: [say.tool('send_sms', { to: '+12025550100', phone: '+1 555 0100' })] })).toBeNull();
    const deep = { a: { b: { c: { d: { e: { f: { phone: '+12025550100' } } } } } } };
    expect(caller({}, { lines: [say.tool('book', deep)] })).toBeNull();
    const reachable = { a: { b: { c: { d: { phone: '+12025550100' } } } } };
    expect(caller({}, { lines: [say.tool('book', reachable)] })).toEqual(WASHINGTON);
  });

  it('survives arguments that are not JSON', () => {
    const facts = session({}, []);
    facts.messages.push({ role: 'tool', content: 'x', toolName: 'book', toolArguments: '{not json', toolError: null, fileCount: 0 });
    facts.messages.push({ role: 'tool', content: 'x', toolName: 'book', toolArguments: '{"phone":"+12025550100"}', toolError: null, fileCount: 0 });
    expect(identifyCaller(facts, US, null)).toEqual(WASHINGTON);
  });

  it('nothing anywhere: null', () => {
    expect(caller({ sessionMode: 'text' }, { lines: [say.caller('hello'), say.tool('menu_search', { query: 'gluten-free' })] })).toBeNull();
  });
});

describe('defaultCountryFromLocale', () => {
  it('is the region of the locale', () => {
    expect(defaultCountryFromLocale('en-GB')).toBe('GB');
    expect(defaultCountryFromLocale('de')).toBe('DE');
    expect(defaultCountryFromLocale('pt-BR')).toBe('BR');
    expect(defaultCountryFromLocale('en')).toBe('US');
  });

  it('is null when the locale names no country', () => {
    expect(defaultCountryFromLocale('es-419')).toBeNull(); // Latin America: a region, not a country
    expect(defaultCountryFromLocale('not a locale!')).toBeNull();
  });

  it("without an argument, this computer's locale", () => {
    const expected = new Intl.Locale(Intl.DateTimeFormat().resolvedOptions().locale).maximize().region ?? null;
    expect(defaultCountryFromLocale()).toBe(expected !== null && /^[A-Z]{2}$/.test(expected) ? expected : null);
  });
});
