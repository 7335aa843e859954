/**
 * What the engine's alert centre offers its hosts (the desktop turns alerts into notifications,
 * `serve` logs them, the window lists them) and what it needs from the engine.
 */
import type { EventEmitter } from 'node:events';
import type { ArchiveStatus } from '../../../shared/api.js';
import type { Alert } from '../../../shared/follow-up.js';

export type AlertWarning = ArchiveStatus['warnings'][number] & { code: 'refusing' | 'quiet' };

export interface AlertFeed extends Pick<EventEmitter<{ alert: [Alert] }>, 'on' | 'off'> {
  /** The newest alerts, newest first (at most 50). */
  recent(): Alert[];
  /** Conditions that last (refusals, a quiet period) while they last. */
  warnings(now: number): AlertWarning[];
}
