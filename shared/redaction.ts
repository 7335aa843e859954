/**
 * How the window and the exports say that card data was removed: calmly, as something the archive
 * did on purpose, not as an error.
 */
export function redactionNote(count: number): string | null {
  if (!(count > 0)) return null;
  return count === 1
    ? '1 card number or security code was removed before storing.'
    : `${count} card numbers and security codes were removed before storing.`;
}
