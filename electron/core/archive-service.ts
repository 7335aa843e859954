/**
 * The engine side of the ArchiveApi contract: validates every call against the shared schema and
 * runs its handler. The HTTP API (browser) and the Electron IPC bridge are thin transports over
 * `call()` and `subscribe()`; neither has logic of its own.
 */
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import { z } from 'zod';
import {
  ARCHIVE_API,
  isArchiveMethod,
  type ArchiveChange,
  type ArchiveMethod,
  type ArchiveParsedArgs,
  type ArchiveResults,
  type ArchiveStatus,
  type ApiErrorBody,
  type CallerPage,
  type DeliveryDetail,
  type SessionDetail,
} from '../../shared/api.js';
import type { Alert, CallerSettings, FollowUpView, TriageProgress } from '../../shared/follow-up.js';
import { SECRET_NAMES, type SettingsUpdate, type SettingsView } from '../../shared/settings.js';
import { BadCursorError, ConflictError, InvalidEditError, NotFoundError } from './archive/errors.js';
import type { Engine } from './engine.js';
import { defaultCountryFromLocale } from './triage/index.js';
import { JsonText } from './json-text.js';
import { archivePath } from './paths.js';
import { reverifyQuarantine } from './quarantine.js';
import { loadDemoData } from './demo.js';
import { listBackups } from './backup/backups.js';
import { HEADLESS_ENCRYPTION, headlessEncryptionView } from './encryption-status.js';
import type { RetentionPeriod } from '../../shared/retention.js';
import { METHOD_ROLES, mayCall, type AuditAction, type Role, type SignedInUser } from '../../shared/accounts.js';
import { describeCall } from './accounts/audited-calls.js';
import { generateForwardSecret } from './forwarding/command-line.js';

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorBody['code'],
    message: string,
  ) {
    super(message);
  }
}

/** A handler may answer with JSON text made on the archive's reader thread (see JsonText). */
type Handlers = { [M in ArchiveMethod]: (args: ArchiveParsedArgs<M>, context: CallContext) => Promise<ArchiveResults[M] | JsonText<ArchiveResults[M]>> | ArchiveResults[M] };

/**
 * Who is calling. With accounts (the office network) the ui-server passes the signed-in person
 * and their address; without (the desktop app, the loopback token) calls are made as the service's actor.
 */
export interface Caller {
  user: SignedInUser;
  address: string | null;
}

interface CallContext {
  /** The name edits and the audit log are made under. */
  actor: string;
  user: SignedInUser | null;
  address: string | null;
}

export interface ServiceOptions {
  host: ArchiveStatus['host'];
  version?: string;
  /** The desktop app's editable settings; absent in headless mode, where settings are `serve` options. */
  settings?: SettingsHost;
  /** Who makes the edits (follow-up changes, note author, tags): the OS user's name by default. */
  actor?: string;
}

export interface SettingsHost {
  view(): SettingsView;
  update(update: SettingsUpdate): Promise<SettingsView>;
}

/** The person at this computer, as the OS names them; "owner" where it will not say. */
function osUserName(): string {
  try {
    return userInfo().username.trim() || 'owner';
  } catch {
    return 'owner';
  }
}

/** Rule previews read a page this long at a time, so the window can show the count growing. */
const PREVIEW_BUDGET_MS = 150;
/** The window's export before erasing is one download, held in memory: bigger ones go through the CLI. */
const WINDOW_EXPORT_LIMIT = 5_000;

const packageVersion = (() => {
  try {
    return (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();

const refuseHub = (): never => {
  throw new ApiError('bad-request', 'Only the desktop app connects to an office hub; this archive is served by `callaider-archive serve`.');
};

export class ArchiveService {
  private readonly listeners = new Set<(change: ArchiveChange) => void>();
  private readonly handlers: Handlers;
  private lastSelfTest: ArchiveStatus['lastSelfTest'] = null;
  private readonly actor: string;

  private engine: Engine;
  private readonly engineListeners = {
    projected: (events: Array<{ sessionId: string; event: string }>) => {
      for (const { sessionId, event } of events) this.emit({ type: 'session', sessionId, event, duplicate: false });
    },
    delivery: () => this.emit({ type: 'delivery' }),
    tunnel: () => this.emit({ type: 'status' }),
    selfTest: (result: { ok: boolean; message: string }) => {
      this.lastSelfTest = { ok: result.ok, message: result.message, at: Date.now() };
      this.emit({ type: 'status' });
    },
    triage: (progress: TriageProgress) => {
      this.emit({ type: 'triage', progress });
      if (!progress.running) this.emit({ type: 'sessions-changed' });
    },
    staleTriaged: () => {
      this.emit({ type: 'sessions-changed' });
      this.emit({ type: 'status' });
    },
    erased: () => {
      this.emit({ type: 'sessions-changed' });
      this.emit({ type: 'status' });
    },
    forwarded: (attempt: { paused?: string }) => {
      this.emit({ type: 'forwarding' });
      if (attempt.paused) this.emit({ type: 'status' });
    },
    alert: (alert: Alert) => {
      this.emit({ type: 'alert', alert });
      // Refusals and quiet periods are also status warnings.
      if (alert.kind === 'refusals' || alert.kind === 'quiet') this.emit({ type: 'status' });
    },
  };

  constructor(
    engine: Engine,
    private readonly options: ServiceOptions,
  ) {
    this.engine = engine;
    this.actor = options.actor ?? osUserName();
    this.listen(engine);
    this.handlers = this.createHandlers();
  }

  /** Serves another engine from now on (the desktop app restarts its engine when settings change). */
  attach(engine: Engine): void {
    const previous = this.engine;
    previous.off('projected', this.engineListeners.projected);
    previous.off('delivery', this.engineListeners.delivery);
    previous.off('tunnel', this.engineListeners.tunnel);
    previous.off('selfTest', this.engineListeners.selfTest);
    previous.off('triage', this.engineListeners.triage);
    previous.off('staleTriaged', this.engineListeners.staleTriaged);
    previous.off('alert', this.engineListeners.alert);
    previous.off('erased', this.engineListeners.erased);
    previous.off('forwarded', this.engineListeners.forwarded);
    this.engine = engine;
    this.listen(engine);
    this.emit({ type: 'status' });
    this.emit({ type: 'sessions-changed' });
  }

  private listen(engine: Engine): void {
    engine.on('projected', this.engineListeners.projected);
    engine.on('delivery', this.engineListeners.delivery);
    engine.on('tunnel', this.engineListeners.tunnel);
    engine.on('selfTest', this.engineListeners.selfTest);
    engine.on('triage', this.engineListeners.triage);
    engine.on('staleTriaged', this.engineListeners.staleTriaged);
    engine.on('alert', this.engineListeners.alert);
    engine.on('erased', this.engineListeners.erased);
    engine.on('forwarded', this.engineListeners.forwarded);
  }

  /** Validates `rawArgs` for `method` and runs it. Throws ApiError for anything the caller did wrong. */
  async call(method: string, rawArgs: unknown, caller?: Caller): Promise<unknown> {
    const answer = await this.answer(method, rawArgs, caller);
    return answer instanceof JsonText ? answer.parse() : answer;
  }

  /**
   * The same, for transports that pass the result on (HTTP, IPC): big reads arrive as JsonText,
   * serialized on the archive's reader thread, to be sent as they are.
   */
  async answer(method: string, rawArgs: unknown, caller?: Caller): Promise<unknown> {
    if (!isArchiveMethod(method)) throw new ApiError('not-found', `unknown method "${method}"`);
    const context: CallContext = { actor: caller?.user.name ?? this.actor, user: caller?.user ?? null, address: caller?.address ?? null };
    // Roles are decided here, for every transport, before the arguments are even looked at.
    if (caller && !mayCall(caller.user.role, method)) {
      await this.audit(context, { action: 'forbidden', target: method, detail: `needs the ${METHOD_ROLES[method]} role` });
      throw new ApiError('forbidden', `Only an owner can do this (${method}). Ask an owner of this archive.`);
    }
    const parsed = ARCHIVE_API[method].safeParse(rawArgs ?? {});
    if (!parsed.success) throw new ApiError('bad-request', `${method}: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
    const handler = this.handlers[method] as (args: unknown, context: CallContext) => unknown;
    try {
      const answer = await handler(parsed.data, context);
      const audited = describeCall(method, parsed.data as never, (answer instanceof JsonText ? answer.parse() : answer) as never);
      if (audited) await this.audit(context, audited);
      return answer;
    } catch (error) {
      if (error instanceof ApiError) throw error;
      if (error instanceof BadCursorError || error instanceof InvalidEditError) throw new ApiError('bad-request', error.message);
      if (error instanceof NotFoundError) throw new ApiError('not-found', error.message);
      if (error instanceof ConflictError) throw new ApiError('conflict', error.message);
      throw error;
    }
  }

  private async audit(context: CallContext, entry: { action: AuditAction; target: string | null; detail: string | null }): Promise<void> {
    await this.engine.archive.recordAudit({ at: Date.now(), actor: context.actor, address: context.address, ...entry });
  }

  subscribe(listener: (change: ArchiveChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: ArchiveChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A broken subscriber (a closed window) must not stop the others.
      }
    }
  }

  private get staleAfterMs(): number {
    return this.engine.config.staleAfterMinutes * 60_000;
  }

  /**
   * `viewer` words the warnings for who reads them: staff cannot open Setup or Forwarding, so a
   * warning that tells them to fix something there would send them to a page they do not have.
   */
  async status(viewer: Role = 'owner'): Promise<ArchiveStatus> {
    const { engine } = this;
    const now = Date.now();
    const [counts, outages, followUps] = await Promise.all([
      engine.archive.counts({ staleBefore: now - this.staleAfterMs }),
      engine.archive.recentOutages({ since: now - 7 * 86_400_000, limit: 5 }),
      engine.archive.followUpCounts(now),
    ]);
    const forwarding = await engine.archive.forwardCounts();
    const { staleSessions } = counts;
    const tunnel = engine.tunnelStatus;
    const warnings: ArchiveStatus['warnings'] = [];
    if (!engine.config.secret) {
      const fix = viewer === 'owner' ? 'Set a secret here and in CallAIder.' : 'Ask an owner of this archive to set one.';
      warnings.push({ code: 'no-secret', message: `No webhook secret is set: anyone who knows the webhook URL can add sessions. ${fix}` });
    }
    const tunnelDown = tunnel.state === 'error' || tunnel.state === 'connecting';
    if (tunnelDown) warnings.push({ code: 'tunnel-down', message: `The tunnel is down: CallAIder cannot reach this archive. ${tunnel.error ?? ''}`.trim() });
    // Refusals and quiet periods come right after a broken tunnel: each means calls are being lost now.
    const alertWarnings = engine.alerts.warnings(now).sort((a, b) => Number(b.code === 'refusing') - Number(a.code === 'refusing'));
    warnings.push(...alertWarnings);
    const backupMissing = engine.backups.warning(now);
    if (backupMissing) warnings.push(backupMissing);
    if (!tunnelDown && !engine.publicWebhookUrl) {
      warnings.push({ code: 'no-public-url', message: 'CallAIder cannot reach this archive yet: start it with a tunnel, or give the public URL of your own proxy.' });
    }
    if (staleSessions > 0) {
      warnings.push({ code: 'stale-sessions', message: `${staleSessions} session${staleSessions === 1 ? '' : 's'} started but never ended: their session.ended may have been missed.` });
    }
    if (outages.length > 0) {
      warnings.push({ code: 'missed-window', message: `The public URL was down ${outages.length === 1 ? 'once' : `${outages.length} times`} in the last 7 days: calls in those windows may have been missed (see Setup).` });
    }
    const failed = counts.unindexed;
    if (failed > 0) {
      warnings.push({ code: 'unindexed', message: `${failed} stored event${failed === 1 ? '' : 's'} could not be indexed: ${failed === 1 ? 'it is' : 'they are'} safe in the archive and included in exports, but not shown in the list.` });
    }
    if (forwarding.paused > 0) {
      warnings.push({ code: 'forwarding-paused', message: `Forwarding to ${forwarding.paused === 1 ? 'one target is' : `${forwarding.paused} targets are`} paused (see Forwarding): calls are kept for ${forwarding.paused === 1 ? 'it' : 'them'} and sent once resumed.` });
    }
    if (forwarding.gaveUp > 0) {
      warnings.push({ code: 'forwarding-gave-up', message: `${forwarding.gaveUp} forward${forwarding.gaveUp === 1 ? ' was' : 's were'} given up after 24 hours of failed attempts (see Forwarding: resend them once the target works).` });
    }
    if (counts.quarantined > 0) {
      warnings.push({ code: 'quarantine', message: `${counts.quarantined} deliver${counts.quarantined === 1 ? 'y was' : 'ies were'} refused and kept in quarantine. If the secret was mistyped, re-verify them with the right one.` });
    }
    return {
      version: this.options.version ?? packageVersion,
      host: this.options.host,
      dataDir: engine.config.dataDir,
      archiveFile: archivePath(engine.config.dataDir),
      localWebhookUrl: engine.localWebhookUrl,
      publicWebhookUrl: engine.publicWebhookUrl,
      tunnel: { mode: engine.config.tunnel, state: tunnel.state, error: tunnel.error },
      secretConfigured: Boolean(engine.config.secret),
      requiredHeaderName: engine.config.requiredHeader?.name ?? null,
      counts: {
        sessions: counts.sessions,
        activeSessions: counts.activeSessions,
        staleSessions,
        messages: counts.messages,
        deliveries: counts.deliveries,
        quarantined: counts.quarantined,
      },
      staleAfterMinutes: engine.config.staleAfterMinutes,
      recentOutages: outages,
      indexing: counts.indexing,
      followUps,
      triage: engine.triage.progress,
      lastSelfTest: this.lastSelfTest,
      warnings,
    };
  }

  /** Headless mode: the settings are the serve options; shown, not editable. */
  private headlessSettings(): SettingsView {
    const config = this.engine.config;
    return {
      settings: {
        port: config.port,
        tunnel: config.tunnel,
        ngrokDomain: config.ngrokDomain ?? null,
        publicUrl: config.publicUrl ?? null,
        requiredHeaderName: config.requiredHeader?.name ?? null,
        notifyCalls: 'none',
        notifyOnStarted: false,
        dailySummaryAt: config.alerts ? config.alerts.dailySummaryAt : '08:30',
        quietAlerts: config.alerts?.quietAlerts ?? true,
        notificationsPaused: false,
        startAtLogin: false,
        staleAfterMinutes: config.staleAfterMinutes,
        backupsFolder: config.backupsFolder ?? null,
      },
      secretsSet: {
        ...(Object.fromEntries(SECRET_NAMES.map((name) => [name, false])) as SettingsView['secretsSet']),
        webhookSecret: Boolean(config.secret),
        previousSecret: Boolean(config.previousSecret),
        ngrokAuthtoken: Boolean(config.ngrokAuthtoken),
        requiredHeaderValue: Boolean(config.requiredHeader),
      },
      secretProtection: { kind: 'plaintext', warning: null },
      dataDir: config.dataDir,
      editable: false,
    };
  }

  private createHandlers(): Handlers {
    // Read through `this.engine` at call time: the engine can be replaced (attach).
    const store = () => this.engine.archive;
    return {
      status: (_args, context) => this.status(context.user?.role ?? 'owner'),
      facets: () => store().json.facets(),
      overview: (args) => store().json.overview({ ...args, now: Date.now() }),
      listSessions: (args) => store().json.listSessions({ ...args, now: Date.now(), staleAfterMs: this.staleAfterMs }),
      getSession: async ({ sessionId }) => {
        const session = await store().json.getSession(sessionId, this.staleAfterMs);
        if (session.isNull) throw new ApiError('not-found', `no session "${sessionId}" in the archive`);
        return session as JsonText<SessionDetail>;
      },
      getMessages: ({ sessionId, offset, limit }) => store().json.getMessages(sessionId, offset, limit),
      exportSession: async ({ sessionId, format, mask }) => {
        const { items } = await store().exportSessions({ format, sessionId, limit: 1, pretty: true, mask });
        if (items.length === 0) throw new ApiError('not-found', `no session "${sessionId}" in the archive`);
        const base = `callaider-session-${sessionId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80)}`;
        return format === 'md'
          ? { filename: `${base}.md`, mimeType: 'text/markdown', content: items[0]! }
          : { filename: `${base}.json`, mimeType: 'application/json', content: `{"sessions": [${items[0]!}]}\n` };
      },
      listDeliveries: (args) => store().json.listDeliveries(args),
      getDelivery: async ({ id }) => {
        const delivery = await store().json.getDelivery(id);
        if (delivery.isNull) throw new ApiError('not-found', `no delivery ${id} in the log (it may have been pruned)`);
        return delivery as JsonText<DeliveryDetail>;
      },
      reverifyQuarantine: async ({ secret, ids }) => {
        const result = await reverifyQuarantine(this.engine.archive, secret, { ids, redactCards: this.engine.config.redactCards !== false });
        await this.engine.archive.settled();
        if (result.stored > 0 || result.duplicates > 0) this.emit({ type: 'sessions-changed' });
        this.emit({ type: 'status' });
        return result;
      },
      revealSecret: () => ({ secret: this.engine.config.secret ?? null }),
      sendTestEvent: async () => {
        const result = await this.engine.sendSelfTest();
        await this.engine.archive.settled();
        this.emit({ type: 'sessions-changed' });
        return result;
      },
      getSettings: () => this.options.settings?.view() ?? this.headlessSettings(),
      updateSettings: async (update) => {
        if (!this.options.settings) {
          throw new ApiError('bad-request', 'In headless mode the settings are the options of `callaider-archive serve`; restart it with new options to change them.');
        }
        try {
          const view = await this.options.settings.update(update);
          this.emit({ type: 'status' });
          return view;
        } catch (error) {
          if (error instanceof z.ZodError) throw new ApiError('bad-request', z.prettifyError(error).replace(/\n/g, ' '));
          throw error;
        }
      },
      loadDemoData: async ({ sessions }) => {
        await loadDemoData(this.engine.archive, { sessions });
        await this.engine.archive.settled();
        this.emit({ type: 'sessions-changed' });
        return { sessions };
      },
      ...this.followUpHandlers(),
      ...this.triageHandlers(),
      ...this.encryptionHandlers(),
      ...this.erasureHandlers(),
      whoAmI: (_args, { user }) => ({ user }),
      listAuditLog: (args) => store().json.auditLog(args),
      ...this.forwardingHandlers(),
      // The desktop app answers these itself (electron/main/desktop-service.ts), engine or not.
      hubConnection: refuseHub,
      connectHub: refuseHub,
      disconnectHub: refuseHub,
    };
  }

  /** A session's follow-up, notes and tags: edits made as the caller (the signed-in person, or this.actor). */
  private followUpHandlers(): Pick<Handlers, 'inbox' | 'getFollowUp' | 'setFollowUp' | 'addNote' | 'editNote' | 'deleteNote' | 'listTags' | 'saveTag' | 'deleteTag' | 'tagSession'> {
    const store = () => this.engine.archive;
    const edited = (view: FollowUpView): FollowUpView => {
      this.emit({ type: 'follow-up', sessionId: view.sessionId });
      return view;
    };
    /** A tag's name, colour or existence changed: every list showing it is out of date. */
    const tagsChanged = () => {
      this.emit({ type: 'triage', progress: this.engine.triage.progress });
      this.emit({ type: 'sessions-changed' });
    };
    return {
      inbox: (args) => store().json.inbox({ ...args, now: Date.now() }),
      getFollowUp: async ({ sessionId }) => {
        const view = await store().json.getFollowUp(sessionId);
        if (view.isNull) throw new ApiError('not-found', `no session "${sessionId}" in the archive`);
        return view as JsonText<FollowUpView>;
      },
      setFollowUp: async (args, { actor }) => edited(await store().setFollowUp({ ...args, actor, at: Date.now() })),
      addNote: async ({ sessionId, text }, { actor }) => edited(await store().addNote({ sessionId, text, author: actor, at: Date.now() })),
      editNote: async (args, { actor }) => edited(await store().editNote({ ...args, author: actor, at: Date.now() })),
      deleteNote: async ({ noteId }, { actor }) => edited(await store().deleteNote({ noteId, author: actor })),
      listTags: async () => ({ tags: await store().listTags() }),
      saveTag: async (tag) => {
        const saved = await store().saveTag(tag);
        tagsChanged();
        return saved;
      },
      deleteTag: async ({ id }) => {
        const deleted = await store().deleteTag(id);
        if (deleted) tagsChanged();
        return { deleted };
      },
      tagSession: async (args, { actor }) => edited(await store().tagSession({ ...args, actor, at: Date.now() })),
    };
  }

  /** Rules, callers and alerts. Changing a rule or how callers are recognised re-runs the rules over the archive. */
  /**
   * Headless: the status only (the key came from the command line). The desktop app answers these
   * itself, before this service (electron/main/desktop-service.ts): they stop and restart the engine.
   */
  private encryptionHandlers(): Pick<Handlers, 'encryptionStatus' | 'encryptArchive' | 'changeArchiveKey' | 'revealArchiveKey' | 'useArchiveKey'> {
    const refuse = () => {
      throw new ApiError('failed', HEADLESS_ENCRYPTION);
    };
    return {
      encryptionStatus: () => headlessEncryptionView(this.engine.config.dataDir, this.engine.config.archiveKey, this.engine.backupsFolder),
      encryptArchive: refuse,
      changeArchiveKey: refuse,
      revealArchiveKey: refuse,
      useArchiveKey: refuse,
    };
  }

  private triageHandlers(): Pick<Handlers, 'listRules' | 'saveRule' | 'deleteRule' | 'previewRule' | 'getCallerSettings' | 'saveCallerSettings' | 'getCaller' | 'listAlerts' | 'listBackups' | 'backupNow'> {
    const store = () => this.engine.archive;
    const rerun = () => {
      this.engine.triage.rerun();
      this.emit({ type: 'triage', progress: this.engine.triage.progress });
    };
    const withCountry = (settings: CallerSettings): CallerSettings & { resolvedCountry: string | null } => ({
      ...settings,
      resolvedCountry: settings.defaultCountry ?? defaultCountryFromLocale(),
    });
    return {
      listRules: async () => ({ rules: await store().listRules(), progress: this.engine.triage.progress }),
      saveRule: async (input) => {
        const rule = await store().saveRule(input, Date.now());
        rerun();
        return { rule };
      },
      deleteRule: async ({ id }) => {
        const deleted = await store().deleteRule(id);
        if (deleted) rerun();
        return { deleted };
      },
      previewRule: ({ rule, after }) => store().json.previewRule(rule, { after, budgetMs: PREVIEW_BUDGET_MS, staleBefore: Date.now() - this.staleAfterMs }),
      getCallerSettings: async () => withCountry(await store().callerSettings()),
      saveCallerSettings: async (settings) => {
        const saved = await store().saveCallerSettings(settings);
        rerun();
        return withCountry(saved);
      },
      getCaller: async ({ key, cursor, limit }) => {
        const page = await store().json.getCaller(key, { cursor, limit, now: Date.now(), staleAfterMs: this.staleAfterMs });
        if (page.isNull) throw new ApiError('not-found', `no caller "${key}" in the archive`);
        return page as JsonText<CallerPage>;
      },
      listAlerts: () => ({ alerts: this.engine.alerts.recent() }),
      listBackups: () => ({ folder: this.engine.backupsFolder, backups: listBackups(this.engine.backupsFolder) }),
      backupNow: async () => {
        const record = await this.engine.backups.runNow();
        this.emit({ type: 'status' });
        return record;
      },
    };
  }

  /** Forwarding targets and attempts; the forwarder is woken by every change that makes rows due. */
  private forwardingHandlers(): Pick<
    Handlers,
    'listForwardTargets' | 'saveForwardTarget' | 'deleteForwardTarget' | 'pauseForwardTarget' | 'resumeForwardTarget' | 'listForwardAttempts' | 'resendForward' | 'resendForwardPeriod'
  > {
    const store = () => this.engine.archive;
    const changed = <T>(value: T): T => {
      this.emit({ type: 'forwarding' });
      this.emit({ type: 'status' });
      this.engine.forwarder.wake();
      return value;
    };
    return {
      listForwardTargets: async () => {
        const [targets, counts] = await Promise.all([store().forwardTargets(), store().forwardCounts()]);
        return { targets, counts };
      },
      saveForwardTarget: async ({ id, url, events, headers, secret, newSecret }) => {
        const targets = await store().forwardTargets();
        const taken = targets.find((target) => target.url === url);
        if (taken && taken.id !== id) throw new ApiError('bad-request', `${url} is already a forwarding target: edit that one.`);
        // An edit keeps where the target came from (serve upserts command-line ones by URL at each start).
        const origin = targets.find((target) => target.id === id)?.origin ?? 'owner';
        const setSecret = secret ?? (id === undefined || newSecret ? generateForwardSecret() : undefined);
        const target = await store().saveForwardTarget({ id, url, events, headers, secret: setSecret, origin, at: Date.now() });
        return changed({ target, secret: setSecret ?? null });
      },
      deleteForwardTarget: async ({ id }) => changed({ deleted: await store().deleteForwardTarget(id) }),
      pauseForwardTarget: async ({ id, reason }) => changed(await store().pauseForwardTarget({ id, reason: reason || `paused by ${this.actor}`, at: Date.now() })),
      resumeForwardTarget: async ({ id }) => changed(await store().resumeForwardTarget({ id, at: Date.now() })),
      listForwardAttempts: (query) => store().json.forwardAttempts(query),
      resendForward: async ({ outboxId }) => changed({ queued: await store().resendForward({ outboxId, at: Date.now() }) }),
      resendForwardPeriod: async ({ targetId, from, to }) => {
        let queued = 0;
        let afterId: number | null = null;
        do {
          const page = await store().resendPeriod({ targetId, from, to, afterId, at: Date.now() });
          queued += page.queued;
          afterId = page.nextAfterId;
        } while (afterId !== null);
        return changed({ queued });
      },
    };
  }

  /** Erasure and retention: permanent, recorded (what kind, how many, by whom), never which sessions. */
  private erasureHandlers(): Pick<Handlers, 'eraseSession' | 'eraseCaller' | 'getRetention' | 'setRetention' | 'exportBefore'> {
    const store = () => this.engine.archive;
    const view = (period?: RetentionPeriod) => store().json.retention({ now: Date.now(), period, limit: 20 });
    return {
      eraseSession: async ({ sessionId }, { actor }) => ({ erased: await this.engine.eraser.eraseSession(sessionId, actor) }),
      eraseCaller: async ({ key }, { actor }) => ({ erased: await this.engine.eraser.eraseCaller(key, actor) }),
      getRetention: ({ period }) => view(period),
      setRetention: async ({ period }) => {
        await store().setRetention(period);
        // The run erases in the background; the window hears of it through 'sessions-changed'.
        if (period !== 'off') this.engine.retention.runNow().catch(() => undefined);
        this.emit({ type: 'status' });
        return view();
      },
      exportBefore: async ({ before, format }) => {
        const items: string[] = [];
        let afterId: number | undefined;
        do {
          const page = await store().exportSessions({ format, before, afterId, limit: 500, pretty: format === 'json' });
          items.push(...page.items);
          if (items.length > WINDOW_EXPORT_LIMIT) {
            throw new ApiError(
              'bad-request',
              `More than ${WINDOW_EXPORT_LIMIT} sessions: export them with \`callaider-archive export --before ${new Date(before).toISOString()} --out FILE\` instead.`,
            );
          }
          afterId = page.nextAfterId ?? undefined;
        } while (afterId !== undefined);
        const base = `callaider-sessions-before-${new Date(before).toISOString().slice(0, 10)}`;
        return format === 'md'
          ? { filename: `${base}.md`, mimeType: 'text/markdown', content: items.join('\n---\n\n'), sessions: items.length }
          : { filename: `${base}.json`, mimeType: 'application/json', content: `{"sessions": [${items.join(',\n')}]}\n`, sessions: items.length };
      },
    };
  }
}
