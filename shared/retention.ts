/**
 * Retention: how long sessions are kept before they are erased. Shared by the engine, the CLI and
 * the window, so every side names the periods and computes the cutoff the same way.
 */
import { z } from 'zod';

export const RETENTION_PERIODS = ['off', '90d', '6m', '1y', '2y', '3y', '5y', '7y'] as const;
export type RetentionPeriod = (typeof RETENTION_PERIODS)[number];
export const retentionPeriodSchema = z.enum(RETENTION_PERIODS);

export const RETENTION_LABELS: Record<RetentionPeriod, string> = {
  off: 'Keep everything',
  '90d': '90 days',
  '6m': '6 months',
  '1y': '1 year',
  '2y': '2 years',
  '3y': '3 years',
  '5y': '5 years',
  '7y': '7 years',
};

export function isRetentionPeriod(value: string): value is RetentionPeriod {
  return (RETENTION_PERIODS as readonly string[]).includes(value);
}

/**
 * Sessions that started before this instant (epoch ms) are past the period; null when retention is
 * off. Months and years are calendar ones in UTC (a year back from 29 February is 1 March), so the
 * window's preview and the scheduler's run agree to the millisecond for the same `now`.
 */
export function retentionCutoff(period: RetentionPeriod, now: number): number | null {
  if (period === 'off') return null;
  if (period === '90d') return now - 90 * 86_400_000;
  const date = new Date(now);
  if (period === '6m') date.setUTCMonth(date.getUTCMonth() - 6);
  else date.setUTCFullYear(date.getUTCFullYear() - Number(period.slice(0, -1)));
  return date.getTime();
}

export const ERASURE_KINDS = ['session', 'caller', 'retention'] as const;
export type ErasureKind = (typeof ERASURE_KINDS)[number];

/** That an erasure happened: never which sessions, nor anything they held. */
export interface ErasureRecord {
  id: number;
  startedAt: number;
  kind: ErasureKind;
  /** Sessions erased (retention: in this run). */
  sessions: number;
  /** Who asked: the person at the computer, or "retention" for the scheduled runs. */
  actor: string;
  /** When their traces were gone too (search index rewritten, write-ahead log emptied); null if cut short. */
  finishedAt: number | null;
}

export interface RetentionPreview {
  period: RetentionPeriod;
  /** Sessions that started before this are erased (null: retention off). */
  cutoff: number | null;
  /** How many sessions a run now would erase. */
  sessions: number;
  /** The oldest session that would be kept (its start, epoch ms), null when none would be. */
  oldestKeptAt: number | null;
}

export interface RetentionView {
  /** The period saved in the archive. */
  period: RetentionPeriod;
  /** For the period asked about (default: the saved one), computed now. */
  preview: RetentionPreview;
  /** The newest erasures, newest first, and how many there were in all. */
  erasures: ErasureRecord[];
  erasureCount: number;
}
