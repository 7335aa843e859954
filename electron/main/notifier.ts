/**
 * Native notifications. Ended calls follow the owner's choice (notifyCalls): every one, only those
 * the triage rules flagged, or none; "a call started" is off by default; the engine's alerts (the
 * daily summary, refused deliveries, a quiet period) are shown too. Pause silences them all.
 * Clicking one opens that session, or the window where the alert's cause is fixed.
 */
import type { Notification as NotificationType, NotificationConstructorOptions } from 'electron';
import { formatDuration } from '../../shared/export-format.js';
import type { SessionDetail } from '../../shared/api.js';
import type { Alert } from '../../shared/follow-up.js';
import type { Settings } from '../../shared/settings.js';
import { callBody } from '../core/alerts/wording.js';

export type NotificationPreferences = Pick<Settings, 'notifyCalls' | 'notifyOnStarted' | 'notificationsPaused'>;

export interface NotifierDeps {
  Notification: (new (options: NotificationConstructorOptions) => NotificationType) & { isSupported(): boolean };
  preferences: () => NotificationPreferences;
  getSession: (sessionId: string) => Promise<SessionDetail | null>;
  openSession: (sessionId: string) => void;
  /** Shows the window, at a route of it ('#/setup') or where it was. */
  openWindow: (route?: string) => void;
}

/** A projected event as the notifier needs it (the triage rules' conclusion included). */
export interface ProjectedCall {
  sessionId: string;
  event: string;
  attention?: { followUp: boolean; notify: boolean } | undefined;
}

/** Where a click on an alert without a session leads: to where its cause is fixed. */
const ALERT_ROUTES: Partial<Record<Alert['kind'], string>> = { refusals: '#/setup', quiet: '#/setup' };

/**
 * Shown notifications must stay referenced, or their click handlers can be collected. But 'close'
 * is not guaranteed (a notification the OS files away in its notification centre may never say),
 * so a reference is also dropped on click and 'failed', after KEEP_MS, and beyond the newest KEEP_MAX.
 */
export const KEEP_MS = 60 * 60_000;
export const KEEP_MAX = 20;

export class Notifier {
  /** In the order shown (a Map iterates in insertion order), with the timer that drops each. */
  private readonly shown = new Map<NotificationType, ReturnType<typeof setTimeout>>();

  constructor(private readonly deps: NotifierDeps) {}

  /**
   * Calls that became visible. A call the rules flagged is notified through its 'follow-up'
   * alert (worded with its reason), so it is skipped here: one notification per call.
   */
  async onProjected(events: ProjectedCall[]): Promise<void> {
    const prefs = this.deps.preferences();
    if (prefs.notificationsPaused || !this.deps.Notification.isSupported()) return;
    for (const { sessionId, event, attention } of events) {
      const flagged = Boolean(attention?.followUp || attention?.notify);
      if (event === 'session.ended' && prefs.notifyCalls === 'all' && !flagged) await this.showSession(sessionId, endedContent);
      if (event === 'session.started' && prefs.notifyOnStarted) await this.showSession(sessionId, startedContent);
    }
  }

  /** An alert from the engine: flagged calls by the notifyCalls choice, the others always (unless paused). */
  onAlert(alert: Alert): void {
    const prefs = this.deps.preferences();
    if (prefs.notificationsPaused || !this.deps.Notification.isSupported()) return;
    if (!alertWanted(alert, prefs)) return;
    const { sessionId } = alert;
    this.show({ title: alert.title, body: alert.body }, () => (sessionId ? this.deps.openSession(sessionId) : this.deps.openWindow(ALERT_ROUTES[alert.kind])));
  }

  private async showSession(sessionId: string, content: (session: SessionDetail) => NotificationConstructorOptions): Promise<void> {
    const session = await this.deps.getSession(sessionId);
    if (!session) return;
    this.show(content(session), () => this.deps.openSession(sessionId));
  }

  private show(content: NotificationConstructorOptions, open: () => void): void {
    const notification = new this.deps.Notification(content);
    this.keep(notification);
    notification.on('click', () => {
      this.drop(notification);
      open();
    });
    notification.on('close', () => this.drop(notification));
    notification.on('failed', () => this.drop(notification));
    notification.show();
  }

  /** How many notifications are still referenced (for tests). */
  get keptCount(): number {
    return this.shown.size;
  }

  private keep(notification: NotificationType): void {
    const timer = setTimeout(() => this.drop(notification), KEEP_MS);
    timer.unref?.();
    this.shown.set(notification, timer);
    for (const oldest of this.shown.keys()) {
      if (this.shown.size <= KEEP_MAX) break;
      this.drop(oldest);
    }
  }

  private drop(notification: NotificationType): void {
    clearTimeout(this.shown.get(notification));
    this.shown.delete(notification);
  }
}

export function endedContent(session: SessionDetail): NotificationConstructorOptions {
  const what = session.mode === 'text' ? 'Chat ended' : 'Call ended';
  const reason = session.reason ? session.reason.replace(/_/g, ' ') : 'no reason given';
  const errors = session.toolErrorCount > 0 ? ` · ${session.toolErrorCount} tool error${session.toolErrorCount === 1 ? '' : 's'}` : '';
  return {
    title: `${what} · ${formatDuration(session.durationSeconds)} · ${reason}${errors}`,
    body: callBody(session.caller, session.firstUserLine),
  };
}

export function startedContent(session: SessionDetail): NotificationConstructorOptions {
  return { title: session.mode === 'text' ? 'A chat started' : 'A call started', body: 'Its transcript arrives when it ends.' };
}

/** Whether the owner's choice lets an alert through (pausing is checked before). */
export function alertWanted(alert: Pick<Alert, 'kind'>, prefs: NotificationPreferences): boolean {
  switch (alert.kind) {
    case 'follow-up':
      return prefs.notifyCalls !== 'none';
    case 'ended':
      return prefs.notifyCalls === 'all';
    case 'summary':
    case 'refusals':
    case 'quiet':
      return true;
  }
}
