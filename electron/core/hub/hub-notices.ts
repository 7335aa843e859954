/**
 * Which of the hub's live changes become notifications on this computer, in the same terms as the
 * local engine's: an ended call (with whether the rules flagged it, so a flagged call is told once,
 * by its follow-up alert) and the hub's follow-up alerts. The hub's own operational alerts (its
 * daily summary, refused deliveries, quiet periods) are for whoever runs the hub, not every desk.
 */
import type { ArchiveChange, SessionDetail } from '../../../shared/api.js';
import type { Alert } from '../../../shared/follow-up.js';

export interface ProjectedCallNotice {
  sessionId: string;
  event: string;
  attention: { followUp: boolean; notify: boolean };
}

export type HubNotice = { kind: 'call'; call: ProjectedCallNotice } | { kind: 'alert'; alert: Alert };

export async function hubNotice(change: ArchiveChange, getSession: (sessionId: string) => Promise<SessionDetail | null>): Promise<HubNotice | null> {
  if (change.type === 'alert') return change.alert.kind === 'follow-up' || change.alert.kind === 'ended' ? { kind: 'alert', alert: change.alert } : null;
  if (change.type !== 'session' || change.duplicate) return null;
  if (change.event !== 'session.ended' && change.event !== 'session.started') return null;
  const session = change.event === 'session.ended' ? await getSession(change.sessionId).catch(() => null) : null;
  const flagged = session?.followUpState === 'follow-up';
  return { kind: 'call', call: { sessionId: change.sessionId, event: change.event, attention: { followUp: flagged, notify: false } } };
}
