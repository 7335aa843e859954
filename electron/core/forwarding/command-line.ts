/**
 * Targets given to `serve` (--forward URL, --forward-events, --forward-config FILE): upserted by
 * URL at each start and marked as from the command line. The archive keeps them like any other
 * (the window shows them, pausing and resending work the same); a URL left off the command line
 * later stays until deleted. A new target without a secret of its own gets a generated one,
 * logged once; an existing one keeps its secret unless the config file sets one.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { forwardConfigSchema, forwardEventsSchema, forwardUrlSchema, type ForwardConfig, type ForwardKind } from '../../../shared/forwarding.js';
import type { ArchiveStore } from '../archive/store.js';
import { ConfigError } from '../config.js';
import type { Logger } from '../log.js';

export type CommandLineTarget = ForwardConfig['targets'][number];

/** A strong secret: 32 random bytes, base64url (43 characters). */
export function generateForwardSecret(): string {
  return randomBytes(32).toString('base64url');
}

const EVENT_NAMES: Record<string, ForwardKind> = {
  started: 'session.started',
  'session.started': 'session.started',
  ended: 'session.ended',
  'session.ended': 'session.ended',
  'follow-up': 'follow-up',
};

/** --forward-events: a comma-separated list of started, ended, follow-up. */
export function parseForwardEvents(value: string): ForwardKind[] {
  const kinds = value.split(',').map((part) => part.trim()).filter(Boolean).map((part) => {
    const kind = EVENT_NAMES[part];
    if (!kind) throw new ConfigError(`--forward-events: "${part}" is not one of started, ended, follow-up`);
    return kind;
  });
  const parsed = forwardEventsSchema.safeParse(kinds);
  if (!parsed.success) throw new ConfigError(`--forward-events: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

export function targetsFromFlags(urls: string[], events: ForwardKind[]): CommandLineTarget[] {
  return urls.map((url) => {
    const parsed = forwardUrlSchema.safeParse(url);
    if (!parsed.success) throw new ConfigError(`--forward: ${parsed.error.issues[0]?.message ?? 'invalid URL'}`);
    return { url: parsed.data, events, headers: {} };
  });
}

export function readForwardConfig(file: string): CommandLineTarget[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`--forward-config: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`--forward-config: ${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = forwardConfigSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(`--forward-config: ${file}: ${describeIssues(parsed.error)}`);
  return parsed.data.targets;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`).join('; ');
}

export async function applyCommandLineTargets(store: ArchiveStore, targets: CommandLineTarget[], log: Logger, now = Date.now()): Promise<void> {
  if (targets.length === 0) return;
  const existing = new Set((await store.forwardTargets()).map((target) => target.url));
  for (const target of targets) {
    const isNew = !existing.has(target.url);
    const secret = target.secret ?? (isNew ? generateForwardSecret() : undefined);
    await store.saveForwardTarget({ url: target.url, events: target.events, headers: target.headers, secret, origin: 'command-line', at: now });
    existing.add(target.url);
    if (isNew && !target.secret) {
      log.info(`forwarding to ${target.url}: its signing secret (shown once; see it again nowhere, set a new one in the window) is ${secret}`);
    } else {
      log.info(`forwarding to ${target.url} (${target.events.join(', ')})`);
    }
  }
}
