/**
 * What alerts and notifications say, in one place: the engine's alert centre, the desktop
 * notifications and `serve`'s log lines all word a call, a caller and a summary the same way.
 * Pure functions of their arguments (tested without a store or a clock).
 */
import type { CallerRef, FollowUpReason, PeriodSummary } from '../../../shared/follow-up.js';

/** The longest first words shown (notification centres cut longer bodies anyway). */
export const FIRST_WORDS_MAX = 140;

export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

/** 1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st, 22nd. */
export function ordinal(n: number): string {
  const lastTwo = n % 100;
  if (lastTwo >= 11 && lastTwo <= 13) return `${n}th`;
  switch (n % 10) {
    case 1:
      return `${n}st`;
    case 2:
      return `${n}nd`;
    case 3:
      return `${n}rd`;
    default:
      return `${n}th`;
  }
}

/** How often this caller called: "first call", "first call this week", "3rd call this week". */
export function callFrequency(caller: Pick<CallerRef, 'calls7d' | 'calls30d'>): string {
  if (caller.calls7d <= 1) return caller.calls30d <= 1 ? 'first call' : 'first call this week';
  return `${ordinal(caller.calls7d)} call this week`;
}

/** "+1 202-555-0100 · 3rd call this week", or null when the caller is unknown. */
export function callerLine(caller: CallerRef | null): string | null {
  return caller ? `${caller.label} · ${callFrequency(caller)}` : null;
}

/** A follow-up's title: its first reason, and how many more there are. */
export function reasonTitle(reasons: Array<Pick<FollowUpReason, 'text'>>, mode: string | null): string {
  const [first, ...more] = reasons;
  if (!first) return mode === 'text' ? 'Chat to follow up' : 'Call to follow up';
  return more.length > 0 ? `${first.text} (+${more.length} more)` : first.text;
}

export function firstWords(line: string | null): string {
  const text = (line ?? '').replace(/\s+/g, ' ').trim();
  if (text === '') return 'The caller said nothing.';
  return text.length <= FIRST_WORDS_MAX ? text : `${text.slice(0, FIRST_WORDS_MAX - 1)}…`;
}

export interface CallWordingInput {
  reasons: Array<Pick<FollowUpReason, 'text'>>;
  mode: string | null;
  caller: CallerRef | null;
  firstUserLine: string | null;
}

/**
 * A call that needs the owner: the reason as the title ("book_appointment failed: upstream
 * timeout"), the caller with how often they called, then what they said first.
 */
export function followUpWording(call: CallWordingInput): { title: string; body: string } {
  return { title: reasonTitle(call.reasons, call.mode), body: callBody(call.caller, call.firstUserLine) };
}

/** The caller line (when known) above the caller's first words. */
export function callBody(caller: CallerRef | null, firstUserLine: string | null): string {
  const who = callerLine(caller);
  const said = firstWords(firstUserLine);
  return who ? `${who}\n${said}` : said;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The daily summary: "Yesterday: 14 calls" / "3 to follow up · 1 with a failed tool call · 2 refused deliveries". */
export function summaryWording(summary: Pick<PeriodSummary, 'calls' | 'openFollowUps' | 'withToolErrors' | 'refused'>): { title: string; body: string } {
  const title = summary.calls === 0 ? 'No calls yesterday' : `Yesterday: ${plural(summary.calls, 'call', 'calls')}`;
  const parts = [
    summary.openFollowUps > 0 ? `${summary.openFollowUps} to follow up` : null,
    summary.withToolErrors > 0 ? `${summary.withToolErrors} with a failed tool call` : null,
    summary.refused > 0 ? plural(summary.refused, 'refused delivery', 'refused deliveries') : null,
  ].filter((part): part is string => part !== null);
  return { title, body: parts.length > 0 ? parts.join(' · ') : 'Nothing to follow up.' };
}

export const REFUSALS_TITLE = 'Deliveries are being refused: the webhook secret differs';

/** "in the last minute", "in the last 10 minutes". */
function lastMinutes(spanMs: number): string {
  const minutes = Math.max(1, Math.ceil(spanMs / 60_000));
  return minutes === 1 ? 'in the last minute' : `in the last ${minutes} minutes`;
}

/** A run of deliveries refused for their signature: what it means and where to fix it. */
export function refusalsWording(count: number, spanMs: number): { title: string; body: string } {
  return {
    title: REFUSALS_TITLE,
    body:
      `${plural(count, 'delivery', 'deliveries')} ${lastMinutes(spanMs)} failed the signature check, so the secret set in CallAIder and the one here are not the same. ` +
      "Copy the secret from Setup → Webhook secret into your assistant's webhook settings in CallAIder (or set CallAIder's secret here). " +
      'The refused deliveries are kept in quarantine and can be re-verified.',
  };
}

/** "10:42" on the same day as `now`, else "Monday 16:05" (both in the given local offset). */
export function clockTime(at: number, now: number, utcOffsetMinutes: number): string {
  const local = new Date(at + utcOffsetMinutes * 60_000);
  const today = new Date(now + utcOffsetMinutes * 60_000);
  const hhmm = `${String(local.getUTCHours()).padStart(2, '0')}:${String(local.getUTCMinutes()).padStart(2, '0')}`;
  const sameDay = local.getUTCFullYear() === today.getUTCFullYear() && local.getUTCMonth() === today.getUTCMonth() && local.getUTCDate() === today.getUTCDate();
  return sameDay ? hhmm : `${WEEKDAYS[local.getUTCDay()]} ${hhmm}`;
}

/** No call for unusually long during the hours calls usually come. */
export function quietWording(input: { lastAt: number; now: number; expected: number; utcOffsetMinutes: number }): { title: string; body: string } {
  const weekday = WEEKDAYS[new Date(input.now + input.utcOffsetMinutes * 60_000).getUTCDay()];
  const expected = Math.max(1, Math.round(input.expected));
  return {
    title: `No calls since ${clockTime(input.lastAt, input.now, input.utcOffsetMinutes)}`,
    body: `Usually about ${plural(expected, 'call arrives', 'calls arrive')} by now on a ${weekday}. Check that the tunnel is up (Setup) and that CallAIder is running.`,
  };
}

/** One log line for an alert (serve): its kind, title and body on one line. */
export function alertLogLine(alert: { kind: string; title: string; body: string; sessionId?: string | undefined }): string {
  const body = alert.body.replace(/\s*\n\s*/g, ' · ');
  return `alert (${alert.kind}): ${alert.title} — ${body}${alert.sessionId ? ` [session ${alert.sessionId}]` : ''}`;
}
