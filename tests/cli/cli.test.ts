import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../support/fixtures.js';
import { assertBuilt, freePort, runCli, startServe } from '../support/cli.js';

beforeAll(assertBuilt);

describe('callaider-archive CLI', () => {
  it('serve + send-test + export: every simulated session ends up in the export', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const serve = await startServe(['--data-dir', dataDir, '--port', String(port), '--secret', 's3cret']);
    expect(serve.stdout()).toContain(`Listening on    http://127.0.0.1:${port}/webhook`);
    expect(serve.stdout()).toContain('webhookSecret   the secret this engine was started with (s3••••et)');

    const sent = runCli(['send-test', '--url', `http://127.0.0.1:${port}/webhook`, '--secret', 's3cret', '--sessions', '12', '--concurrency', '4', '--seed', '42']);
    expect(sent.stdout).toContain('24 accepted (0 duplicates), 0 failed');
    expect(sent.code).toBe(0);

    // Export reads the archive while serve is still running (WAL readers do not block the writer).
    const out = join(dataDir, 'exports', 'all.json');
    const exported = runCli(['export', '--data-dir', dataDir, '--out', out]);
    expect(exported.stderr).toContain('exported 12 sessions');
    const archive = JSON.parse(readFileSync(out, 'utf8')) as { sessions: Array<{ status: string; transcript: unknown[] }> };
    expect(archive.sessions).toHaveLength(12);
    expect(archive.sessions.every((s) => s.status === 'ended' && s.transcript.length > 0)).toBe(true);

    // A wrong secret is refused, and the sender is told.
    const forged = runCli(['send-test', '--url', `http://127.0.0.1:${port}/webhook`, '--secret', 'guess', '--sessions', '1']);
    expect(forged.code).toBe(1);
    expect(forged.stdout).toContain('2 × 401 X-Callaider-Signature does not match the configured webhook secret');

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(serve.stderr()).toContain('engine stopped; archive closed cleanly');
  });

  it('npm start runs the archive headless, with one line saying why, where the desktop app cannot start', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const launcher = fileURLToPath(new URL('../../bin/start-desktop.mjs', import.meta.url));
    const port = await freePort();
    const child = spawn(process.execPath, [launcher, '--data-dir', tempDir(), '--port', String(port), '--ui-port', '0', '--secret', 's'], {
      env: { ...process.env, DISPLAY: '', WAYLAND_DISPLAY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    try {
      await vi.waitFor(() => expect(out).toContain('Stop with Ctrl+C'), { timeout: 15_000, interval: 100 });
      expect(err).toMatch(/The desktop app cannot start here: (the Electron binary is not installed|there is no display)/);
      expect(out).toContain(`Listening on    http://127.0.0.1:${port}/webhook`);
      expect(out).toMatch(/Archive window {2}http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('warns loudly when no secret is configured', async () => {
    const serve = await startServe(['--data-dir', tempDir(), '--port', String(await freePort())], { env: { CALLAIDER_WEBHOOK_SECRET: '' } });
    expect(serve.stdout()).toContain('(none set: events are accepted unsigned');
    expect(serve.stderr()).toContain('WARN  no webhook secret configured');
  });

  it('a taken port and a locked archive each give one clear line and exit 1', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    await startServe(['--data-dir', dataDir, '--port', String(port), '--secret', 's']);
    const portTaken = runCli(['serve', '--data-dir', tempDir(), '--port', String(port), '--secret', 's', '--no-ui']);
    expect(portTaken.code).toBe(1);
    expect(portTaken.stderr.trim()).toBe(`callaider-archive: port ${port} on 127.0.0.1 is already in use (another engine, or another program); choose one with --port`);
    const locked = runCli(['serve', '--data-dir', dataDir, '--port', String(await freePort()), '--secret', 's', '--no-ui']);
    expect(locked.code).toBe(1);
    expect(locked.stderr.trim().split('\n')).toHaveLength(1);
    expect(locked.stderr).toMatch(/another CallAIder Archive engine \(pid \d+, receiving on http:\/\/127\.0\.0\.1:\d+\/webhook/);
  });

  it.each([
    [['serve', '--body-limit', 'lots'], /--body-limit: "lots" is not a size/],
    [['serve', '--body-budget', 'lots'], /--body-budget: "lots" is not a size/],
    [['serve', '--body-budget', '16mb'], /--body-budget: 16MB cannot hold one body at --body-limit 20MB besides the share kept for small deliveries; use at least 27MB/],
    [['serve', '--port', '99999'], /--port: "99999" is not a port number/],
    [['serve', '--require-header', 'no colon here'], /--require-header: "no colon here" is not "Name: value"/],
    [['serve', '--require-header', 'X-Callaider-Signature: x'], /is set by CallAIder itself/],
    [['serve', '--tunnel', 'cloudflare'], /--tunnel: "cloudflare" is not one of: ngrok, none/],
    [['export', '--format', 'xml'], /Allowed choices are json, ndjson, csv, md/],
    [['send-test', '--sessions', '0'], /--sessions must be a whole number of at least 1/],
  ])('rejects bad options with a clear message: %j', (args, message) => {
    const result = runCli([...args, '--data-dir', tempDir()]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });

  it('export without an archive says so; export of an unknown session fails without writing a file', () => {
    const empty = tempDir();
    const none = runCli(['export', '--data-dir', empty]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`no archive in ${empty} yet`);

    const dataDir = tempDir();
    const payloadFile = join(tempDir(), 'p.json');
    writeFileSync(payloadFile, JSON.stringify({ event: 'session.started', timestamp: '2026-05-28T12:34:56.789Z', assistantId: 123, sessionId: 'abc', data: {} }));
    const imported = runCli(['import', payloadFile, '--data-dir', dataDir]);
    expect(imported.stderr).toContain('1 stored');
    const out = join(dataDir, 'x.md');
    const missing = runCli(['export', '--data-dir', dataDir, '--session', 'nope', '--format', 'md', '--out', out]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no session "nope" in the archive');
    expect(existsSync(out)).toBe(false);
    const md = runCli(['export', '--data-dir', dataDir, '--session', 'abc', '--format', 'md']);
    expect(md.stdout).toContain('# Session abc');
  });

  it('import reports invalid payloads by line and exits 1, storing the valid ones', () => {
    const dataDir = tempDir();
    const file = join(tempDir(), 'mixed.ndjson');
    writeFileSync(file, `{"event":"session.started","timestamp":"2026-05-28T12:34:56Z","assistantId":1,"sessionId":"ok","data":{}}\n{"event":"session.started","sessionId":""}\n`);
    const result = runCli(['import', file, '--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('1 stored');
    expect(result.stderr).toContain(`${file}:2:`);
  });
});
