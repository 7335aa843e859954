/**
 * PostgreSQL's `text` refuses U+0000 (its strings are NUL-terminated inside the server), so a
 * message, a metadata string or a tool error holding one would fail the whole ingest, and
 * CallAIder's delivery would be refused over one invisible character. The received event is kept
 * byte-exact in events.body (bytea), and exports are rendered from it; only the projected
 * columns (what lists, views and search read) get U+FFFD, the character Unicode reserves for
 * "a character that could not be represented", in its place. It is a separator to search on
 * both stores, like NUL.
 */
export function storableText(text: string): string;
export function storableText(text: string | null): string | null;
export function storableText(text: string | null): string | null {
  return text === null || !text.includes('\u0000') ? text : text.replaceAll('\u0000', '\uFFFD');
}
