/**
 * The owner's edits survive an export and an import: a real archive with webhook bodies, a
 * follow-up, notes and tags made through the store, `export` run as the real command line, and
 * `import` into a fresh archive (the command line, then the module for the edge cases).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ArchiveStore } from '../../electron/core/archive/store.js';
import { SqliteStore } from '../../electron/core/archive/sqlite/sqlite-store.js';
import { importFiles } from '../../electron/core/import.js';
import { archivePath } from '../../electron/core/paths.js';
import type { ExportedSession } from '../../shared/export-format.js';
import type { ExportedFollowUp, FollowUpView } from '../../shared/follow-up.js';
import { assertBuilt, runCli } from '../support/cli.js';
import { onCleanup, sessionPair, tempDir } from '../support/fixtures.js';

beforeAll(() => assertBuilt());

const AT = Date.UTC(2026, 4, 28, 13, 0, 0);

async function openArchive(dataDir: string): Promise<SqliteStore> {
  const archive = await SqliteStore.open(archivePath(dataDir));
  onCleanup(() => archive.close().catch(() => undefined));
  return archive;
}

async function ingestAll(archive: ArchiveStore, payloads: Array<{ event: string }>) {
  for (const payload of payloads) {
    await archive.ingest({ payload: payload as never, body: Buffer.from(JSON.stringify(payload)), source: 'webhook', receivedAt: Date.now() });
  }
  await archive.settled();
}

/** A source archive with three sessions: one the owner worked on, one left alone, one still active. */
async function archiveWithEdits() {
  const dataDir = tempDir();
  const archive = await openArchive(dataDir);
  const worked = sessionPair({ messages: 6 });
  (worked.started.data.metadata as Record<string, unknown>).phone = '+44 20 7946 0958';
  const untouched = sessionPair({ messages: 3 });
  const active = sessionPair();
  await ingestAll(archive, [worked.started, worked.ended, untouched.started, untouched.ended, active.started]);
  const sessionId = worked.started.sessionId;
  await archive.setFollowUp({ sessionId, state: 'follow-up', priority: 'high', snoozedUntil: AT + 86_400_000, actor: 'Ana', at: AT });
  await archive.addNote({ sessionId, author: 'Ana', text: 'Promised a call back before noon', at: AT + 1000 });
  await archive.addNote({ sessionId, author: 'Bo', text: '=1+1 and a second\nline', at: AT + 2000 });
  const billing = await archive.saveTag({ name: 'billing', color: 'blue' });
  const vip = await archive.saveTag({ name: 'vip', color: 'purple' });
  await archive.tagSession({ sessionId, tagId: billing.id, on: true, actor: 'Ana', at: AT + 3000 });
  await archive.tagSession({ sessionId, tagId: vip.id, on: true, actor: 'Ana', at: AT + 3000 });
  const before = (await archive.getFollowUp(sessionId))!;
  // The command line opens the archive itself.
  await archive.close();
  return { dataDir, sessionId, untouchedId: untouched.started.sessionId, before };
}

function exportWithCli(dataDir: string, format: string): string {
  const out = join(tempDir(), `export.${format}`);
  const result = runCli(['export', '--data-dir', dataDir, '--format', format, '--out', out]);
  expect(result.code, result.stderr).toBe(0);
  return readFileSync(out, 'utf8');
}

/** What a follow-up means to the owner, without the ids and counters a new archive numbers afresh. */
function comparable(view: FollowUpView) {
  return {
    state: view.state,
    priority: view.priority,
    snoozedUntil: view.snoozedUntil,
    reasons: view.reasons,
    changedBy: view.changedBy,
    changedAt: view.changedAt,
    notes: view.notes.map(({ author, text, createdAt, updatedAt }) => ({ author, text, createdAt, updatedAt })),
    tags: view.tags.map(({ name, color }) => ({ name, color })).sort((a, b) => a.name.localeCompare(b.name)),
  };
}

const sessionsOf = (json: string) => (JSON.parse(json) as { sessions: ExportedSession[] }).sessions;

describe('export and import keep the owner\'s edits', () => {
  it('json and ndjson carry followUp; csv and md show it; import restores it into a new archive; a second import adds nothing', async () => {
    const { dataDir, sessionId, untouchedId, before } = await archiveWithEdits();
    expect(before.notes).toHaveLength(2);

    const json = exportWithCli(dataDir, 'json');
    const exported = sessionsOf(json);
    const worked = exported.find((s) => s.sessionId === sessionId)!;
    expect(worked.followUp).toMatchObject({
      state: 'follow-up',
      priority: 'high',
      snoozedUntil: new Date(AT + 86_400_000).toISOString(),
      changedBy: 'Ana',
      changedAt: new Date(AT).toISOString(),
      caller: { key: 'tel:+442079460958', kind: 'phone' },
      notes: [
        { author: 'Ana', text: 'Promised a call back before noon', createdAt: new Date(AT + 1000).toISOString() },
        { author: 'Bo', text: '=1+1 and a second\nline', createdAt: new Date(AT + 2000).toISOString() },
      ],
    });
    expect([...worked.followUp!.tags].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { name: 'billing', color: 'blue' },
      { name: 'vip', color: 'purple' },
    ]);
    const ndjson = exportWithCli(dataDir, 'ndjson');
    const fromLines = ndjson.trim().split('\n').map((line) => JSON.parse(line) as ExportedSession);
    expect(fromLines.find((s) => s.sessionId === sessionId)!.followUp).toEqual(worked.followUp);

    const csv = exportWithCli(dataDir, 'csv');
    expect(csv.split('\r\n')[0]).toMatch(/,files,followUpState,followUpPriority,followUpReasons,tags,notes,caller$/);
    expect(csv).toContain(`follow-up,high,`);
    expect(csv).toContain(`"Ana (${new Date(AT + 1000).toISOString()}): Promised a call back before noon | Bo (${new Date(AT + 2000).toISOString()}): =1+1 and a second\nline"`);
    const md = exportWithCli(dataDir, 'md');
    // A number starts with +: defused like any formula-like cell.
    expect(csv).toContain(`,'${worked.followUp!.caller!.label}\r\n`);
    expect(md).toContain('## Follow-up');
    expect(md).toContain(`- **Caller:** ${worked.followUp!.caller!.label}`);
    expect(md).toContain('- **State:** to follow up (high priority');
    expect(md).toContain(`**Note** by Bo, ${new Date(AT + 2000).toISOString()}\n\n> =1+1 and a second\n> line`);

    const file = join(tempDir(), 'backup.json');
    writeFileSync(file, json);
    const target = tempDir();
    const first = runCli(['import', file, '--data-dir', target]);
    expect(first.code, first.stderr).toBe(0);
    const restoredCount = exported.filter((s) => s.followUp).length;
    expect(first.stderr).toContain(`5 stored, 0 already archived, 0 unknown event types ignored, ${restoredCount} follow-up${restoredCount === 1 ? '' : 's'} restored, 0 invalid`);
    const second = runCli(['import', file, '--data-dir', target]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain(`0 stored, 5 already archived`);

    const restored = await openArchive(target);
    const after = (await restored.getFollowUp(sessionId))!;
    expect(comparable(after)).toEqual(comparable(before));
    expect(after.notes).toHaveLength(2);
    expect((await restored.listTags()).map(({ name, color, sessions }) => ({ name, color, sessions }))).toEqual(
      expect.arrayContaining([
        { name: 'billing', color: 'blue', sessions: 1 },
        { name: 'vip', color: 'purple', sessions: 1 },
      ]),
    );
    const untouched = (await restored.getFollowUp(untouchedId))!;
    expect(untouched.notes).toEqual([]);
    expect(untouched.tags).toEqual([]);
    await restored.close();
    // The new archive exports the same sessions with the same follow-ups: nothing lost, nothing doubled.
    expect(sessionsOf(exportWithCli(target, 'json'))).toEqual(exported);
  });

  it('a malformed followUp is reported and the session\'s events still land; one that cannot be restored is a problem, not a crash', async () => {
    const { started, ended } = sessionPair({ messages: 4 });
    const sessionId = started.sessionId;
    const followUp: ExportedFollowUp = {
      state: 'done',
      priority: null,
      snoozedUntil: null,
      reasons: [],
      changedBy: 'Ana',
      changedAt: new Date(AT).toISOString(),
      notes: [{ author: 'Ana', text: 'Sorted', createdAt: new Date(AT).toISOString(), updatedAt: new Date(AT).toISOString() }],
      tags: [{ name: 'billing', color: 'blue' }],
      caller: null,
    };
    const good: ExportedSession = {
      sessionId,
      assistantId: started.assistantId,
      status: 'ended',
      startedAt: started.timestamp,
      endedAt: ended.timestamp,
      reason: ended.data.reason ?? null,
      durationSeconds: ended.data.durationSeconds ?? null,
      metadata: started.data.metadata,
      transcript: ended.data.transcript ?? [],
      followUp,
    };
    const broken = { ...good, followUp: { ...followUp, state: 'urgent', notes: [{ author: 'Ana', text: 'x', createdAt: 'yesterday', updatedAt: 'yesterday' }] } };
    // Well formed, but its session has no events to store, so there is nothing to attach it to.
    const orphan: ExportedSession = { ...good, sessionId: 'no-events-here', startedAt: null, endedAt: null };
    const dir = tempDir();
    writeFileSync(join(dir, 'broken.json'), JSON.stringify({ sessions: [broken] }));
    writeFileSync(join(dir, 'orphan.ndjson'), `${JSON.stringify(orphan)}\n`);

    const target = await openArchive(tempDir());
    const summary = await importFiles(target, [join(dir, 'broken.json'), join(dir, 'orphan.ndjson')]);
    expect(summary).toMatchObject({ stored: 2, followUps: 0 });
    expect(summary.invalid).toHaveLength(2);
    expect(summary.invalid[0]!.where).toBe(`${join(dir, 'broken.json')} sessions[0] followUp`);
    expect(summary.invalid[0]!.reason).toMatch(/^follow-up not restored: state: .+; notes\[0\]\.createdAt: /);
    // One line is one JSON document: the file itself is where.
    expect(summary.invalid[1]!.where).toBe(`${join(dir, 'orphan.ndjson')} followUp`);
    expect(summary.invalid[1]!.reason).toMatch(/^follow-up not restored: /);

    expect(await target.storedEvents(sessionId)).toEqual(expect.arrayContaining(['session.started', 'session.ended']));
    const view = await target.getFollowUp(sessionId);
    expect(view?.notes ?? []).toEqual([]);
    expect(view?.tags ?? []).toEqual([]);

    // The same session, well formed, imported twice: restored once, its note not doubled.
    writeFileSync(join(dir, 'good.json'), JSON.stringify({ sessions: [good] }));
    expect(await importFiles(target, [join(dir, 'good.json')])).toMatchObject({ stored: 0, duplicates: 2, followUps: 1, invalid: [] });
    expect(await importFiles(target, [join(dir, 'good.json')])).toMatchObject({ followUps: 1, invalid: [] });
    const restored = (await target.getFollowUp(sessionId))!;
    expect(comparable(restored)).toEqual({
      state: 'done',
      priority: null,
      snoozedUntil: null,
      reasons: [],
      changedBy: 'Ana',
      changedAt: AT,
      notes: [{ author: 'Ana', text: 'Sorted', createdAt: AT, updatedAt: AT }],
      tags: [{ name: 'billing', color: 'blue' }],
    });
  });

  it('an export made before follow-ups existed imports as before', async () => {
    const { dataDir } = await archiveWithEdits();
    const old = sessionsOf(exportWithCli(dataDir, 'json')).map(({ followUp: _dropped, ...rest }) => rest);
    const file = join(tempDir(), 'old.json');
    writeFileSync(file, JSON.stringify({ sessions: old }));
    const target = await openArchive(tempDir());
    expect(await importFiles(target, [file])).toMatchObject({ stored: 5, followUps: 0, invalid: [] });
  });
});

