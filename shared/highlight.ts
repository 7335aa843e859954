/**
 * Search snippets mark matches with these two control characters (they cannot occur in what
 * people type). Kept apart from the API contract so the archive's reader thread can use them
 * without loading the contract's schemas.
 */
export const HIGHLIGHT_START = '\u0002';
export const HIGHLIGHT_END = '\u0003';
