/**
 * The ngrok adapter: the @ngrok/ngrok SDK runs the agent in-process (no agent binary download).
 * Only the webhook listener is forwarded, and the edge itself refuses every path but the
 * webhook and the health check, so strangers' scans never reach this machine at all.
 */
import type * as ngrokTypes from '@ngrok/ngrok';
import { TunnelError, type Tunnel, type TunnelAdapter, type TunnelTarget } from './tunnel.js';
import { HEALTH_PATH, WEBHOOK_PATH } from '../webhook-paths.js';

export interface NgrokOptions {
  authtoken?: string | undefined;
  /** A static domain reserved in the ngrok dashboard, so the URL survives restarts. */
  domain?: string | undefined;
  /**
   * ngrok endpoint pooling: several agents (one per hub) serve the same domain, and ngrok spreads
   * requests over them and stops sending to one that is gone. Needs `domain`.
   */
  pooling?: boolean | undefined;
  /** Give up on connecting after this long. */
  connectTimeoutMs?: number;
}

type NgrokModule = typeof ngrokTypes;

const EDGE_POLICY = JSON.stringify({
  on_http_request: [
    {
      expressions: [`!(req.url.path in ['${WEBHOOK_PATH}', '${HEALTH_PATH}'])`],
      actions: [{ type: 'deny', config: { status_code: 404 } }],
    },
  ],
});

export function createNgrokAdapter(options: NgrokOptions, load: () => Promise<NgrokModule> = () => import('@ngrok/ngrok')): TunnelAdapter {
  return {
    name: 'ngrok',
    async open(target: TunnelTarget): Promise<Tunnel> {
      if (!options.authtoken) {
        throw new TunnelError(
          'ngrok needs an authtoken: copy yours from https://dashboard.ngrok.com/get-started/your-authtoken and set NGROK_AUTHTOKEN (or use --tunnel none)',
          'missing-authtoken',
        );
      }
      if (options.pooling && !options.domain) {
        throw new TunnelError('ngrok endpoint pooling needs the reserved domain the hubs share: give --ngrok-domain as well', 'pooling-needs-domain');
      }
      const ngrok = await load();
      const timeoutMs = options.connectTimeoutMs ?? 20_000;
      let timer: NodeJS.Timeout | undefined;
      try {
        const opened = options.pooling ? openPooled(ngrok, options.authtoken, options.domain!, target) : openForward(ngrok, options, target);
        // Opened after the timeout after all: closed, so no agent lingers holding the domain.
        const late = () => void opened.then((o) => o.close(), () => undefined);
        const { listener, close } = await Promise.race([
          opened,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              late();
              reject(new TunnelError(`ngrok did not answer within ${timeoutMs / 1000} s`, 'timeout'));
            }, timeoutMs);
          }),
        ]);
        const url = listener.url();
        if (!url) {
          await close().catch(() => undefined);
          throw new TunnelError('ngrok opened a listener without a public URL', 'no-url');
        }
        return { url: url.replace(/\/$/, ''), close };
      } catch (error) {
        throw explainNgrokError(error);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

interface Opened {
  listener: ngrokTypes.Listener;
  close: () => Promise<void>;
}

async function openForward(ngrok: NgrokModule, options: NgrokOptions, target: TunnelTarget): Promise<Opened> {
  const listener = await ngrok.forward({
    addr: `${target.host}:${target.port}`,
    authtoken: options.authtoken,
    ...(options.domain ? { domain: options.domain } : {}),
    traffic_policy: EDGE_POLICY,
  });
  return { listener, close: () => listener.close() };
}

/**
 * Pooling through the SDK's builders: forward()'s config has no pooling field in @ngrok/ngrok 1.7
 * (its README lists `pooling_enabled`, but the native side drops keys it does not know, so the
 * agent would silently claim the domain alone and a second hub would be refused it).
 */
async function openPooled(ngrok: NgrokModule, authtoken: string, domain: string, target: TunnelTarget): Promise<Opened> {
  const session = await new ngrok.SessionBuilder().authtoken(authtoken).connect();
  try {
    const listener = await session
      .httpEndpoint()
      .domain(domain)
      .trafficPolicy(EDGE_POLICY)
      .poolingEnabled(true)
      .listenAndForward(`http://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`);
    return {
      listener,
      close: async () => {
        await listener.close().catch(() => undefined);
        await session.close();
      },
    };
  } catch (error) {
    await session.close().catch(() => undefined);
    throw error;
  }
}

/** Maps the SDK's errors to what the user should do about them. */
export function explainNgrokError(error: unknown): TunnelError {
  if (error instanceof TunnelError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { errorCode?: string }).errorCode ?? /ERR_NGROK_\d+/.exec(message)?.[0] ?? null;
  if (code === 'ERR_NGROK_108') {
    return new TunnelError(
      'ngrok refused: another ngrok agent session is already running on this account (ERR_NGROK_108). Stop the other one (another copy of this app, or `ngrok http` in a terminal), or upgrade the ngrok plan',
      code,
    );
  }
  if (code === 'ERR_NGROK_334') {
    return new TunnelError(
      'ngrok refused: this domain is already online on another agent (ERR_NGROK_334). For several hubs on one domain, start every one with --ngrok-pooling; otherwise stop the other agent',
      code,
    );
  }
  if (code === 'ERR_NGROK_105' || code === 'ERR_NGROK_107' || /authtoken|authentication failed/i.test(message)) {
    return new TunnelError(`ngrok rejected the authtoken (${code ?? 'invalid'}); copy it again from the ngrok dashboard`, code);
  }
  if (/tcp connection|dns|resolve|network|connect/i.test(message)) {
    return new TunnelError(`cannot reach ngrok's servers (${message}); check the internet connection or a firewall`, 'unreachable');
  }
  return new TunnelError(`ngrok failed: ${message}`, code);
}
