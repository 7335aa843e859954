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

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How long ago, compact: "just now", "5 min", "2 h", "3 days", "5 weeks". */
export function formatAge(ms: number, now = Date.now()): string {
  const age = Math.max(0, now - ms);
  if (age < MINUTE) return 'just now';
  if (age < HOUR) return `${Math.floor(age / MINUTE)} min`;
  if (age < DAY) return `${Math.floor(age / HOUR)} h`;
  const days = Math.floor(age / DAY);
  if (days < 14) return `${days} day${days === 1 ? '' : 's'}`;
  if (days < 60) return `${Math.floor(days / 7)} weeks`;
  return `${Math.floor(days / 30)} months`;
}

/** The first reason in words, and how many more there are: "Booking failed: timeout +1 more". */
export function reasonSummary(reasons: ReadonlyArray<{ text: string }>): string {
  if (reasons.length === 0) return 'Marked to follow up';
  return reasons.length === 1 ? reasons[0]!.text : `${reasons[0]!.text} +${reasons.length - 1} more`;
}

export function priorityLabel(priority: 'low' | 'normal' | 'high'): string {
  return priority === 'high' ? 'High' : priority === 'low' ? 'Low' : 'Normal';
}

/** "3 calls this week" / "4 calls this month" for a caller who called before; null for a first call. */
export function returningText(caller: { calls7d: number; calls30d: number }): string | null {
  if (caller.calls7d > 1) return `${caller.calls7d} calls this week`;
  if (caller.calls30d > 1) return `${caller.calls30d} calls this month`;
  return null;
}

/** The link that calls or writes to a caller, or null when their identity is neither. */
export function callerHref(caller: { key: string; kind: 'phone' | 'email' | 'other' }): string | null {
  if (caller.kind === 'phone' && caller.key.startsWith('tel:')) return caller.key;
  if (caller.kind === 'email' && caller.key.startsWith('mailto:')) return caller.key;
  return null;
}

/** The snooze choices: in an hour, tomorrow at 9:00, next Monday at 9:00 (local time). */
export function snoozeChoices(now = Date.now()): Array<{ label: string; until: number }> {
  const tomorrow = new Date(now);
  tomorrow.setDate(tomorrow.getDate() + 1);
  tomorrow.setHours(9, 0, 0, 0);
  const monday = new Date(now);
  // Days until the next Monday: 1..7 (on a Monday, the one a week later).
  monday.setDate(monday.getDate() + (((8 - monday.getDay()) % 7) || 7));
  monday.setHours(9, 0, 0, 0);
  return [
    { label: '1 hour', until: now + HOUR },
    { label: 'Tomorrow 9:00', until: tomorrow.getTime() },
    { label: 'Next Monday 9:00', until: monday.getTime() },
  ];
}
