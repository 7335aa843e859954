/** A secret as the banner shows it: enough to recognise it, not enough to use it. */
export function mask(secret: string): string {
  return secret.length <= 4 ? '••••' : `${secret.slice(0, 2)}••••${secret.slice(-2)}`;
}
