/** Display formatting: times are stored in UTC and shown in the user's local time. */
export { formatDuration, formatOffset } from '../../shared/export-format';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateTimeSeconds = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const dayOnly = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const number = new Intl.NumberFormat();

export function localDateTime(value: string | number | null | undefined, seconds = false): string {
  if (value === null || value === undefined) return '–';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return (seconds ? dateTimeSeconds : dateTime).format(date);
}

export function utcTitle(value: string | number | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : `${date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`;
}

/** "14:05" for today, "Mar 3, 14:05" otherwise: the list's compact time. */
export function listTime(ms: number, now = Date.now()): string {
  const date = new Date(ms);
  const today = new Date(now);
  const sameDay = date.toDateString() === today.toDateString();
  return sameDay ? timeOnly.format(date) : `${dayOnly.format(date)}, ${timeOnly.format(date)}`;
}

export function formatCount(n: number): string {
  return number.format(n);
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function humanReason(reason: string | null): string {
  if (!reason) return 'no reason given';
  return reason.replace(/_/g, ' ');
}

/** Pretty-prints stored JSON text; falls back to the text itself. */
export function prettyJson(text: string | null): string {
  if (text === null) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
