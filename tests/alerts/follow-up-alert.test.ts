/**
 * A call the rules flagged raises a 'follow-up' alert worded from the archive's own view of it,
 * on both stores: the alert's facts for a batch come from one read (flaggedCalls), and must say
 * what getSession and getFollowUp say about the call.
 */
import { describe, expect, it } from 'vitest';
import { AlertCenter } from '../../electron/core/alerts/alert-center.js';
import { followUpWording } from '../../electron/core/alerts/wording.js';
import type { ArchiveStore } from '../../electron/core/archive/store.js';
import type { Alert } from '../../shared/follow-up.js';
import { onCleanup, tempArchive } from '../support/fixtures.js';
import { describePostgres, usePostgresCluster } from '../support/postgres-fixture.js';
import { openPostgresStore } from '../support/postgres-store.js';
import { ingestSessionEndingAt } from './sessions.js';

async function expectFlaggedCallsAlerted(archive: ArchiveStore): Promise<void> {
  const flagged = await ingestSessionEndingAt(archive, Date.UTC(2026, 5, 2, 9, 0));
  const notified = await ingestSessionEndingAt(archive, Date.UTC(2026, 5, 2, 9, 5));
  const plain = await ingestSessionEndingAt(archive, Date.UTC(2026, 5, 2, 9, 10));
  const errors: string[] = [];
  const reads: string[][] = [];
  const store = { ...pickAlertReads(archive), flaggedCalls: (ids: string[]) => (reads.push(ids), archive.flaggedCalls(ids)) };
  const center = new AlertCenter({ store, settings: () => ({ dailySummaryAt: null, quietAlerts: false }), log: { info() {}, warn() {}, error: (m) => errors.push(m) } });
  const alerts: Alert[] = [];
  center.on('alert', (alert) => alerts.push(alert));
  center.start();
  onCleanup(() => center.stop());

  center.noteProjected([
    { sessionId: flagged, event: 'session.started', attention: { followUp: true, notify: false } },
    { sessionId: flagged, event: 'session.ended', attention: { followUp: true, notify: false } },
    { sessionId: notified, event: 'session.ended', attention: { followUp: false, notify: true } },
    { sessionId: plain, event: 'session.ended', attention: { followUp: false, notify: false } },
    { sessionId: plain, event: 'session.ended' },
    { sessionId: 'gone', event: 'session.ended', attention: { followUp: true, notify: false } },
  ]);
  await expect.poll(() => alerts.length + errors.length).toBe(2);
  expect(errors).toEqual([]);
  // One read for the batch's three flagged calls (one of them gone).
  expect(reads).toEqual([[flagged, notified, 'gone']]);
  expect(alerts.map((alert) => [alert.kind, alert.sessionId])).toEqual([
    ['follow-up', flagged],
    ['follow-up', notified],
  ]);
  for (const alert of alerts) {
    const session = (await archive.getSession(alert.sessionId!, 60_000))!;
    const followUp = await archive.getFollowUp(alert.sessionId!);
    expect({ title: alert.title, body: alert.body }).toEqual(followUpWording({ reasons: followUp?.reasons ?? [], mode: session.mode, caller: session.caller, firstUserLine: session.firstUserLine }));
    expect(alert.body).toContain(session.firstUserLine!.slice(0, 20));
  }
}

function pickAlertReads(archive: ArchiveStore) {
  return { periodSummary: archive.periodSummary.bind(archive), activityProfile: archive.activityProfile.bind(archive) };
}

describe('follow-up alerts', () => {
  it('for an ended call whose attention says follow-up or notify, and for no other event (SQLite)', async () => {
    const { archive } = await tempArchive();
    await expectFlaggedCallsAlerted(archive);
  });
});

describePostgres('follow-up alerts on PostgreSQL', () => {
  const cluster = usePostgresCluster();
  it('for an ended call whose attention says follow-up or notify, and for no other event (PostgreSQL)', async () => {
    await expectFlaggedCallsAlerted(await openPostgresStore(await cluster().createDatabase()));
  });
});
