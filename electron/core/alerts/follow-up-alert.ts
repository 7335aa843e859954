/** The alerts for calls the triage rules flagged: each its reason, its caller, their first words. */
import type { Alert } from '../../../shared/follow-up.js';
import type { StoreReads } from '../archive/store.js';
import { followUpWording } from './wording.js';

export type FollowUpReads = Pick<StoreReads, 'flaggedCalls'>;

/**
 * Titles and bodies for a batch's flagged calls, read at once: every hub alerts for every call, and
 * a read per call on each hub cost more than storing it. Sessions gone meanwhile are left out.
 */
export async function followUpAlertContents(store: FollowUpReads, sessionIds: string[]): Promise<Array<Pick<Alert, 'title' | 'body'> & { sessionId: string }>> {
  if (sessionIds.length === 0) return [];
  const calls = await store.flaggedCalls(sessionIds);
  return calls.map((call) => ({ sessionId: call.sessionId, ...followUpWording(call) }));
}
