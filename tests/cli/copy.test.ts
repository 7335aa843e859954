/**
 * `copy` through the real CLI: a SQLite archive (demo data, plus a note and a rule the owner made)
 * into PostgreSQL and back into a new SQLite archive, with identical exports at each step; a
 * non-empty destination refused unless asked.
 */
import { beforeAll, expect, it } from 'vitest';
import { SqliteStore } from '../../electron/core/archive/sqlite/sqlite-store.js';
import { assertBuilt, runCli } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';
import { describePostgres, usePostgresCluster } from '../support/postgres-fixture.js';
import { archivePath } from '../../electron/core/paths.js';
import { ruleInputSchema } from '../../shared/follow-up.js';

beforeAll(assertBuilt);

const exportOf = (args: string[]) => {
  const result = runCli(['export', '--format', 'ndjson', ...args], { timeoutMs: 60_000 });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
};

describePostgres('copy --from --to', () => {
  const cluster = usePostgresCluster();

  it('SQLite → PostgreSQL → SQLite keeps every event, follow-up, note and rule; exports identical; counts reported', async () => {
    const first = tempDir();
    expect(runCli(['demo', '--data-dir', first, '--sessions', '40', '--seed', '5'], { timeoutMs: 60_000 }).code).toBe(0);
    // Owner data the demo does not make: a note, and a rule of their own.
    const store = await SqliteStore.open(archivePath(first));
    const [session] = (await store.listSessions({ limit: 1, filters: {}, staleAfterMs: 7_200_000 })).items;
    await store.addNote({ sessionId: session!.sessionId, text: 'Called back, booked for Tuesday.', author: 'Front desk', at: Date.UTC(2026, 5, 1) });
    const rule = ruleInputSchema.parse({
      name: 'Voice calls under ten seconds',
      enabled: true,
      kind: 'custom',
      conditions: [{ field: 'duration', op: 'lt', seconds: 10 }],
      action: { followUp: true, priority: 'high', tags: ['short'], notify: false },
    });
    await store.saveRule(rule, Date.UTC(2026, 5, 1));
    await store.close();

    const url = await cluster().createDatabase();
    const toPostgres = runCli(['copy', '--from', first, '--to', url], { timeoutMs: 120_000 });
    expect(toPostgres.code, toPostgres.stderr).toBe(0);
    expect(toPostgres.stdout).toMatch(/from {2}40 sessions, 80 events, \d+ follow-up records, [1-9]\d* notes/);
    expect(toPostgres.stdout).toContain('both archives export byte for byte the same');
    expect(toPostgres.stdout).not.toContain(cluster().password);

    const second = tempDir();
    const back = runCli(['copy', '--from', url, '--to', second], { timeoutMs: 120_000 });
    expect(back.code, back.stderr).toBe(0);
    expect(exportOf(['--data-dir', second])).toBe(exportOf(['--data-dir', first]));
    expect(exportOf(['--database', url])).toBe(exportOf(['--data-dir', first]));

    const copied = await SqliteStore.open(archivePath(second), { readonly: true });
    expect((await copied.listRules()).map((rule) => rule.name)).toContain('Voice calls under ten seconds');
    await copied.close();

    const refused = runCli(['copy', '--from', first, '--to', url], { timeoutMs: 60_000 });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/callaider-archive: the destination already holds 40 sessions \(80 events\): copy into an empty archive, or add --into-non-empty/);
    const merged = runCli(['copy', '--from', first, '--to', url, '--into-non-empty'], { timeoutMs: 120_000 });
    expect(merged.code, merged.stderr).toBe(0);
    expect(exportOf(['--database', url])).toBe(exportOf(['--data-dir', first]));
    expect(runCli(['copy', '--from', url, '--to', second, '--into-non-empty'], { timeoutMs: 120_000 }).code).toBe(0);
    const twice = await SqliteStore.open(archivePath(second), { readonly: true });
    expect((await twice.listRules()).filter((rule) => rule.name === 'Voice calls under ten seconds')).toHaveLength(1);
    await twice.close();
  }, 300_000);
});
