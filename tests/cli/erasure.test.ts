import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/fixtures.js';
import { assertBuilt, runCli } from '../support/cli.js';

beforeAll(assertBuilt);

const DAY = 86_400_000;

/** A demo archive: 120 sessions over four months, ending now. */
function demo(): string {
  const dataDir = tempDir();
  expect(runCli(['demo', '--data-dir', dataDir, '--sessions', '120', '--seed', '3']).code).toBe(0);
  return dataDir;
}

const ids = (ndjson: string) => ndjson.trim().split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { sessionId: string }).sessionId);

describe('erase and retention commands', () => {
  it('exports exactly what retention then erases, records it, and refuses without --yes when not at a terminal', async () => {
    const dataDir = demo();
    const all = ids(runCli(['export', '--data-dir', dataDir, '--format', 'ndjson']).stdout);
    const cutoffDay = new Date(Date.now() - 90 * DAY).toISOString().slice(0, 10);
    const before = ids(runCli(['export', '--data-dir', dataDir, '--format', 'ndjson', '--before', cutoffDay]).stdout);
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(all.length);

    const refused = runCli(['retention', 'set', '90d', '--data-dir', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Refusing without --yes .*nothing was changed/);
    expect(runCli(['retention', '--data-dir', dataDir]).stdout).toContain('retention: off');

    const set = runCli(['retention', 'set', '90d', '--yes', '--data-dir', dataDir]);
    expect(set.code).toBe(0);
    expect(set.stderr).toMatch(/retention set to 90 days: erased \d+ sessions/);
    const left = ids(runCli(['export', '--data-dir', dataDir, '--format', 'ndjson']).stdout);
    // The run's cutoff is 90 days before now (to the millisecond), the export's the UTC midnight
    // before it: everything the export held is gone, and nothing newer than the period.
    for (const id of before) expect(left).not.toContain(id);
    expect(left.length + Number(/erased (\d+) sessions/.exec(set.stderr)![1])).toBe(all.length);
    const shown = runCli(['retention', '--data-dir', dataDir]).stdout;
    expect(shown).toMatch(/retention: 90 days/);
    expect(shown).toMatch(/erasures: 1 \(newest first\)\n {2}\S+ {2}retention: \d+ sessions erased by retention\n/);
  });

  it('erases one session and a caller, and says clearly what is wrong with bad input', () => {
    const dataDir = demo();
    const sessions = runCli(['export', '--data-dir', dataDir, '--format', 'ndjson']).stdout.trim().split('\n').map((line) => JSON.parse(line) as { sessionId: string; followUp: { caller: { key: string } | null } | null });
    const one = sessions[0]!.sessionId;
    expect(runCli(['erase', '--data-dir', dataDir, '--session', one]).stderr).toMatch(/Refusing without --yes/);
    const erased = runCli(['erase', '--data-dir', dataDir, '--session', one, '--yes']);
    expect(erased.stderr).toContain('erased 1 session; their traces are gone');
    expect(runCli(['export', '--data-dir', dataDir, '--session', one]).stderr).toContain(`no session "${one}"`);

    const key = sessions.find((s) => s.followUp?.caller)!.followUp!.caller!.key;
    const theirs = sessions.filter((s) => s.sessionId !== one && s.followUp?.caller?.key === key).length;
    const caller = runCli(['erase', '--data-dir', dataDir, '--caller', key, '--yes']);
    expect(caller.stderr).toContain(`erased ${theirs} session`);
    const rest = runCli(['export', '--data-dir', dataDir, '--format', 'ndjson']).stdout;
    expect(rest).not.toContain(`"key":"${key}"`);

    for (const [args, message] of [
      [['erase', '--yes'], 'give either --session ID or --caller KEY'],
      [['erase', '--session', 'a', '--caller', 'b', '--yes'], 'give either --session ID or --caller KEY'],
      [['erase', '--session', 'no-such', '--yes'], 'no session "no-such" in the archive; nothing was erased'],
      [['erase', '--caller', 'tel:+10000000000', '--yes'], 'no caller "tel:+10000000000"'],
      [['retention', 'set'], '`retention set` needs a period'],
      [['retention', 'set', '10y'], 'unknown retention period "10y"'],
      [['retention', 'sometimes'], 'unknown retention action "sometimes"'],
      [['export', '--before', 'last week'], '--before must be a date'],
    ] as const) {
      const result = runCli([...args, '--data-dir', dataDir]);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toContain(message);
    }
    expect(runCli(['retention', '--data-dir', join(dataDir, 'empty')]).stderr).toContain('no archive in');
    expect(readFileSync(join(dataDir, 'archive.sqlite')).includes(Buffer.from(one))).toBe(false);
  });
});
