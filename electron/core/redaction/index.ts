/**
 * Card data never stored: payment card numbers and the security codes spoken near them are
 * replaced in a payload after its signature was checked and before the archive keeps anything.
 */
export { findCards, luhnValid, maskedCard } from './cards.js';
export { MASKED_CODE } from './security-codes.js';
export { redactText, type RedactedText } from './text.js';
export { redactPayload, type RedactionCount } from './payload.js';
export { redactBody, redactQuarantined, type RedactedBody } from './body.js';
export { maskContacts, maskContactsInText } from '../../../shared/contact-mask.js';
