/**
 * `serve` and `start`: the daily summary's time and the quiet-period alerts. Parsing and help
 * in-process through the real command line definition; the running engine's banner through the
 * built CLI (a serve with the options given, a headless start with the desktop app's settings).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../electron/core/cli/main.js';
import { describeAlertSettings } from '../../electron/core/cli/serve.js';
import { parseDailySummary } from '../../electron/core/config.js';
import { assertBuilt, freePort, spawnNode, BIN, startServe } from '../support/cli.js';
import { deliver } from '../../electron/core/send-test.js';
import { sessionPair, tempDir } from '../support/fixtures.js';

/** The command `name` of a fresh program, with its errors thrown instead of exiting. */
function command(name: string): { program: Command; sub: Command; errors: () => string } {
  const program = buildProgram();
  const sub = program.commands.find((c) => c.name() === name)!;
  let errors = '';
  for (const c of [program, sub]) c.exitOverride().configureOutput({ writeErr: (text) => (errors += text), writeOut: () => undefined, outputError: (text, write) => write(text) });
  return { program, sub, errors: () => errors };
}

describe('alert options', () => {
  it('--daily-summary takes HH:MM or off, and says what is wrong with anything else', () => {
    expect(parseDailySummary('08:30')).toBe('08:30');
    expect(parseDailySummary('7:05')).toBe('07:05');
    expect(parseDailySummary('23:59')).toBe('23:59');
    expect(parseDailySummary('off')).toBeNull();
    expect(parseDailySummary('OFF')).toBeNull();
    for (const bad of ['24:00', '8:60', '0830', 'noon', '', '8:5']) {
      expect(() => parseDailySummary(bad)).toThrow(`--daily-summary: "${bad}" is not a time of day as HH:MM or "off" (example: 08:30)`);
    }
  });

  it.each(['serve', 'start'])('%s shows both options in --help and refuses a bad time before starting anything', async (name) => {
    const { program, sub, errors } = command(name);
    // Commander wraps long descriptions: compare with the wrapping undone.
    const help = sub.helpInformation().replace(/\s+/g, ' ');
    expect(help).toContain(`--daily-summary <HH:MM|off> local time of the daily summary in the log (yesterday's calls, follow-ups, failures), or off (default: "08:30")`);
    expect(help).toContain('--no-quiet-alerts do not warn when no call has come for unusually long during the hours calls usually come');
    await expect(program.parseAsync(['node', 'callaider-archive', name, '--daily-summary', '25:00'])).rejects.toThrow();
    expect(errors()).toContain(`option '--daily-summary <HH:MM|off>' argument '25:00' is invalid. --daily-summary: "25:00" is not a time of day as HH:MM or "off" (example: 08:30)`);
  });

  it('the banner says what the alerts will do', () => {
    expect(describeAlertSettings({ dailySummaryAt: '08:30', quietAlerts: true })).toBe('daily summary at 08:30 in this log; refused-delivery alerts on; quiet-period alerts on');
    expect(describeAlertSettings({ dailySummaryAt: null, quietAlerts: false })).toBe('no daily summary (--daily-summary off); refused-delivery alerts on; quiet-period alerts off (--no-quiet-alerts)');
  });
});

describe('alert options in a running engine (built CLI)', () => {
  it('serve passes them to the engine, and logs each alert on one line', async () => {
    assertBuilt();
    const served = await startServe(['--data-dir', tempDir(), '--port', String(await freePort()), '--secret', 's', '--daily-summary', '7:15', '--no-quiet-alerts']);
    expect(served.stdout()).toContain('Alerts          daily summary at 07:15 in this log; refused-delivery alerts on; quiet-period alerts off (--no-quiet-alerts)');
    // Alerts headless are log lines: a run of refusals is one warning, on one line.
    const url = /Listening on {4}(\S+)/.exec(served.stdout())![1]!;
    for (let i = 0; i < 4; i += 1) expect((await deliver(url, sessionPair().started, { secret: 'other' })).status).toBe(401);
    await expect.poll(served.stderr, { timeout: 10_000 }).toMatch(/ WARN {2}alert \(refusals\): Deliveries are being refused: the webhook secret differs — 3 deliveries in the last minute failed the signature check, .* can be re-verified\.\n/);
    expect(served.stderr().match(/alert \(refusals\)/g)).toHaveLength(1);
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
  });

  it("start takes the desktop app's alert settings, and options given on top of them", async () => {
    assertBuilt();
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ dailySummaryAt: null, quietAlerts: false }));
    const run = async (extra: string[]) => {
      const started = spawnNode([BIN, 'start', '--data-dir', dataDir, '--port', String(await freePort()), '--ui-port', '0', '--secret', 's', ...extra], { CALLAIDER_WEBHOOK_SECRET: '', NGROK_AUTHTOKEN: '' });
      await expect.poll(() => started.stdout() + started.stderr(), { timeout: 20_000, interval: 100 }).toContain('Stop with Ctrl+C');
      started.child.kill('SIGTERM');
      expect(await started.exited).toBe(0);
      return started.stdout();
    };
    expect(await run([])).toContain('Alerts          no daily summary (--daily-summary off); refused-delivery alerts on; quiet-period alerts off (--no-quiet-alerts)');
    expect(await run(['--daily-summary', '18:00'])).toContain('Alerts          daily summary at 18:00 in this log; refused-delivery alerts on; quiet-period alerts off (--no-quiet-alerts)');
  }, 60_000);
});
