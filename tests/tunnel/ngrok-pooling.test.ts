/**
 * ngrok endpoint pooling (`serve --tunnel ngrok --ngrok-domain D --ngrok-pooling`): the option
 * reaches the SDK as the listener builder's poolingEnabled(true) on the shared domain, with the
 * edge policy kept; without it the adapter opens the tunnel as before. The SDK is replaced by a
 * recording stand-in shaped like @ngrok/ngrok 1.7's types (the real one needs the internet); the
 * real SDK is then asked too, and must fail fast with a clear message here.
 */
import type * as ngrokTypes from '@ngrok/ngrok';
import { describe, expect, it } from 'vitest';
import { createNgrokAdapter } from '../../electron/core/tunnel/ngrok.js';
import { TunnelManager } from '../../electron/core/tunnel/manager.js';
import { TunnelError } from '../../electron/core/tunnel/tunnel.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';

type Call = [string, ...unknown[]];

/** Records every SDK call, in order; listeners answer with the domain they were given. */
function recordingSdk(options: { fail?: Error } = {}) {
  const calls: Call[] = [];
  const listener = (url: string) =>
    ({
      url: () => url,
      close: async () => void calls.push(['listener.close']),
    }) as unknown as ngrokTypes.Listener;
  class HttpEndpoint {
    private domainName = 'random.ngrok.app';
    domain(name: string) {
      calls.push(['domain', name]);
      this.domainName = name;
      return this;
    }
    trafficPolicy(policy: string) {
      calls.push(['trafficPolicy', JSON.parse(policy)]);
      return this;
    }
    poolingEnabled(on: boolean) {
      calls.push(['poolingEnabled', on]);
      return this;
    }
    async listenAndForward(url: string) {
      calls.push(['listenAndForward', url]);
      if (options.fail) throw options.fail;
      return listener(`https://${this.domainName}`);
    }
  }
  class SessionBuilder {
    authtoken(token: string) {
      calls.push(['authtoken', token]);
      return this;
    }
    async connect() {
      calls.push(['connect']);
      return { httpEndpoint: () => new HttpEndpoint(), close: async () => void calls.push(['session.close']) };
    }
  }
  const sdk = {
    SessionBuilder,
    forward: async (config: Record<string, unknown>) => {
      calls.push(['forward', config]);
      return listener(`https://${String(config.domain ?? 'random.ngrok.app')}`);
    },
  } as unknown as typeof ngrokTypes;
  return { calls, load: async () => sdk };
}

const TARGET = { host: '127.0.0.1', port: 4318 };

describe('ngrok endpoint pooling', () => {
  it('turns pooling on for the shared domain, keeps the edge policy, and closes listener and agent session', async () => {
    const sdk = recordingSdk();
    const adapter = createNgrokAdapter({ authtoken: 'tok', domain: 'office.ngrok.app', pooling: true }, sdk.load);
    const tunnel = await adapter.open(TARGET);
    expect(tunnel.url).toBe('https://office.ngrok.app');
    const names = sdk.calls.map(([name]) => name);
    expect(names).toEqual(['authtoken', 'connect', 'domain', 'trafficPolicy', 'poolingEnabled', 'listenAndForward']);
    expect(sdk.calls).toContainEqual(['authtoken', 'tok']);
    expect(sdk.calls).toContainEqual(['domain', 'office.ngrok.app']);
    expect(sdk.calls).toContainEqual(['poolingEnabled', true]);
    expect(sdk.calls).toContainEqual(['listenAndForward', 'http://127.0.0.1:4318']);
    const policy = sdk.calls.find(([name]) => name === 'trafficPolicy')![1] as { on_http_request: Array<{ expressions: string[] }> };
    expect(policy.on_http_request[0]!.expressions[0]).toContain("'/webhook'");

    await tunnel.close();
    expect(sdk.calls.slice(-2)).toEqual([['listener.close'], ['session.close']]);
  });

  it('without --ngrok-pooling the tunnel opens as before: forward() with the domain and no pooling', async () => {
    const sdk = recordingSdk();
    const tunnel = await createNgrokAdapter({ authtoken: 'tok', domain: 'office.ngrok.app' }, sdk.load).open(TARGET);
    expect(tunnel.url).toBe('https://office.ngrok.app');
    expect(sdk.calls).toHaveLength(1);
    const [name, config] = sdk.calls[0]!;
    expect(name).toBe('forward');
    expect(config).toMatchObject({ addr: '127.0.0.1:4318', authtoken: 'tok', domain: 'office.ngrok.app' });
    expect(JSON.stringify(config)).not.toMatch(/pool/i);
  });

  it('a domain already online on a lone agent is explained, and the agent session is not left open', async () => {
    const refused = Object.assign(new Error('The endpoint https://office.ngrok.app is already online.'), { errorCode: 'ERR_NGROK_334' });
    const sdk = recordingSdk({ fail: refused });
    const error = (await createNgrokAdapter({ authtoken: 'tok', domain: 'office.ngrok.app', pooling: true }, sdk.load).open(TARGET).catch((e: unknown) => e)) as TunnelError;
    expect(error).toBeInstanceOf(TunnelError);
    expect(error.message).toMatch(/already online on another agent \(ERR_NGROK_334\).*--ngrok-pooling/);
    expect(sdk.calls.at(-1)).toEqual(['session.close']);
  });

  it('pooling without a domain is refused at once and not retried', async () => {
    const sdk = recordingSdk();
    const manager = new TunnelManager({ adapter: createNgrokAdapter({ authtoken: 'tok', pooling: true }, sdk.load), target: TARGET });
    const status = await manager.start();
    expect(status.state).toBe('error');
    expect(status.error).toMatch(/pooling needs the reserved domain.*--ngrok-domain/);
    expect(manager.willRetry).toBe(false);
    expect(sdk.calls).toEqual([]);
    await manager.stop();
  });

  it('the real SDK with pooling and no network fails fast with a clear message', { timeout: 30_000 }, async () => {
    const adapter = createNgrokAdapter({ authtoken: 'not-a-real-token', domain: 'office.ngrok.app', pooling: true, connectTimeoutMs: 15_000 });
    const started = Date.now();
    const error = (await adapter.open({ host: '127.0.0.1', port: 9 }).catch((e: unknown) => e)) as TunnelError;
    expect(error).toBeInstanceOf(TunnelError);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(error.message).toMatch(/cannot reach ngrok's servers|rejected the authtoken|did not answer/);
  });

  it.each([
    [['serve', '--ngrok-pooling'], /--ngrok-pooling: only with --tunnel ngrok/],
    [['serve', '--tunnel', 'ngrok', '--ngrok-pooling'], /--ngrok-pooling: give the reserved domain every hub shares too/],
  ])('serve refuses pooling that cannot work: %j', (args, message) => {
    const result = runCli([...args, '--data-dir', tempDir(), '--port', '0', '--no-ui']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
  });
});
