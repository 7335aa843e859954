/**
 * Renders exported sessions as CSV rows and Markdown. Pure functions, so the CLI exporter and
 * the UI's "export this session" produce the same files.
 */
import { formatDuration, formatOffset, type ExportedSession } from './export-format.js';
import type { ExportedFollowUp, FollowUpState } from './follow-up.js';
import { stringifyJson } from './json.js';
import { redactionNote } from './redaction.js';

interface ItemView {
  role: string;
  content: string;
  timestamp: number | null;
  toolCall: { name?: unknown; arguments?: unknown; result?: unknown; error?: unknown } | null;
  files: Array<{ gcsUri?: unknown; mimeType?: unknown; filename?: unknown }>;
}

/** Reads a transcript item defensively: exports must never fail on an odd item. */
function viewItem(item: unknown): ItemView {
  const record = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
  const toolCall = typeof record.toolCall === 'object' && record.toolCall !== null ? (record.toolCall as ItemView['toolCall']) : null;
  return {
    role: typeof record.role === 'string' ? record.role : 'unknown',
    content: typeof record.content === 'string' ? record.content : '',
    timestamp: typeof record.timestamp === 'number' ? record.timestamp : null,
    toolCall,
    files: Array.isArray(record.files) ? (record.files.filter((f) => typeof f === 'object' && f !== null) as ItemView['files']) : [],
  };
}

const text = (value: unknown): string => (value === undefined || value === null ? '' : typeof value === 'string' ? value : stringifyJson(value));
const isoOf = (ms: number | null): string => (ms === null || !Number.isFinite(ms) ? '' : new Date(ms).toISOString());
const metadataField = (session: ExportedSession, key: string): string =>
  typeof session.metadata === 'object' && session.metadata !== null ? text((session.metadata as Record<string, unknown>)[key]) : '';

export const CSV_COLUMNS = [
  'sessionId', 'assistantId', 'status', 'startedAt', 'endedAt', 'reason', 'durationSeconds', 'sessionMode', 'callId',
  'messageIndex', 'role', 'messageTime', 'content', 'toolName', 'toolArguments', 'toolResult', 'toolError', 'files',
  // Added with follow-ups, after the rest: spreadsheets built on the columns above keep working.
  'followUpState', 'followUpPriority', 'followUpReasons', 'tags', 'notes', 'caller',
] as const;

/**
 * One CSV field, RFC 4180 quoted. Text that a spreadsheet would run as a formula (=, +, -, @,
 * tab, CR at the start) is prefixed with an apostrophe: callers' words must not become formulas.
 */
export function csvField(value: unknown, { textual = true } = {}): string {
  let s = text(value);
  if (textual && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

/** One row per transcript item (one row with empty message columns for a session without any). */
export function renderCsvRows(session: ExportedSession): string {
  const sessionCells = [
    csvField(session.sessionId),
    csvField(session.assistantId, { textual: typeof session.assistantId === 'string' }),
    csvField(session.status),
    csvField(session.startedAt),
    csvField(session.endedAt),
    csvField(session.reason),
    csvField(session.durationSeconds, { textual: false }),
    csvField(metadataField(session, 'sessionMode')),
    csvField(metadataField(session, 'callId')),
  ];
  const followUpCells = renderFollowUpCells(session.followUp ?? null);
  if (session.transcript.length === 0) return `${[...sessionCells, '', '', '', '', '', '', '', '', '', ...followUpCells].join(',')}\r\n`;
  return session.transcript
    .map((raw, index) => {
      const item = viewItem(raw);
      const files = item.files.map((f) => `${text(f.filename) || 'file'} <${text(f.gcsUri)}>`).join('; ');
      return `${[
        ...sessionCells,
        String(index),
        csvField(item.role),
        csvField(isoOf(item.timestamp)),
        csvField(item.content),
        csvField(item.toolCall?.name),
        csvField(item.toolCall?.arguments),
        csvField(item.toolCall?.result),
        csvField(item.toolCall?.error),
        csvField(files),
        ...followUpCells,
      ].join(',')}\r\n`;
    })
    .join('');
}

/** The follow-up columns, the same on every row of a session; empty when it has no follow-up. */
function renderFollowUpCells(followUp: ExportedFollowUp | null): string[] {
  if (followUp === null) return ['', '', '', '', '', ''];
  return [
    csvField(followUp.state),
    csvField(followUp.priority),
    csvField(followUp.reasons.map((reason) => reason.text).join('; ')),
    csvField(followUp.tags.map((tag) => tag.name).join('; ')),
    csvField(followUp.notes.map((note) => `${note.author} (${note.createdAt}): ${note.text}`).join(' | ')),
    csvField(followUp.caller?.label),
  ];
}

const ROLE_LABEL: Record<string, string> = { user: 'Caller', assistant: 'Assistant', system: 'System', tool: 'Tool' };

/** Markdown that reads well on its own: header facts, then the conversation. */
export function renderMarkdown(session: ExportedSession): string {
  const startMs = session.startedAt ? Date.parse(session.startedAt) : null;
  const lines: string[] = [`# Session ${session.sessionId}`, ''];
  const fact = (label: string, value: string) => value && lines.push(`- **${label}:** ${value}`);
  fact('Assistant', text(session.assistantId));
  fact('Status', session.status);
  fact('Started', session.startedAt ?? '');
  fact('Ended', session.endedAt ?? '');
  fact('Duration', session.durationSeconds === null ? '' : formatDuration(session.durationSeconds));
  fact('End reason', session.reason ?? '');
  fact('Card data', redactionNote(session.redactions ?? 0) ?? '');
  if (typeof session.metadata === 'object' && session.metadata !== null) {
    for (const [key, value] of Object.entries(session.metadata as Record<string, unknown>)) fact(key, text(value));
  }
  lines.push('', ...renderFollowUpSection(session.followUp ?? null), '## Transcript', '');
  if (session.transcript.length === 0) lines.push('_No transcript (the session has not ended, or nothing was said)._', '');
  for (const raw of session.transcript) {
    const item = viewItem(raw);
    const offset = item.timestamp === null ? '' : ` ${formatOffset(item.timestamp, startMs)}`;
    lines.push(`**${ROLE_LABEL[item.role] ?? item.role}**${offset}`, '');
    if (item.content) lines.push(quoteBlock(item.content), '');
    if (item.toolCall) {
      const failed = text(item.toolCall.error);
      lines.push(`Tool call \`${text(item.toolCall.name) || 'unnamed'}\`${failed ? ` **failed: ${failed}**` : ''}`, '');
      if (item.toolCall.arguments !== undefined) lines.push('Arguments:', '', fenced(item.toolCall.arguments), '');
      if (item.toolCall.result !== undefined && item.toolCall.result !== null) lines.push('Result:', '', fenced(item.toolCall.result), '');
    }
    for (const file of item.files) {
      const name = text(file.filename) || 'file';
      lines.push(`- 📎 ${name}${file.mimeType ? ` (${text(file.mimeType)})` : ''}: \`${text(file.gcsUri)}\``);
    }
    if (item.files.length > 0) lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

const STATE_LABEL: Record<FollowUpState, string> = { open: 'open', 'follow-up': 'to follow up', done: 'done' };

/** The owner's follow-up as a section of its own (nothing when there is nothing to show). */
function renderFollowUpSection(followUp: ExportedFollowUp | null): string[] {
  if (followUp === null) return [];
  const { state, priority, snoozedUntil, reasons, tags, notes, caller, changedBy, changedAt } = followUp;
  if (state === 'open' && reasons.length === 0 && tags.length === 0 && notes.length === 0 && caller === null) return [];
  const details = [priority ? `${priority} priority` : '', snoozedUntil ? `snoozed until ${snoozedUntil}` : ''].filter(Boolean);
  const lines = ['## Follow-up', '', `- **State:** ${STATE_LABEL[state]}${details.length > 0 ? ` (${details.join(', ')})` : ''}`];
  if (changedBy) lines.push(`- **Changed by:** ${changedBy}${changedAt ? ` on ${changedAt}` : ''}`);
  if (caller) lines.push(`- **Caller:** ${caller.label}`);
  if (tags.length > 0) lines.push(`- **Tags:** ${tags.map((tag) => tag.name).join(', ')}`);
  if (reasons.length > 0) lines.push('', '**Why:**', '', ...reasons.map((reason) => `- ${reason.text} (${reason.priority} priority)`));
  for (const note of notes) {
    const edited = note.updatedAt !== note.createdAt ? `, edited ${note.updatedAt}` : '';
    lines.push('', `**Note** by ${note.author}, ${note.createdAt}${edited}`, '', quoteBlock(note.text));
  }
  lines.push('');
  return lines;
}

function quoteBlock(content: string): string {
  return content
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

function fenced(value: unknown): string {
  const body = stringifyJson(value, 2);
  const fence = body.includes('```') ? '~~~~' : '```';
  return `${fence}json\n${body}\n${fence}`;
}
