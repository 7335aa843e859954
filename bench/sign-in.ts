/**
 * Sign-ins against webhook acknowledgements: scrypt (N=2^15, r=8, p=1) costs tens of milliseconds
 * of CPU per sign-in, and it must never show in the acks. One real engine, a steady 50 signed
 * deliveries/s, measured twice in the same run: alone (the baseline), then while four browsers
 * sign in over HTTPS back to back (real ui-server, real Accounts, real archive).
 *
 *   npm run build && node --import tsx bench/sign-in.ts [seconds per phase, default 15]
 */
import { randomUUID } from 'node:crypto';
import { request } from 'node:https';
import { checkServerIdentity } from 'node:tls';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Accounts } from '../electron/core/accounts/accounts.js';
import { hashPassword } from '../electron/core/accounts/passwords.js';
import { selfSignedCertificate } from '../electron/core/accounts/tls.js';
import { ArchiveService } from '../electron/core/archive-service.js';
import { defaultConfig } from '../electron/core/config.js';
import { Engine } from '../electron/core/engine.js';
import { deliver } from '../electron/core/send-test.js';
import { startUiServer } from '../electron/core/ui-server.js';
import { createRunDir, fmt, ms1, summarize, type Summary } from './harness.js';

const SECONDS = Number(process.argv[2] ?? 15);
const RATE = 50;
const BROWSERS = 4;
const SECRET = 'bench-secret';
const PASSWORD = 'four quiet harbour lamps';

async function steadyLoad(url: string, seconds: number): Promise<{ acks: Summary; failed: number }> {
  const latencies: number[] = [];
  let failed = 0;
  const pending: Array<Promise<void>> = [];
  const start = performance.now();
  for (let i = 0; i < seconds * RATE; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sessionId = randomUUID();
    const sent = performance.now();
    pending.push(
      deliver(url, { event: 'session.started', sessionId, timestamp: new Date().toISOString(), assistantId: 'a', data: { metadata: { sessionMode: 'voice' } } } as never, { secret: SECRET }).then((result) => {
        if (result.status === 200) latencies.push(performance.now() - sent);
        else failed++;
      }),
    );
  }
  await Promise.all(pending);
  return { acks: summarize(latencies), failed };
}

async function main() {
  const dataDir = createRunDir('/tmp', 'callaider-bench-sign-in-');
  const engine = await Engine.start(defaultConfig({ dataDir, port: 0, secret: SECRET }));
  const accounts = new Accounts(() => engine.archive, { limits: { perAddress: { maxFailures: 1e6, windowSeconds: 1, blockSeconds: 1 }, perName: { maxFailures: 1e6, windowSeconds: 1, blockSeconds: 1 } } });
  const tls = await selfSignedCertificate(dataDir, '127.0.0.1');
  const ui = await startUiServer({ service: new ArchiveService(engine, { host: 'serve' }), port: 0, host: '127.0.0.1', accounts, tls });
  const port = Number(new URL(ui.baseUrl).port);
  for (let i = 0; i < BROWSERS; i++) {
    const { link } = await accounts.addUser(`person${i}`, 'staff', { actor: 'bench', address: null });
    await accounts.setPassword(link, PASSWORD, '127.0.0.1');
  }

  const hashTimes: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await hashPassword(PASSWORD);
    hashTimes.push(performance.now() - t);
  }

  const signInOnce = (name: string) =>
    new Promise<number>((resolve, reject) => {
      const t = performance.now();
      const req = request(
        { host: '127.0.0.1', port, path: '/auth/sign-in', method: 'POST', ca: tls.cert, checkServerIdentity: (_n, c) => checkServerIdentity('127.0.0.1', c), headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t) : reject(new Error(`sign-in answered ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ name, password: PASSWORD }));
    });

  const webhook = engine.localWebhookUrl;
  await steadyLoad(webhook, 2); // warm-up
  const alone = await steadyLoad(webhook, SECONDS);
  let signingIn = true;
  const signIns: number[] = [];
  const browsers = Array.from({ length: BROWSERS }, async (_, i) => {
    while (signingIn) signIns.push(await signInOnce(`person${i}`));
  });
  const during = await steadyLoad(webhook, SECONDS);
  signingIn = false;
  await Promise.all(browsers);
  await ui.close();
  await engine.stop();

  const h = summarize(hashTimes);
  const s = summarize(signIns);
  const row = (name: string, r: { acks: Summary; failed: number }) => `| ${name} | ${r.acks.n} | ${ms1(r.acks.p50)} | ${ms1(r.acks.p99)} | ${ms1(r.acks.max)} | ${r.failed} |`;
  process.stdout.write(
    [
      `${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}; ${SECONDS} s per phase at ${RATE} deliveries/s`,
      '',
      `scrypt hash (N=2^15, r=8, p=1): p50 ${ms1(h.p50)} ms, max ${ms1(h.max)} ms (10 hashes)`,
      `sign-ins over HTTPS, ${BROWSERS} at a time back to back: ${s.n} in ${SECONDS} s, p50 ${ms1(s.p50)} ms, p99 ${ms1(s.p99)} ms`,
      '',
      '| phase | acks | p50 ms | p99 ms | max ms | failed |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      row('alone (baseline)', alone),
      row(`while ${BROWSERS} browsers sign in`, during),
      `p99 ratio (during / alone): ${fmt(during.acks.p99 / alone.acks.p99, 2)}`,
      '',
    ].join('\n'),
  );
}

await main();
