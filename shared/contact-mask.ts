/**
 * Phone numbers and e-mail addresses made unreadable: in an export that leaves the practice
 * (`export --mask`: sent to a vendor, attached to a support ticket) and on screen (the window's
 * "Hide contact details", for a front desk where callers and screen-shares can see the screen).
 * A phone number keeps its last two digits and its shape ("+• •••-•••-••34"), an address its first
 * letter and its domain ("j•••@example.com"): enough to tell two callers apart, not enough to call
 * or write to them. Pure, and applied to strings (not to rendered JSON, whose numbers and
 * timestamps must stay numbers).
 */

const EMAIL = /(?<![\p{L}\p{N}._%+-])([\p{L}\p{N}])[\p{L}\p{N}._%+-]*@((?:[\p{L}\p{N}-]+\.)+\p{L}{2,})/gu;
/** Digits with the separators people write phone numbers with; 7 to 15 digits (E.164's longest). */
const PHONE = /(?<![\p{L}\p{N}•])\+?\(?\d(?:[ ().-]{0,2}\d){6,14}(?![\p{L}\p{N}])/gu;
/** Dates are digits with separators too: 2026-05-28, 28.05.2026, 05/28/2026. */
const DATE = /\d{4}-\d{2}-\d{2}|^\d{1,2}[./]\d{1,2}[./]\d{2,4}$/;

export function maskContactsInText(text: string): string {
  if (!/\d|@/.test(text)) return text;
  return text.replace(EMAIL, (_whole, first: string, domain: string) => `${first}•••@${domain}`).replace(PHONE, (phone) => {
    if (DATE.test(phone)) return phone;
    const digits = phone.replace(/\D/g, '').length;
    let seen = 0;
    return phone.replace(/\d/g, (digit) => (++seen > digits - 2 ? digit : '•'));
  });
}

/**
 * Every string in `value`, at any depth, masked in place (the caller's own copy, fresh from
 * JSON.parse), iteratively: exports may be nested 100,000 levels deep.
 */
export function maskContacts<T>(value: T): T {
  if (typeof value === 'string') return maskContactsInText(value) as T;
  if (value === null || typeof value !== 'object') return value;
  const stack: object[] = [value];
  while (stack.length > 0) {
    const container = stack.pop() as Record<string, unknown>;
    for (const key of Object.keys(container)) {
      const item = container[key];
      if (typeof item === 'string') container[key] = maskContactsInText(item);
      else if (item !== null && typeof item === 'object') stack.push(item);
    }
  }
  return value;
}
