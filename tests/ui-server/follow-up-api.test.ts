/**
 * Issue 10's methods over both transports: real HTTP against the archive window's server (as
 * `serve` runs it) and ArchiveService.call (what the Electron IPC bridge calls), on a real engine
 * with a real archive.
 */
import { describe, expect, it } from 'vitest';
import { ApiError, ArchiveService } from '../../electron/core/archive-service.js';
import { defaultConfig, type EngineConfig } from '../../electron/core/config.js';
import { Engine } from '../../electron/core/engine.js';
import { deliver } from '../../electron/core/send-test.js';
import { startUiServer } from '../../electron/core/ui-server.js';
import type { ArchiveChange, ArchiveStatus, CallerPage } from '../../shared/api.js';
import type { Alert, FollowUpView, InboxPage, Rule, RuleInput, RulePreviewPage, Tag, TagWithCount } from '../../shared/follow-up.js';
import { onCleanup, SECRET, sessionPair, tempDir } from '../support/fixtures.js';

type Body = Record<string, unknown> & { error?: string; code?: string };

async function setup(overrides: Partial<EngineConfig> = {}) {
  const engine = await Engine.start(defaultConfig({ dataDir: tempDir(), port: 0, secret: SECRET, ...overrides }));
  onCleanup(() => engine.stop());
  const service = new ArchiveService(engine, { host: 'serve', actor: 'ana' });
  const ui = await startUiServer({ service, port: 0, token: 'test-token', staticDir: tempDir() });
  onCleanup(() => ui.close());
  const http = async <T = Body>(method: string, args: unknown = {}) => {
    const response = await fetch(`${ui.baseUrl}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer test-token' },
      body: JSON.stringify(args),
    });
    return { status: response.status, body: (await response.json()) as T & Body };
  };
  const changes: ArchiveChange[] = [];
  onCleanup(service.subscribe((change) => changes.push(change)));
  return { engine, service, http, changes };
}

/** Sessions delivered through the webhook, tagged in their metadata so a rule can find them. */
async function deliverSessions(engine: Engine, count: number, metadata: Record<string, unknown> = {}) {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const { started, ended } = sessionPair({ messages: 4 });
    started.data.metadata = { ...started.data.metadata, ...metadata };
    expect((await deliver(engine.localWebhookUrl, started, { secret: SECRET })).status).toBe(200);
    expect((await deliver(engine.localWebhookUrl, ended, { secret: SECRET })).status).toBe(200);
    ids.push(ended.sessionId);
  }
  await engine.archive.settled();
  return ids;
}

/** Waits until a re-run that started at or after `since` has finished. */
async function triageFinished(http: Awaited<ReturnType<typeof setup>>['http'], since: number): Promise<NonNullable<ArchiveStatus['triage']>> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const { triage } = (await http<ArchiveStatus>('status')).body;
    if (triage && !triage.running && triage.startedAt >= since) return triage;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the re-run over the archive did not finish within 20 s');
}

const flagProject: RuleInput = {
  name: 'Project Orion callers',
  enabled: true,
  kind: 'custom',
  conditions: [{ field: 'metadata', key: 'project', op: 'equals', value: 'orion' }],
  action: { followUp: true, priority: 'high', tags: ['orion'], notify: false },
};

describe('follow-ups over HTTP and IPC', () => {
  it('sets a follow-up, refuses a stale version with 409 and a message, and says who changed it', async () => {
    const { engine, service, http, changes } = await setup();
    const [sessionId] = await deliverSessions(engine, 1);
    const before = await http<FollowUpView>('getFollowUp', { sessionId });
    expect(before.status).toBe(200);
    const set = await http<FollowUpView>('setFollowUp', { sessionId, state: 'follow-up', priority: 'high', expectedVersion: before.body.version });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ sessionId, state: 'follow-up', priority: 'high', changedBy: 'ana' });
    expect(set.body.version).toBeGreaterThan(before.body.version);
    expect(changes).toContainEqual({ type: 'follow-up', sessionId });

    // Another window still holds the old version: its change is refused, not lost silently.
    const stale = await http('setFollowUp', { sessionId, state: 'done', expectedVersion: before.body.version });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('conflict');
    expect(stale.body.error).toMatch(/\w/);
    await expect(service.call('setFollowUp', { sessionId, state: 'done', expectedVersion: before.body.version })).rejects.toMatchObject({ code: 'conflict', message: stale.body.error });
    expect((await http<FollowUpView>('getFollowUp', { sessionId })).body.state).toBe('follow-up');

    const done = await service.call('setFollowUp', { sessionId, state: 'done', expectedVersion: set.body.version });
    expect(done).toMatchObject({ state: 'done', changedBy: 'ana' });
    // Both transports answer the same.
    expect((await http('getFollowUp', { sessionId })).body).toEqual(await service.call('getFollowUp', { sessionId }));
  });

  it('answers 404 for an unknown session or caller, and 400 for a blank note', async () => {
    const { http, service } = await setup();
    const missing = await http('getFollowUp', { sessionId: 'no-such-session' });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('not-found');
    expect((await http('setFollowUp', { sessionId: 'no-such-session', state: 'done' })).status).toBe(404);
    expect((await http('addNote', { sessionId: 'no-such-session', text: 'hello' })).status).toBe(404);
    const caller = await http('getCaller', { key: 'tel:+15550199' });
    expect(caller.status).toBe(404);
    await expect(service.call('getCaller', { key: 'tel:+15550199' })).rejects.toBeInstanceOf(ApiError);
    expect((await http('addNote', { sessionId: 'x', text: '   ' })).status).toBe(400);
  });

  it('keeps notes by their author: another person can neither edit nor delete them', async () => {
    const { engine, http, service } = await setup();
    const [sessionId] = await deliverSessions(engine, 1);
    const added = await http<FollowUpView>('addNote', { sessionId, text: 'Called back, left a voicemail' });
    expect(added.status).toBe(200);
    const note = added.body.notes[0]!;
    expect(note).toMatchObject({ sessionId, author: 'ana', text: 'Called back, left a voicemail' });

    const edited = await http<FollowUpView>('editNote', { noteId: note.id, text: 'Called back, booked Tuesday', expectedUpdatedAt: note.updatedAt });
    expect(edited.status).toBe(200);
    expect(edited.body.notes[0]).toMatchObject({ id: note.id, author: 'ana', text: 'Called back, booked Tuesday' });

    // The same archive through another person's window (the IPC path, as Ben).
    const ben = new ArchiveService(engine, { host: 'electron', actor: 'ben' });
    await expect(ben.call('editNote', { noteId: note.id, text: 'mine now' })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(ben.call('deleteNote', { noteId: note.id })).rejects.toMatchObject({ code: 'bad-request' });
    const bens = (await ben.call('addNote', { sessionId, text: 'Ben: follow up Friday' })) as FollowUpView;
    expect(bens.notes.map((n) => n.author).sort()).toEqual(['ana', 'ben']);

    // An edit over a newer one is a conflict.
    const overNewer = await http('editNote', { noteId: note.id, text: 'older draft', expectedUpdatedAt: note.updatedAt - 1 });
    expect(overNewer.status).toBe(409);
    const deleted = (await service.call('deleteNote', { noteId: note.id })) as FollowUpView;
    expect(deleted.notes.map((n) => n.author)).toEqual(['ben']);
  });

  it('saves, applies, counts and deletes tags', async () => {
    const { engine, http, changes } = await setup();
    const [sessionId] = await deliverSessions(engine, 1);
    const tag = await http<Tag>('saveTag', { name: 'Callback', color: 'orange' });
    expect(tag.status).toBe(200);
    expect(tag.body).toMatchObject({ name: 'Callback', color: 'orange' });
    expect(changes.some((c) => c.type === 'triage')).toBe(true);
    const duplicate = await http('saveTag', { name: 'Callback', color: 'red' });
    expect(duplicate.status).toBe(400);

    const tagged = await http<FollowUpView>('tagSession', { sessionId, tagId: tag.body.id, on: true });
    expect(tagged.body.tags).toEqual([tag.body]);
    const listed = (await http<{ tags: TagWithCount[] }>('listTags')).body.tags.find((t) => t.id === tag.body.id);
    expect(listed).toMatchObject({ name: 'Callback', sessions: 1 });
    const filtered = (await http<{ items: Array<{ sessionId: string }> }>('listSessions', { filters: { tagId: tag.body.id } })).body.items;
    expect(filtered.map((s) => s.sessionId)).toEqual([sessionId]);

    expect((await http('deleteTag', { id: tag.body.id })).body).toEqual({ deleted: true });
    expect((await http<FollowUpView>('getFollowUp', { sessionId })).body.tags).toEqual([]);
  });

  it('previews a rule page by page, saves it, re-runs it over the archive and shows the old sessions in the inbox', async () => {
    const { engine, http, service, changes } = await setup();
    const orion = await deliverSessions(engine, 4, { project: 'orion' });
    const others = await deliverSessions(engine, 3, { project: 'vega' });

    let after: number | undefined;
    let checked = 0;
    let matched = 0;
    const examples: string[] = [];
    for (let pages = 0; pages < 1_000; pages += 1) {
      const page = await http<RulePreviewPage>('previewRule', { rule: flagProject, ...(after === undefined ? {} : { after }) });
      expect(page.status).toBe(200);
      checked += page.body.checked;
      matched += page.body.matched;
      examples.push(...page.body.examples);
      if (page.body.nextAfter === null) break;
      after = page.body.nextAfter;
    }
    expect(checked).toBe(orion.length + others.length);
    expect(matched).toBe(orion.length);
    expect(examples.every((id) => orion.includes(id))).toBe(true);
    // Previewing saves nothing.
    expect((await http<{ rules: Rule[] }>('listRules')).body.rules.some((r) => r.name === flagProject.name)).toBe(false);

    const savedAt = Date.now();
    const saved = await http<{ rule: Rule }>('saveRule', flagProject);
    expect(saved.status).toBe(200);
    const progress = await triageFinished(http, savedAt);
    expect(progress).toMatchObject({ running: false, error: null, checked: orion.length + others.length, total: orion.length + others.length });
    expect(progress.changed).toBeGreaterThanOrEqual(orion.length);
    expect(changes.some((c) => c.type === 'triage' && c.progress?.running === false)).toBe(true);
    expect(changes).toContainEqual({ type: 'sessions-changed' });

    const inbox = (await http<InboxPage>('inbox', { view: 'open' })).body;
    const flagged = inbox.items.filter((item) => item.reasons.some((reason) => reason.ruleId === saved.body.rule.id));
    expect(flagged.map((item) => item.sessionId).sort()).toEqual([...orion].sort());
    expect(flagged.every((item) => item.priority === 'high' && item.tags.some((t) => t.name === 'orion'))).toBe(true);
    expect((await http<ArchiveStatus>('status')).body.followUps.open).toBeGreaterThanOrEqual(orion.length);

    const listed = (await http<{ rules: Rule[]; progress: ArchiveStatus['triage'] }>('listRules')).body;
    expect(listed.rules.find((r) => r.id === saved.body.rule.id)).toMatchObject({ name: flagProject.name, enabled: true });
    expect(listed.progress).toMatchObject({ running: false });
    expect(await service.call('listRules', {})).toEqual(listed);

    // Deleting a custom rule re-runs the rest over the archive too.
    const deletedAt = Date.now();
    expect((await http('deleteRule', { id: saved.body.rule.id })).body).toEqual({ deleted: true });
    await triageFinished(http, deletedAt);
    expect((await http<{ rules: Rule[] }>('listRules')).body.rules.some((r) => r.id === saved.body.rule.id)).toBe(false);
  });

  it('recognises callers by the configured fields and shows a caller page; settings say which country applies', async () => {
    const { engine, http, service } = await setup();
    const settings = await http<{ fields: string[]; defaultCountry: string | null; resolvedCountry: string | null }>('getCallerSettings');
    expect(settings.status).toBe(200);
    expect(settings.body.fields.length).toBeGreaterThan(0);
    expect(Object.keys(settings.body)).toContain('resolvedCountry');

    const ids = await deliverSessions(engine, 2, { clientNumber: '+1 415 555 0100' });
    const savedAt = Date.now();
    const saved = await http<{ fields: string[]; defaultCountry: string | null; resolvedCountry: string | null }>('saveCallerSettings', { fields: ['clientNumber'], defaultCountry: 'US' });
    expect(saved.body).toEqual({ fields: ['clientNumber'], defaultCountry: 'US', resolvedCountry: 'US' });
    await triageFinished(http, savedAt);

    const session = (await http<{ caller: { key: string; calls7d: number } | null }>('getSession', { sessionId: ids[0] })).body;
    expect(session.caller).not.toBeNull();
    const page = await http<CallerPage>('getCaller', { key: session.caller!.key });
    expect(page.status).toBe(200);
    expect(page.body.caller.sessions).toBe(2);
    expect(page.body.sessions.items.map((s) => s.sessionId).sort()).toEqual([...ids].sort());
    expect(await service.call('getCaller', { key: session.caller!.key })).toEqual(page.body);
  });

  it('raises an alert for a run of refused deliveries, lists it, and warns in status until the secret matches', async () => {
    const { engine, http, service, changes } = await setup();
    expect((await http<{ alerts: Alert[] }>('listAlerts')).body).toEqual({ alerts: [] });
    const before = (await http<ArchiveStatus>('status')).body;
    expect(before.followUps).toEqual({ open: 0, snoozed: 0 });
    expect(before.warnings.map((w) => w.code)).toEqual(['no-public-url']);

    for (let i = 0; i < 3; i += 1) {
      expect((await deliver(engine.localWebhookUrl, sessionPair().started, { secret: 'the old secret' })).status).toBe(401);
    }
    await engine.archive.settled();
    const alerts = await http<{ alerts: Alert[] }>('listAlerts');
    expect(alerts.status).toBe(200);
    expect(alerts.body.alerts.map((a) => a.kind)).toEqual(['refusals']);
    expect(await service.call('listAlerts', {})).toEqual(alerts.body);
    expect(changes).toContainEqual({ type: 'alert', alert: alerts.body.alerts[0] });
    // Most important first: refusals come before "no public URL" and the quarantine notice.
    expect((await http<ArchiveStatus>('status')).body.warnings.map((w) => w.code)).toEqual(['refusing', 'no-public-url', 'quarantine']);

    expect((await deliver(engine.localWebhookUrl, sessionPair().started, { secret: SECRET })).status).toBe(200);
    await engine.archive.settled();
    expect((await http<ArchiveStatus>('status')).body.warnings.map((w) => w.code)).not.toContain('refusing');
  });

  it('shows the headless alert settings and the triage progress', async () => {
    const { http } = await setup();
    const status = (await http<ArchiveStatus>('status')).body;
    expect(status.triage === null || typeof status.triage.running === 'boolean').toBe(true);
    const settings = (await http<{ settings: Record<string, unknown> }>('getSettings')).body.settings;
    expect(settings).toMatchObject({ notifyCalls: 'none', dailySummaryAt: '08:30', quietAlerts: true });
    expect(settings).not.toHaveProperty('notifyOnEnded');
  });
});
