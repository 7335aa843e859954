/** What alerts say: one pure function per kind, shared by the alert centre, notifications and log lines. */
import { describe, expect, it } from 'vitest';
import {
  alertLogLine,
  callFrequency,
  clockTime,
  followUpWording,
  ordinal,
  quietWording,
  REFUSALS_TITLE,
  refusalsWording,
  summaryWording,
} from '../../electron/core/alerts/wording.js';
import type { CallerRef } from '../../shared/follow-up.js';

const caller = (calls7d: number, calls30d = calls7d): CallerRef => ({ key: 'tel:+12025550100', label: '+1 202-555-0100', kind: 'phone', calls7d, calls30d });
const reason = (text: string) => ({ ruleId: 'tool-failed', text, priority: 'high' as const });

describe('alert wording', () => {
  it('counts calls the way people say them', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '23rd', '101st', '111th']);
    expect(callFrequency(caller(1))).toBe('first call');
    expect(callFrequency(caller(1, 4))).toBe('first call this week');
    expect(callFrequency(caller(3, 5))).toBe('3rd call this week');
  });

  it('a flagged call: the reason as the title, the caller with how often they called, then their first words', () => {
    const single = followUpWording({ reasons: [reason('book_appointment failed: upstream timeout')], mode: 'voice', caller: caller(3), firstUserLine: 'Hi,   I need to move\nmy appointment' });
    expect(single).toEqual({ title: 'book_appointment failed: upstream timeout', body: '+1 202-555-0100 · 3rd call this week\nHi, I need to move my appointment' });
    const several = followUpWording({ reasons: [reason('Asked for a person'), reason('Sent 2 files')], mode: 'text', caller: null, firstUserLine: null });
    expect(several).toEqual({ title: 'Asked for a person (+1 more)', body: 'The caller said nothing.' });
    expect(followUpWording({ reasons: [reason('a'), reason('b'), reason('c')], mode: 'voice', caller: null, firstUserLine: 'x' }).title).toBe('a (+2 more)');
    expect(followUpWording({ reasons: [], mode: 'text', caller: null, firstUserLine: 'x' }).title).toBe('Chat to follow up');
    const long = followUpWording({ reasons: [], mode: 'voice', caller: caller(1), firstUserLine: 'y'.repeat(500) }).body.split('\n');
    expect(long[0]).toBe('+1 202-555-0100 · first call');
    expect(long[1]).toHaveLength(140);
    expect(long[1]!.endsWith('…')).toBe(true);
  });

  it('the daily summary leaves out what is zero', () => {
    expect(summaryWording({ calls: 14, openFollowUps: 3, withToolErrors: 1, refused: 2 })).toEqual({ title: 'Yesterday: 14 calls', body: '3 to follow up · 1 with a failed tool call · 2 refused deliveries' });
    expect(summaryWording({ calls: 1, openFollowUps: 0, withToolErrors: 0, refused: 1 })).toEqual({ title: 'Yesterday: 1 call', body: '1 refused delivery' });
    expect(summaryWording({ calls: 0, openFollowUps: 2, withToolErrors: 0, refused: 0 })).toEqual({ title: 'No calls yesterday', body: '2 to follow up' });
    expect(summaryWording({ calls: 0, openFollowUps: 0, withToolErrors: 0, refused: 0 }).body).toBe('Nothing to follow up.');
  });

  it('refusals say that the secrets differ and where to fix it', () => {
    expect(refusalsWording(5, 9.5 * 60_000)).toEqual({
      title: 'Deliveries are being refused: the webhook secret differs',
      body: "5 deliveries in the last 10 minutes failed the signature check, so the secret set in CallAIder and the one here are not the same. Copy the secret from Setup → Webhook secret into your assistant's webhook settings in CallAIder (or set CallAIder's secret here). The refused deliveries are kept in quarantine and can be re-verified.",
    });
    expect(REFUSALS_TITLE).toBe(refusalsWording(3, 0).title);
    expect(refusalsWording(3, 20_000).body).toMatch(/^3 deliveries in the last minute failed/);
  });

  it('a quiet period names the time of the last call and the weekday', () => {
    // Tuesday 2026-06-02, in UTC+2: the last call at 10:42 local, now 14:10 local.
    const now = Date.UTC(2026, 5, 2, 12, 10);
    const lastAt = Date.UTC(2026, 5, 2, 8, 42);
    expect(quietWording({ lastAt, now, expected: 6.4, utcOffsetMinutes: 120 })).toEqual({
      title: 'No calls since 10:42',
      body: 'Usually about 6 calls arrive by now on a Tuesday. Check that the tunnel is up (Setup) and that CallAIder is running.',
    });
    expect(clockTime(Date.UTC(2026, 5, 1, 14, 5), now, 120)).toBe('Monday 16:05');
  });

  it('a log line holds the whole alert on one line', () => {
    expect(alertLogLine({ kind: 'follow-up', title: 'Asked for a person', body: '+1 202-555-0100 · first call\nCall me back', sessionId: 's1' })).toBe(
      'alert (follow-up): Asked for a person — +1 202-555-0100 · first call · Call me back [session s1]',
    );
  });
});
