/**
 * send-test: plays CallAIder against a webhook URL. Each simulated session is delivered the way
 * CallAIder delivers it (session.started, then session.ended, signed, with the system headers),
 * many sessions at a time.
 */
import { sign } from './signature.js';
import { simulateSessions, type SimulateOptions } from './simulator.js';
import type { RequiredHeader } from './receiver.js';

export interface SendTestOptions extends SimulateOptions {
  url: string;
  secret?: string | undefined;
  sessions: number;
  concurrency: number;
  header?: RequiredHeader | undefined;
  timeoutMs?: number;
  onResult?: (result: DeliveryResult) => void;
}

export interface DeliveryResult {
  sessionId: string;
  event: string;
  status: number | null;
  ok: boolean;
  duplicate: boolean;
  error: string | null;
  ms: number;
}

export interface SendTestSummary {
  sessions: number;
  delivered: number;
  duplicates: number;
  failed: DeliveryResult[];
  elapsedMs: number;
}

export async function deliver(
  url: string,
  payload: { event: string; sessionId: string },
  options: { secret?: string | undefined; header?: RequiredHeader | undefined; timeoutMs?: number } = {},
): Promise<DeliveryResult> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-callaider-event': payload.event,
    'user-agent': 'callaider-archive-send-test/1',
  };
  if (options.header) headers[options.header.name] = options.header.value;
  if (options.secret) headers['x-callaider-signature'] = sign(options.secret, body);
  const started = performance.now();
  const base = { sessionId: payload.sessionId, event: payload.event };
  try {
    const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 15_000) });
    const text = await response.text();
    let reply: { ok?: boolean; duplicate?: boolean; error?: string } = {};
    try {
      reply = JSON.parse(text) as typeof reply;
    } catch {
      reply = { error: text.slice(0, 200) };
    }
    return {
      ...base,
      status: response.status,
      ok: response.ok,
      duplicate: reply.duplicate === true,
      error: response.ok ? null : (reply.error ?? `HTTP ${response.status}`),
      ms: performance.now() - started,
    };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { ...base, status: null, ok: false, duplicate: false, error: cause ?? (error instanceof Error ? error.message : String(error)), ms: performance.now() - started };
  }
}

export async function sendTest(options: SendTestOptions): Promise<SendTestSummary> {
  const started = performance.now();
  const summary: SendTestSummary = { sessions: options.sessions, delivered: 0, duplicates: 0, failed: [], elapsedMs: 0 };
  const sessions = simulateSessions(options.sessions, options);
  const worker = async () => {
    for (let next = sessions.next(); !next.done; next = sessions.next()) {
      for (const payload of [next.value.started, next.value.ended]) {
        const result = await deliver(options.url, payload, options);
        options.onResult?.(result);
        if (result.ok) summary.delivered += 1;
        else summary.failed.push(result);
        if (result.duplicate) summary.duplicates += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, options.sessions)) }, worker));
  summary.elapsedMs = performance.now() - started;
  return summary;
}
