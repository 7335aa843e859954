/**
 * The owner's follow-up in csv and md exports: the pure renderers, on a session built here (the
 * round trip through a real archive is in follow-up-round-trip.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { ExportedSession } from '../../shared/export-format.js';
import { CSV_COLUMNS, csvHeader, renderCsvRows, renderMarkdown } from '../../shared/export-render.js';
import type { ExportedFollowUp } from '../../shared/follow-up.js';

const followUp: ExportedFollowUp = {
  state: 'follow-up',
  priority: 'high',
  snoozedUntil: '2026-06-01T08:00:00.000Z',
  reasons: [
    { ruleId: 'tool-failed', text: 'Booking failed: upstream timeout', priority: 'high' },
    { ruleId: 'files', text: 'The caller sent 1 file', priority: 'normal' },
  ],
  changedBy: 'rules',
  changedAt: '2026-05-28T12:00:05.000Z',
  notes: [
    { author: 'Ana', text: '=HYPERLINK("http://evil")', createdAt: '2026-05-28T13:00:00.000Z', updatedAt: '2026-05-28T13:00:00.000Z' },
    { author: 'Bo', text: 'Called back, "no answer"\nTry again tomorrow', createdAt: '2026-05-28T14:00:00.000Z', updatedAt: '2026-05-28T15:30:00.000Z' },
  ],
  tags: [
    { name: 'billing', color: 'blue' },
    { name: '+vip', color: 'red' },
  ],
  caller: { key: 'tel:+15550100', label: '+1 555-0100', kind: 'phone' },
};

function session(overrides: Partial<ExportedSession> = {}): ExportedSession {
  return {
    sessionId: 's-1',
    assistantId: 7,
    status: 'ended',
    startedAt: '2026-05-28T12:00:00.000Z',
    endedAt: '2026-05-28T12:02:00.000Z',
    reason: 'hangup',
    durationSeconds: 120,
    metadata: { sessionMode: 'voice', callId: 'c-1' },
    transcript: [
      { role: 'assistant', content: 'Hello!', timestamp: Date.parse('2026-05-28T12:00:02.000Z') },
      { role: 'user', content: 'Book me in', timestamp: Date.parse('2026-05-28T12:00:10.000Z') },
    ],
    followUp,
    ...overrides,
  };
}

/** Parses RFC 4180 CSV (quoted fields with commas, quotes and newlines) into rows of cells. */
function parseCsv(csv: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < csv.length; i += 1) {
    const c = csv[i]!;
    if (quoted) {
      if (c === '"' && csv[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && csv[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else cell += c;
  }
  return rows;
}

const cellsByColumn = (row: string[]) => Object.fromEntries(CSV_COLUMNS.map((column, i) => [column, row[i]]));

describe('csv with follow-ups', () => {
  it('keeps the old columns in their order and adds the follow-up ones at the end', () => {
    expect(CSV_COLUMNS.slice(0, 18)).toEqual([
      'sessionId', 'assistantId', 'status', 'startedAt', 'endedAt', 'reason', 'durationSeconds', 'sessionMode', 'callId',
      'messageIndex', 'role', 'messageTime', 'content', 'toolName', 'toolArguments', 'toolResult', 'toolError', 'files',
    ]);
    expect(CSV_COLUMNS.slice(18)).toEqual(['followUpState', 'followUpPriority', 'followUpReasons', 'tags', 'notes', 'caller']);
    expect(csvHeader()).toBe(`${CSV_COLUMNS.join(',')}\r\n`);
  });

  it('repeats the follow-up on every message row, joined as documented, with formulas defused', () => {
    const rows = parseCsv(renderCsvRows(session()));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toHaveLength(CSV_COLUMNS.length);
      expect(cellsByColumn(row)).toMatchObject({
        followUpState: 'follow-up',
        followUpPriority: 'high',
        followUpReasons: 'Booking failed: upstream timeout; The caller sent 1 file',
        tags: 'billing; +vip',
        notes: 'Ana (2026-05-28T13:00:00.000Z): =HYPERLINK("http://evil") | Bo (2026-05-28T14:00:00.000Z): Called back, "no answer"\nTry again tomorrow',
        caller: "'+1 555-0100",
      });
    }
    expect(cellsByColumn(rows[1]!)).toMatchObject({ messageIndex: '1', content: 'Book me in' });
  });

  it('defuses a cell whose first note or tag starts like a formula', () => {
    const risky: ExportedFollowUp = { ...followUp, notes: [], tags: [{ name: '=cmd|calc', color: 'gray' }], reasons: [{ ruleId: 'x', text: '@SUM(A1)', priority: 'low' }] };
    const [row] = parseCsv(renderCsvRows(session({ followUp: risky, transcript: [] })));
    expect(cellsByColumn(row!)).toMatchObject({ tags: "'=cmd|calc", followUpReasons: "'@SUM(A1)", notes: '' });
    const formulaNote: ExportedFollowUp = { ...followUp, notes: [{ ...followUp.notes[0]!, author: '-1+1' }] };
    const [noteRow] = parseCsv(renderCsvRows(session({ followUp: formulaNote, transcript: [] })));
    expect(cellsByColumn(noteRow!).notes).toBe(`'-1+1 (2026-05-28T13:00:00.000Z): =HYPERLINK("http://evil")`);
  });

  it('leaves the follow-up cells empty without a followUp, on a session without messages too', () => {
    for (const without of [session({ followUp: null }), session({ followUp: undefined }), session({ followUp: null, transcript: [] })]) {
      for (const row of parseCsv(renderCsvRows(without))) {
        expect(row).toHaveLength(CSV_COLUMNS.length);
        expect(row.slice(18)).toEqual(['', '', '', '', '', '']);
      }
    }
    const [empty] = parseCsv(renderCsvRows(session({ transcript: [] })));
    expect(cellsByColumn(empty!)).toMatchObject({ messageIndex: '', followUpState: 'follow-up', caller: "'+1 555-0100" });
  });
});

describe('markdown with follow-ups', () => {
  it('adds a Follow-up section after the header facts, before the transcript', () => {
    const md = renderMarkdown(session());
    const section = md.slice(md.indexOf('## Follow-up'), md.indexOf('## Transcript'));
    expect(md.indexOf('- **End reason:** hangup')).toBeLessThan(md.indexOf('## Follow-up'));
    expect(section).toContain('- **State:** to follow up (high priority, snoozed until 2026-06-01T08:00:00.000Z)');
    expect(section).toContain('- **Changed by:** rules on 2026-05-28T12:00:05.000Z');
    expect(section).toContain('- **Caller:** +1 555-0100');
    expect(section).toContain('- **Tags:** billing, +vip');
    expect(section).toContain('- Booking failed: upstream timeout (high priority)\n- The caller sent 1 file (normal priority)');
    expect(section).toContain('**Note** by Ana, 2026-05-28T13:00:00.000Z\n\n> =HYPERLINK("http://evil")');
    // Every line of a multi-line note stays inside its quote; an edit says when.
    expect(section).toContain('**Note** by Bo, 2026-05-28T14:00:00.000Z, edited 2026-05-28T15:30:00.000Z\n\n> Called back, "no answer"\n> Try again tomorrow');
  });

  it('has no section when there is nothing to show', () => {
    const nothing: ExportedFollowUp = { state: 'open', priority: null, snoozedUntil: null, reasons: [], changedBy: null, changedAt: null, notes: [], tags: [], caller: null };
    for (const quiet of [session({ followUp: nothing }), session({ followUp: null }), session({ followUp: undefined })]) {
      expect(renderMarkdown(quiet)).not.toContain('## Follow-up');
    }
    expect(renderMarkdown(session({ followUp: { ...nothing, state: 'done', changedBy: 'Ana', changedAt: '2026-05-29T09:00:00.000Z' } }))).toContain(
      '## Follow-up\n\n- **State:** done\n- **Changed by:** Ana on 2026-05-29T09:00:00.000Z\n',
    );
    expect(renderMarkdown(session({ followUp: { ...nothing, caller: followUp.caller } }))).toContain('- **State:** open\n- **Caller:** +1 555-0100');
  });
});
