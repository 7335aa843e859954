/**
 * "scheme://host" of a URL. WHATWG URL reports the origin of custom schemes (app://) as "null",
 * so origins are compared by scheme and host instead.
 */
export function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return null;
  }
}

/** Where the archive window's page comes from (a privileged custom scheme, see app-protocol.ts). */
export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://archive`;
