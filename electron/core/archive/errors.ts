/**
 * The archive's errors. They cross thread boundaries by name (see sqlite/threads/op-thread.ts),
 * so the receiver can still tell "could not commit" (503, CallAIder retries) from anything else.
 */

/** The archive could not commit: disk full, I/O error, read-only, closed. The sender should retry. */
export class CommitError extends Error {
  override name = 'CommitError';
  constructor(cause: unknown) {
    super(`archive could not commit: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export class BadCursorError extends Error {
  override name = 'BadCursorError';
}

export class ArchiveVersionError extends Error {
  override name = 'ArchiveVersionError';
}

/** Something the request names is not in the archive (a session, a note, a tag, a rule). */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** The thing changed meanwhile (another window, another person): the message says what to do. */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

/** An edit the archive refuses as asked (someone else's note, a duplicate tag name, deleting a built-in rule). */
export class InvalidEditError extends Error {
  override name = 'InvalidEditError';
}

/**
 * The archive did not open with the key given: it is encrypted and no key (or the wrong one) was
 * given, or a key was given for an archive that is not encrypted. Nothing was created or changed.
 */
export class ArchiveKeyError extends Error {
  override name = 'ArchiveKeyError';
}

/** Rebuilds an error that crossed a thread boundary as its own class, where it is one of ours. */
export function reviveError(error: { name: string; message: string; code?: string | undefined }): Error {
  if (error.name === 'CommitError') return Object.assign(new CommitError(new Error(error.message.replace(/^archive could not commit: /, ''))));
  if (error.name === 'BadCursorError') return new BadCursorError(error.message);
  if (error.name === 'ArchiveVersionError') return new ArchiveVersionError(error.message);
  if (error.name === 'NotFoundError') return new NotFoundError(error.message);
  if (error.name === 'ConflictError') return new ConflictError(error.message);
  if (error.name === 'ArchiveKeyError') return new ArchiveKeyError(error.message);
  if (error.name === 'InvalidEditError') return new InvalidEditError(error.message);
  return Object.assign(new Error(error.message), error.code === undefined ? {} : { code: error.code });
}
