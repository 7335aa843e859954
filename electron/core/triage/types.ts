/** The shapes triage works on: a session's facts, the rules' outcome, an identified caller. */
import type { FollowUpReason, Priority } from '../../../shared/follow-up.js';

/** What the rules look at: one session as the archive has projected it. */
export interface SessionFacts {
  sessionId: string;
  status: 'active' | 'ended';
  /** Started, never ended, and older than the stale threshold (a dropped call). */
  stale: boolean;
  mode: string | null;
  reason: string | null;
  durationSeconds: number | null;
  assistantId: string | null;
  metadata: Record<string, unknown> | null;
  messages: Array<{
    role: string;
    content: string;
    toolName: string | null;
    /** JSON text as stored, or null. */
    toolArguments: string | null;
    toolError: string | null;
    fileCount: number;
  }>;
  fileCount: number;
}

/** The rules' conclusion for one session. */
export interface TriageOutcome {
  /** Null when no enabled rule asks for a follow-up. */
  followUp: { priority: Priority; reasons: FollowUpReason[] } | null;
  /** Tag names the matching rules add. */
  tags: string[];
  notify: boolean;
  /** Every matching rule with its reason in words (a rule may match without asking for a follow-up). */
  matches: Array<{ ruleId: string; text: string }>;
}

export interface IdentifiedCaller {
  key: string;
  label: string;
  kind: 'phone' | 'email' | 'other';
}
