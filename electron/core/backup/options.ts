/**
 * The backup settings people type (`serve --backup-schedule`, `--backup-keep`), parsed with errors
 * that name the option and show a good value, and described back in words for the banner.
 */
import { ConfigError } from '../config.js';
import { DEFAULT_KEEP, type KeepPolicy } from './rotation.js';
import { DEFAULT_SCHEDULE, type BackupSchedule } from './scheduler.js';

/** "daily" (every 24 hours after the last good one), "6h" (every 6 hours), "02:30" (each day at that local time) or "off". */
export function parseBackupSchedule(text: string): BackupSchedule {
  const value = text.trim().toLowerCase();
  if (value === 'off') return 'off';
  if (value === 'daily') return DEFAULT_SCHEDULE;
  const hours = /^(\d{1,3})h$/.exec(value);
  if (hours && Number(hours[1]) >= 1 && Number(hours[1]) <= 168) return { everyHours: Number(hours[1]) };
  if (/^([01]\d|2[0-3]):[0-5]\d$/.test(value)) return { at: value };
  throw new ConfigError(`--backup-schedule: "${text}" is not daily, a number of hours from 1h to 168h, a time like 02:30, or off`);
}

/** "7,4,12": daily, weekly and monthly backups to keep (each 0–1000; the newest good one is always kept). */
export function parseBackupKeep(text: string): KeepPolicy {
  const parts = text.split(',').map((part) => part.trim());
  const numbers = parts.map(Number);
  if (parts.length !== 3 || parts.some((part) => !/^\d{1,4}$/.test(part)) || numbers.some((n) => n > 1000)) {
    throw new ConfigError(`--backup-keep: "${text}" is not three whole numbers for daily,weekly,monthly backups (example: ${DEFAULT_KEEP.daily},${DEFAULT_KEEP.weekly},${DEFAULT_KEEP.monthly})`);
  }
  const [daily, weekly, monthly] = numbers as [number, number, number];
  return { daily, weekly, monthly };
}

/** The banner's Backups line. */
export function describeBackups(folder: string, schedule: BackupSchedule = DEFAULT_SCHEDULE, keep: KeepPolicy = DEFAULT_KEEP): string {
  const when =
    schedule === 'off'
      ? 'only when asked (--backup-schedule off)'
      : 'at' in schedule
        ? `each day at ${schedule.at}`
        : schedule.everyHours === 24
          ? 'daily'
          : `every ${schedule.everyHours} hours`;
  return `${when}, verified, into ${folder}; keeping ${keep.daily} daily, ${keep.weekly} weekly, ${keep.monthly} monthly`;
}
