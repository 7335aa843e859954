/**
 * Re-verification of quarantined deliveries: a user who had a mistyped secret enters the right
 * one, and every quarantined body whose signature matches it is stored as if it had just arrived.
 */
import { checkPayload } from '../../shared/payload.js';
import type { Archive } from './archive/archive.js';
import { parseJsonSafely } from './safe-json.js';
import { verifySignature } from './signature.js';

export interface ReverifySummary {
  checked: number;
  stored: number;
  duplicates: number;
  /** Still failing, kept in quarantine. */
  kept: number;
}

export async function reverifyQuarantine(archive: Archive, secret: string, options: { ids?: number[] } = {}): Promise<ReverifySummary> {
  const summary: ReverifySummary = { checked: 0, stored: 0, duplicates: 0, kept: 0 };
  const released: number[] = [];
  const wanted = options.ids ? new Set(options.ids) : null;
  for (const entry of archive.listQuarantine()) {
    if (wanted && !wanted.has(entry.id)) continue;
    if (entry.failure !== 'signature') continue;
    summary.checked += 1;
    const verdict = verifySignature(entry.body, entry.signatureHeader ?? undefined, { current: secret });
    const parsed = verdict.ok ? parseJsonSafely(entry.body) : null;
    const checked = parsed?.ok ? checkPayload(parsed.value) : null;
    if (checked?.kind !== 'known') {
      summary.kept += 1;
      continue;
    }
    const { duplicate } = await archive.ingest({ payload: checked.payload, body: entry.body, source: 'reverify', receivedAt: entry.receivedAt });
    if (duplicate) summary.duplicates += 1;
    else summary.stored += 1;
    released.push(entry.id);
  }
  if (released.length > 0) await archive.releaseFromQuarantine(released);
  return summary;
}
