/**
 * Re-verification of quarantined deliveries: a user who had a mistyped secret enters the right
 * one, and every quarantined body whose signature matches it is stored as if it had just arrived
 * (card numbers and security codes replaced first, as the receiver does). A body whose card data
 * was already masked when it was quarantined no longer matches any signature: it stays quarantined.
 */
import { checkPayload } from '../../shared/payload.js';
import type { ArchiveStore } from './archive/store.js';
import { redactBody } from './redaction/index.js';
import { parseJsonSafely } from './safe-json.js';
import { verifySignature } from './signature.js';

export interface ReverifySummary {
  checked: number;
  stored: number;
  duplicates: number;
  /** Still failing, kept in quarantine. */
  kept: number;
}

/** Quarantined bodies read per page: they can be megabytes each. */
const PAGE = 20;

export async function reverifyQuarantine(
  store: ArchiveStore,
  secret: string,
  options: { ids?: number[] | undefined; redactCards?: boolean | undefined } = {},
): Promise<ReverifySummary> {
  const summary: ReverifySummary = { checked: 0, stored: 0, duplicates: 0, kept: 0 };
  const released: number[] = [];
  const wanted = options.ids ? new Set(options.ids) : null;
  for await (const entry of quarantined(store)) {
    if (wanted && !wanted.has(entry.id)) continue;
    if (entry.failure !== 'signature') continue;
    summary.checked += 1;
    const verdict = verifySignature(entry.body, entry.signatureHeader ?? undefined, { current: secret });
    const parsed = verdict.ok ? parseJsonSafely(entry.body) : null;
    const redacted = parsed?.ok ? (options.redactCards === false ? { value: parsed.value, body: entry.body, redactions: 0 } : redactBody(parsed.value, entry.body)) : null;
    const checked = redacted ? checkPayload(redacted.value) : null;
    if (!redacted || checked?.kind !== 'known') {
      summary.kept += 1;
      continue;
    }
    const { duplicate } = await store.ingest({ payload: checked.payload, body: redacted.body, redactions: redacted.redactions, source: 'reverify', receivedAt: entry.receivedAt });
    if (duplicate) summary.duplicates += 1;
    else summary.stored += 1;
    released.push(entry.id);
  }
  if (released.length > 0) await store.releaseFromQuarantine(released);
  return summary;
}

async function* quarantined(store: ArchiveStore) {
  let afterId = 0;
  for (;;) {
    const page = await store.listQuarantine({ afterId, limit: PAGE });
    yield* page;
    if (page.length < PAGE) return;
    afterId = page[page.length - 1]!.id;
  }
}
