/**
 * NDJSON files (exports, hub backups) read a line at a time: a big archive's export is hundreds of
 * megabytes, more than one JavaScript string may hold, so it is never read whole.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

export function isGzip(head: Buffer, read: number): boolean {
  return read >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

function gzipped(file: string): boolean {
  const head = Buffer.alloc(2);
  const fd = openSync(file, 'r');
  try {
    return isGzip(head, readSync(fd, head, 0, 2, 0));
  } finally {
    closeSync(fd);
  }
}

/** Each non-empty line with its line number, read as a stream (gunzipped on the way when it is gzipped). */
export async function* ndjsonLines(file: string): AsyncGenerator<{ line: number; text: string }> {
  const raw = createReadStream(file);
  const input = gzipped(file) ? raw.pipe(createGunzip()) : raw;
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() !== '') yield { line, text };
  }
}
