/** Damages a file the way a failing disk would: bytes in its middle overwritten. */
import { closeSync, openSync, statSync, writeSync } from 'node:fs';

export function corrupt(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, Buffer.alloc(8192, 0x5a), 0, 8192, Math.floor(statSync(file).size / 2 / 4096) * 4096);
  } finally {
    closeSync(fd);
  }
}
