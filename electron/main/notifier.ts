/**
 * Native notifications: "a call ended" (on by default) and "a call started" (off by default),
 * both silenced by Pause. Clicking one opens that session's transcript.
 */
import type { Notification as NotificationType, NotificationConstructorOptions } from 'electron';
import { formatDuration } from '../../shared/export-format.js';
import type { SessionDetail } from '../../shared/api.js';

export interface NotifierDeps {
  Notification: (new (options: NotificationConstructorOptions) => NotificationType) & { isSupported(): boolean };
  preferences: () => { notifyOnEnded: boolean; notifyOnStarted: boolean; notificationsPaused: boolean };
  getSession: (sessionId: string) => Promise<SessionDetail | null>;
  openSession: (sessionId: string) => void;
}

const BODY_MAX = 140;
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

  async onProjected(events: Array<{ sessionId: string; event: string }>): Promise<void> {
    const prefs = this.deps.preferences();
    if (prefs.notificationsPaused || !this.deps.Notification.isSupported()) return;
    for (const { sessionId, event } of events) {
      if (event === 'session.ended' && prefs.notifyOnEnded) await this.show(sessionId, 'ended');
      if (event === 'session.started' && prefs.notifyOnStarted) await this.show(sessionId, 'started');
    }
  }

  private async show(sessionId: string, kind: 'ended' | 'started'): Promise<void> {
    const session = await this.deps.getSession(sessionId);
    if (!session) return;
    const notification = new this.deps.Notification(kind === 'ended' ? endedContent(session) : startedContent(session));
    this.keep(notification);
    notification.on('click', () => {
      this.drop(notification);
      this.deps.openSession(sessionId);
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
    body: truncate(session.firstUserLine ?? 'The caller said nothing.', BODY_MAX),
  };
}

export function startedContent(session: SessionDetail): NotificationConstructorOptions {
  return { title: session.mode === 'text' ? 'A chat started' : 'A call started', body: 'Its transcript arrives when it ends.' };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
