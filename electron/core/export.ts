/**
 * Writes an export of the archive to a stream. The store renders sessions page by page on its
 * reader (from the raw event bodies, the source of truth, so an export holds exactly what
 * CallAIder sent, unknown fields included); this only frames them, so an archive of any size
 * exports in bounded memory and the thread that calls it never runs a query.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { ExportFormat } from '../../shared/export-format.js';
import { csvHeader } from '../../shared/export-render.js';
import type { ArchiveStore } from './archive/store.js';

export class SessionNotFoundError extends Error {}

const PAGE = 200;

/** Writes an export in `format` to `out`; resolves with the number of sessions written. */
export async function writeExport(store: ArchiveStore, out: Writable, options: { format: ExportFormat; sessionId?: string | undefined; mask?: boolean | undefined; before?: number | undefined }): Promise<number> {
  const write = async (chunk: string) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  let page = await store.exportSessions({ format: options.format, sessionId: options.sessionId, mask: options.mask, before: options.before, limit: PAGE });
  if (options.sessionId !== undefined && page.items.length === 0) throw new SessionNotFoundError(`no session "${options.sessionId}" in the archive`);
  let count = 0;
  if (options.format === 'json') await write('{"sessions":[');
  if (options.format === 'csv') await write(csvHeader());
  for (;;) {
    for (const item of page.items) {
      await write(separator(options.format, count) + item + (options.format === 'ndjson' ? '\n' : ''));
      count += 1;
    }
    if (page.nextAfterId === null) break;
    page = await store.exportSessions({ format: options.format, sessionId: options.sessionId, mask: options.mask, before: options.before, afterId: page.nextAfterId, limit: PAGE });
  }
  if (options.format === 'json') await write(count === 0 ? ']}\n' : '\n]}\n');
  return count;
}

function separator(format: ExportFormat, index: number): string {
  if (format === 'json') return index === 0 ? '\n' : ',\n';
  if (format === 'md') return index === 0 ? '' : '\n---\n\n';
  return '';
}
