/**
 * The renderer's one way to the archive: window.archive (Electron preload, IPC) when present,
 * otherwise HTTP to the `serve` process that served this page (same origin, token cookie).
 */
import type { ApiErrorBody, ArchiveApi, ArchiveChange, ArchiveMethod, ArchiveResults } from '../../../shared/api';
import { ARCHIVE_METHODS } from '../../../shared/api';

/** What the Electron preload exposes: results and errors cross as data. */
export interface ArchiveBridge {
  invoke(
    method: string,
    args: unknown,
  ): Promise<{ ok: true; value: unknown } | { ok: true; json: string } | { ok: false; error: string; code: ApiErrorBody['code'] }>;
  onChange(listener: (change: ArchiveChange) => void): () => void;
}

declare global {
  interface Window {
    archiveBridge?: ArchiveBridge;
  }
}

export class ApiCallError extends Error {
  constructor(
    message: string,
    readonly code: ApiErrorBody['code'] | 'network',
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** APIs that talk HTTP to `serve`: only there can accounts (and their sign-in pages) exist. */
const httpApis = new WeakSet<ArchiveApi>();

export function isHttpApi(api: ArchiveApi): boolean {
  return httpApis.has(api);
}

export function createHttpApi(base = ''): ArchiveApi {
  const call = async <M extends ArchiveMethod>(method: M, args: unknown): Promise<ArchiveResults[M]> => {
    let response: Response;
    try {
      response = await fetch(`${base}/api/${method}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(args ?? {}),
      });
    } catch {
      throw new ApiCallError('The archive is not answering. Is `callaider-archive serve` still running?', 'network', null);
    }
    const body = (await response.json().catch(() => null)) as unknown;
    if (!response.ok) {
      // The sign-in session ended (idle too long, signed out in another tab, account disabled).
      if (response.status === 401) window.dispatchEvent(new Event('archive:unauthorized'));
      const error = body as Partial<ApiErrorBody> | null;
      throw new ApiCallError(error?.error ?? `HTTP ${response.status}`, error?.code ?? 'failed', response.status);
    }
    return body as ArchiveResults[M];
  };
  const api = Object.fromEntries(ARCHIVE_METHODS.map((method) => [method, (args: unknown) => call(method, args)])) as unknown as ArchiveApi;
  api.subscribe = (listener: (change: ArchiveChange) => void) => {
    const source = new EventSource(`${base}/api/events`);
    source.onmessage = (message: MessageEvent<string>) => {
      try {
        listener(JSON.parse(message.data) as ArchiveChange);
      } catch {
        // ignore a malformed event
      }
    };
    // After a reconnect we may have missed changes: tell the views to refresh.
    source.onopen = () => listener({ type: 'sessions-changed' });
    return () => source.close();
  };
  httpApis.add(api);
  return api;
}

/** The ArchiveApi over the Electron preload's bridge (IPC). */
export function createBridgeApi(bridge: ArchiveBridge): ArchiveApi {
  const call = async (method: ArchiveMethod, args: unknown) => {
    const result = await bridge.invoke(method, args ?? {});
    if (!result.ok) throw new ApiCallError(result.error, result.code, null);
    // Big reads cross as JSON text made off the main process's thread; parsed here, in the window.
    return 'json' in result ? (JSON.parse(result.json) as unknown) : result.value;
  };
  const api = Object.fromEntries(ARCHIVE_METHODS.map((method) => [method, (args: unknown) => call(method, args)])) as unknown as ArchiveApi;
  api.subscribe = (listener) => bridge.onChange(listener);
  return api;
}

let instance: ArchiveApi | null = null;

export function getApi(): ArchiveApi {
  instance ??= window.archiveBridge ? createBridgeApi(window.archiveBridge) : createHttpApi();
  return instance;
}

/** For tests: use a given implementation. */
export function setApi(api: ArchiveApi): void {
  instance = api;
}
