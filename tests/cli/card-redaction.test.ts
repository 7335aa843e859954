import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { sign } from '../../electron/core/signature.js';
import { CARDS, NOT_CARDS, cardDigitForms, cardSession } from '../support/cards.js';
import { assertBuilt, freePort, runCli, startServe, type ServeProcess } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';

beforeAll(() => assertBuilt());

async function deliver(port: number, secret: string, payload: unknown): Promise<number> {
  const body = JSON.stringify(payload);
  const response = await fetch(`http://127.0.0.1:${port}/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-callaider-signature': sign(secret, body) },
    body,
  });
  return response.status;
}

function windowApi(serve: ServeProcess, token: string) {
  const base = serve.stdout().match(/Archive window {2}(http:\/\/127\.0\.0\.1:\d+)\//)![1]!;
  return async <T>(method: string, input: unknown): Promise<T> => {
    const response = await fetch(`${base}/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(input) });
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  };
}

describe('serve: card numbers never reach the archive', () => {
  it('the window shows the masked form and the count; export shows it; export --mask masks phones and addresses', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const serve = await startServe(['--data-dir', dataDir, '--port', String(port), '--secret', 's3cret', '--ui-token', 'tok']);
    expect(serve.stdout()).not.toContain('--keep-card-numbers');
    const { started, ended } = cardSession();
    ended.data.transcript!.push({ role: 'user', content: 'mail me at jane.doe@example.com', timestamp: ended.data.transcript!.at(-1)!.timestamp + 1000 });
    expect(await deliver(port, 's3cret', started)).toBe(200);
    expect(await deliver(port, 's3cret', ended)).toBe(200);

    const api = windowApi(serve, 'tok');
    // Acknowledged means stored; the messages are indexed a moment later.
    const messages = await vi.waitFor(
      async () => {
        const page = await api<{ items: Array<{ content: string }> }>('getMessages', { sessionId: ended.sessionId });
        expect(page.items.length).toBeGreaterThan(0);
        return page;
      },
      { timeout: 10_000, interval: 100 },
    );
    const said = messages.items.map((item) => item.content).join('\n');
    expect(said).toContain('•••• •••• •••• 4242');
    for (const digits of cardDigitForms()) expect(said).not.toContain(digits);
    const detail = await api<{ redactions: number }>('getSession', { sessionId: ended.sessionId });
    expect(detail.redactions).toBe(10);

    const exported = runCli(['export', '--data-dir', dataDir, '--format', 'ndjson']);
    expect(exported.code).toBe(0);
    for (const digits of cardDigitForms()) expect(exported.stdout).not.toContain(digits);
    expect(JSON.parse(exported.stdout)).toMatchObject({ redactions: 10, metadata: { paymentNote: 'card on file •••• •••• •••• 5100', callbackNumber: NOT_CARDS.phone } });
    expect(exported.stdout).toContain('jane.doe@example.com');

    const masked = runCli(['export', '--data-dir', dataDir, '--format', 'md', '--mask']);
    expect(masked.code).toBe(0);
    expect(masked.stdout).toContain('+• •••-•••-••34');
    expect(masked.stdout).toContain('j•••@example.com');
    expect(masked.stdout).not.toContain(NOT_CARDS.phone);
    expect(masked.stdout).not.toContain('jane.doe@');
    expect(masked.stdout).toContain('10 card numbers and security codes were removed before storing.');

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    const file = readFileSync(join(dataDir, 'archive.sqlite'));
    for (const digits of cardDigitForms()) expect(file.includes(Buffer.from(digits)), digits).toBe(false);
  });

  it('--keep-card-numbers keeps them, and the banner warns', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const serve = await startServe(['--data-dir', dataDir, '--port', String(port), '--secret', 's3cret', '--no-ui', '--keep-card-numbers']);
    expect(serve.stdout()).toContain('WARNING         card numbers and security codes are stored as callers said them (--keep-card-numbers)');
    const { ended } = cardSession();
    expect(await deliver(port, 's3cret', ended)).toBe(200);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    const exported = runCli(['export', '--data-dir', dataDir, '--format', 'ndjson']);
    expect(exported.stdout).toContain(CARDS.spaced);
    expect(JSON.parse(exported.stdout)).not.toHaveProperty('redactions');
  });
});
