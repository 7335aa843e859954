/** The alert for a call the triage rules flagged: its reason, its caller, their first words. */
import type { Alert } from '../../../shared/follow-up.js';
import type { StoreReads } from '../archive/store.js';
import { followUpWording } from './wording.js';

export type FollowUpReads = Pick<StoreReads, 'getSession' | 'getFollowUp'>;

/** Only whether the session is stale depends on it, and a session that just ended is not. */
const STALE_AFTER_MS = 24 * 60 * 60_000;

/** The alert's title and body for a session, or null when it is gone (deleted meanwhile). */
export async function followUpAlertContent(store: FollowUpReads, sessionId: string): Promise<Pick<Alert, 'title' | 'body'> | null> {
  const [session, followUp] = await Promise.all([store.getSession(sessionId, STALE_AFTER_MS), store.getFollowUp(sessionId)]);
  if (!session) return null;
  return followUpWording({ reasons: followUp?.reasons ?? [], mode: session.mode, caller: session.caller, firstUserLine: session.firstUserLine });
}
