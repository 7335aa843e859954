/**
 * Which ArchiveApi calls go to the audit log, and how each is described. Targets and details name
 * things (a session id, a setting's name, how many sessions), never message contents or secret
 * values; erasures say how many, never which sessions (as the erasure record does).
 */
import type { AuditAction } from '../../../shared/accounts.js';
import type { ArchiveMethod, ArchiveParsedArgs, ArchiveResults } from '../../../shared/api.js';

export interface AuditDescription {
  action: AuditAction;
  target: string | null;
  detail: string | null;
}

type Describe<M extends ArchiveMethod> = (args: ArchiveParsedArgs<M>, result: ArchiveResults[M]) => AuditDescription;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export const AUDITED_CALLS: { [M in ArchiveMethod]?: Describe<M> } = {
  exportSession: (args) => ({ action: 'export', target: args.sessionId, detail: `${args.format}${args.mask ? ', contacts masked' : ''}` }),
  exportBefore: (args, result) => ({ action: 'export', target: null, detail: `${plural(result.sessions, 'session')} started before ${new Date(args.before).toISOString().slice(0, 10)}, ${args.format}` }),
  eraseSession: (_args, result) => ({ action: 'erase', target: null, detail: result.erased ? '1 session' : 'nothing (no such session)' }),
  eraseCaller: (_args, result) => ({ action: 'erase', target: null, detail: `${plural(result.erased, 'session')} of one caller` }),
  setRetention: (args) => ({ action: 'settings', target: 'retention', detail: args.period }),
  // The names of the settings changed, never their values (some are secrets).
  updateSettings: (args) => ({ action: 'settings', target: 'settings', detail: Object.keys(args).sort().join(', ') || null }),
  saveRule: (args, result) => ({ action: 'settings', target: `rule ${result.rule.id}`, detail: args.id ? 'changed' : 'added' }),
  deleteRule: (args, result) => ({ action: 'delete', target: `rule ${args.id}`, detail: result.deleted ? null : 'nothing to delete' }),
  saveCallerSettings: () => ({ action: 'settings', target: 'caller settings', detail: null }),
  deleteTag: (args, result) => ({ action: 'delete', target: `tag ${args.id}`, detail: result.deleted ? null : 'nothing to delete' }),
  deleteNote: (args, result) => ({ action: 'delete', target: result.sessionId, detail: `note ${args.noteId}` }),
  revealSecret: () => ({ action: 'reveal', target: 'webhook secret', detail: null }),
  revealArchiveKey: () => ({ action: 'reveal', target: 'archive key', detail: null }),
  reverifyQuarantine: (_args, result) => ({ action: 'settings', target: 'quarantine', detail: `re-verified with a secret: ${result.stored} stored` }),
  encryptArchive: () => ({ action: 'settings', target: 'encryption', detail: 'encrypted' }),
  changeArchiveKey: () => ({ action: 'settings', target: 'encryption', detail: 'key changed' }),
  useArchiveKey: () => ({ action: 'settings', target: 'encryption', detail: 'key entered' }),
  backupNow: (_args, result) => ({ action: 'backup', target: result.file, detail: result.ok ? null : 'failed' }),
  // A target's URL may carry a key in its query: the log names the target by its number.
  saveForwardTarget: (args, result) => ({ action: 'settings', target: `forwarding target ${result.target.id}`, detail: args.id ? 'changed' : 'added' }),
  deleteForwardTarget: (args, result) => ({ action: 'delete', target: `forwarding target ${args.id}`, detail: result.deleted ? null : 'nothing to delete' }),
  pauseForwardTarget: (args) => ({ action: 'settings', target: `forwarding target ${args.id}`, detail: 'paused' }),
  resumeForwardTarget: (args) => ({ action: 'settings', target: `forwarding target ${args.id}`, detail: 'resumed' }),
  // Resending hands calls to another tool again: an export, as far as the record goes.
  resendForward: (args, result) => ({ action: 'export', target: null, detail: result.queued ? `forward ${args.outboxId} sent again` : 'nothing to resend' }),
  resendForwardPeriod: (args, result) => ({ action: 'export', target: `forwarding target ${args.targetId}`, detail: `${plural(result.queued, 'event')} queued again` }),
  loadDemoData: (args) => ({ action: 'settings', target: 'demo data', detail: plural(args.sessions, 'session') }),
};

export function describeCall<M extends ArchiveMethod>(method: M, args: ArchiveParsedArgs<M>, result: ArchiveResults[M]): AuditDescription | null {
  const describe = AUDITED_CALLS[method] as Describe<M> | undefined;
  return describe ? describe(args, result) : null;
}
