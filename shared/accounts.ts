/**
 * Accounts for the office network: who may call which ArchiveApi method, and the audit log's shape.
 * The permission table is the one place roles are decided; the engine enforces it on every call
 * (archive-service.ts) and the window only uses it to hide what would be refused anyway.
 */
import type { ArchiveMethod } from './api.js';

export const ROLES = ['owner', 'staff'] as const;
export type Role = (typeof ROLES)[number];

/** A signed-in person as the window sees them. */
export interface SignedInUser {
  name: string;
  role: Role;
}

/** Why a name cannot be an account's name, or null when it can. Every store checks it the same way. */
export function userNameProblem(name: string): string | null {
  if (name.trim() !== name || name.length === 0) return 'A name cannot be empty or start or end with spaces.';
  if (name.length > 64) return 'A name can be 64 characters at most.';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'A name cannot contain control characters.';
  return null;
}

/** Names are compared like this: "Ana" and "ANA" are one person. */
export function userNameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/** Passwords shorter than this are refused, with this message. */
export const MIN_PASSWORD_LENGTH = 10;
export const PASSWORD_TOO_SHORT = `A password needs at least ${MIN_PASSWORD_LENGTH} characters. A few unrelated words make a long one that is easy to remember.`;
/** Long enough for any passphrase, short enough that hashing it costs nothing extra. */
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * The lowest role that may call each method. staff: read sessions, deliveries, the inbox and
 * callers, and work the follow-up list. owner: everything else (settings, deleting, erasing,
 * exporting, secrets, backups, the audit log). A method missing here does not compile.
 */
export const METHOD_ROLES: Record<ArchiveMethod, Role> = {
  status: 'staff',
  facets: 'staff',
  listSessions: 'staff',
  getSession: 'staff',
  getMessages: 'staff',
  exportSession: 'owner',
  eraseSession: 'owner',
  eraseCaller: 'owner',
  getRetention: 'owner',
  setRetention: 'owner',
  exportBefore: 'owner',
  listDeliveries: 'staff',
  getDelivery: 'staff',
  reverifyQuarantine: 'owner',
  revealSecret: 'owner',
  sendTestEvent: 'owner',
  loadDemoData: 'owner',
  getSettings: 'owner',
  updateSettings: 'owner',
  inbox: 'staff',
  getFollowUp: 'staff',
  setFollowUp: 'staff',
  addNote: 'staff',
  editNote: 'staff',
  deleteNote: 'staff',
  listTags: 'staff',
  // Making a new tag while tagging a call is working the list; deleting one changes every call that has it.
  saveTag: 'staff',
  deleteTag: 'owner',
  tagSession: 'staff',
  listRules: 'owner',
  saveRule: 'owner',
  deleteRule: 'owner',
  previewRule: 'owner',
  getCallerSettings: 'owner',
  saveCallerSettings: 'owner',
  getCaller: 'staff',
  listAlerts: 'staff',
  listBackups: 'owner',
  backupNow: 'owner',
  encryptionStatus: 'owner',
  encryptArchive: 'owner',
  changeArchiveKey: 'owner',
  revealArchiveKey: 'owner',
  useArchiveKey: 'owner',
  whoAmI: 'staff',
  listAuditLog: 'owner',
  // Counts and charts of the calls staff work with anyway; no contents, no settings.
  overview: 'staff',
  // Targets carry the owner's other tools' addresses and headers (often a key), and resending hands calls out.
  listForwardTargets: 'owner',
  saveForwardTarget: 'owner',
  deleteForwardTarget: 'owner',
  pauseForwardTarget: 'owner',
  resumeForwardTarget: 'owner',
  listForwardAttempts: 'owner',
  resendForward: 'owner',
  resendForwardPeriod: 'owner',
  hubConnection: 'owner',
  connectHub: 'owner',
  disconnectHub: 'owner',
};

export function mayCall(role: Role, method: ArchiveMethod): boolean {
  return role === 'owner' || METHOD_ROLES[method] === 'staff';
}

/** What the audit log records. Never message contents: a target is a session id, a user's name, a setting's name. */
export const AUDIT_ACTIONS = [
  'sign-in',
  'sign-in-failed',
  'sign-out',
  'password-set',
  'user-added',
  'user-link',
  'user-disabled',
  'user-removed',
  'export',
  'erase',
  'delete',
  'settings',
  'reveal',
  'backup',
  'forbidden',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  id: number;
  at: number;
  /** The signed-in name, the OS user in single-user mode, the name tried for a failed sign-in. */
  actor: string;
  action: AuditAction;
  /** What it was done to (a session id, a user, a method), or null. */
  target: string | null;
  /** The address the request came from; null from the command line. */
  address: string | null;
  /** A few words more (which setting, how many sessions, why a sign-in failed). */
  detail: string | null;
}

export interface AuditPage {
  items: AuditEntry[];
  /** Pass back as beforeId for the next (older) page; null at the end. */
  nextBeforeId: number | null;
}

/** whoAmI: null user in single-user mode (the loopback token, the desktop app). */
export interface WhoAmI {
  user: SignedInUser | null;
}
