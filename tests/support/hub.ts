/**
 * A real office hub in the test process: an engine on a temporary archive, accounts, and the
 * archive window served over HTTPS on 127.0.0.1 with a generated self-signed certificate, exactly
 * as `serve --tls-cert/--tls-key` runs it. Its clock can be moved (session expiry), and its window
 * can be stopped and started again on the same port (a hub restarting).
 */
import { Accounts } from '../../electron/core/accounts/accounts.js';
import { selfSignedCertificate, type TlsMaterial } from '../../electron/core/accounts/tls.js';
import { ArchiveService } from '../../electron/core/archive-service.js';
import { defaultConfig } from '../../electron/core/config.js';
import { Engine } from '../../electron/core/engine.js';
import { deliver } from '../../electron/core/send-test.js';
import { startUiServer, type UiServer } from '../../electron/core/ui-server.js';
import type { Role } from '../../shared/accounts.js';
import { onCleanup, SECRET, sessionPair, tempDir } from './fixtures.js';

export const HUB_PASSWORD = 'correct horse battery';

export interface TestHub {
  url: URL;
  tls: TlsMaterial;
  accounts: Accounts;
  engine: Engine;
  /** Adds a person with HUB_PASSWORD already chosen (as through their one-time link). */
  person(name: string, role: Role): Promise<void>;
  /** Moves the hub's clock (sessions expire after 12 hours without use). */
  advance(ms: number): void;
  /** Stops the window's listener (the hub going down); `start` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** A call received by the hub (started and ended); resolves with its session id. */
  receiveCall(): Promise<string>;
}

export async function startHub(): Promise<TestHub> {
  const dataDir = tempDir();
  const engine = await Engine.start(defaultConfig({ dataDir, port: 0, secret: SECRET }));
  onCleanup(() => engine.stop());
  let clock = Date.now();
  const accounts = new Accounts(() => engine.archive, { now: () => clock });
  const tls = await selfSignedCertificate(dataDir, '127.0.0.1');
  const service = new ArchiveService(engine, { host: 'serve' });
  let port = 0;
  let ui: UiServer | null = null;
  const start = async () => {
    ui = await startUiServer({ service, port, staticDir: tempDir(), host: '127.0.0.1', accounts, tls, heartbeatMs: 200 });
    port = Number(new URL(ui.baseUrl).port);
  };
  const stop = async () => {
    await ui?.close();
    ui = null;
  };
  await start();
  onCleanup(stop);
  return {
    url: new URL(`https://127.0.0.1:${port}`),
    tls,
    accounts,
    engine,
    async person(name, role) {
      const { link } = await accounts.addUser(name, role, { actor: 'test', address: null });
      await accounts.setPassword(link, HUB_PASSWORD, '127.0.0.1');
    },
    advance: (ms) => void (clock += ms),
    stop,
    start,
    async receiveCall() {
      const { started, ended } = sessionPair();
      await deliver(engine.localWebhookUrl, started, { secret: SECRET });
      await deliver(engine.localWebhookUrl, ended, { secret: SECRET });
      return started.sessionId;
    },
  };
}
