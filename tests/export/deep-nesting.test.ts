/**
 * A signed event whose metadata or tool call nests thousands of levels deep is CallAIder's data:
 * it is acknowledged, stored, indexed, shown and exported like any other, and one such event never
 * breaks the export of the rest of the archive.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ArchiveService } from '../../electron/core/archive-service.js';
import { SqliteStore } from '../../electron/core/archive/sqlite/sqlite-store.js';
import { EXPORT_FORMATS, type ExportFormat } from '../../shared/export-format.js';
import { writeExport } from '../../electron/core/export.js';
import { importFiles } from '../../electron/core/import.js';
import { stringifyJson } from '../../shared/json.js';
import { sessionPair, signedRequest, tempDir } from '../support/fixtures.js';
import { testReceiver } from '../support/receiver.js';
import type { ArchiveStore } from '../../electron/core/archive/store.js';
import type { Engine } from '../../electron/core/engine.js';

const nested = (depth: number, leaf = 'deepest-word'): string => '{"level":'.repeat(depth) + JSON.stringify(leaf) + '}'.repeat(depth);

/** How deep a parsed value goes, without recursion. */
function depthOf(value: unknown): number {
  let depth = 0;
  let current = value;
  while (current !== null && typeof current === 'object') {
    current = (current as { level?: unknown }).level;
    depth += 1;
  }
  return depth;
}

async function exportText(store: ArchiveStore, format: ExportFormat): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await writeExport(store, out, { format });
  out.end();
  return Buffer.concat(chunks).toString('utf8');
}

describe.each([5_000, 100_000])('a payload nested %i levels deep', (depth) => {
  it.each(['metadata', 'toolCall.arguments', 'toolCall.result'])('in %s: stored, indexed, shown, exported in every format, and imported again', async (field) => {
    const { app, archive } = await testReceiver({}, { threads: true, deferProjection: true });
    const normal = sessionPair({ messages: 4 });
    const deep = sessionPair({ messages: 4 });
    const startedBody = JSON.stringify(deep.started);
    let endedBody = JSON.stringify(deep.ended);
    if (field === 'metadata') {
      const withMeta = { ...deep.started, data: { metadata: { sessionMode: 'voice', tree: '__DEEP__' } } };
      deep.started = withMeta;
    } else {
      const transcript = deep.ended.data.transcript!;
      transcript[1] = { ...transcript[1]!, toolCall: { name: 'lookup', [field === 'toolCall.arguments' ? 'arguments' : 'result']: '__DEEP__' } };
      endedBody = JSON.stringify(deep.ended);
    }
    const bodies = {
      started: (field === 'metadata' ? JSON.stringify(deep.started) : startedBody).replace('"__DEEP__"', nested(depth)),
      ended: endedBody.replace('"__DEEP__"', nested(depth)),
    };
    for (const payload of [normal.started, normal.ended]) expect((await app.inject(signedRequest(payload))).statusCode).toBe(200);
    for (const [event, body] of [['session.started', bodies.started], ['session.ended', bodies.ended]] as const) {
      const reply = await app.inject(signedRequest(null, { body, event }));
      expect(reply.statusCode, reply.body).toBe(200);
    }
    await archive.settled();
    const counts = await archive.counts({ staleBefore: 0 });
    expect(counts).toMatchObject({ sessions: 2, events: 4, unindexed: 0 });

    // The window: the session opens, its messages load, and search reaches the deepest word.
    const service = new ArchiveService({ archive, config: { staleAfterMinutes: 120 }, on: () => undefined } as unknown as Engine, { host: 'serve' });
    const detail = (await service.call('getSession', { sessionId: deep.started.sessionId })) as { metadata: Record<string, unknown> | null };
    if (field === 'metadata') expect(depthOf((detail.metadata as { tree: unknown }).tree)).toBe(depth);
    const messages = (await service.call('getMessages', { sessionId: deep.started.sessionId })) as { items: Array<{ toolCall: { arguments: string | null; result: string | null } | null }> };
    if (field !== 'metadata') {
      const stored = messages.items[1]!.toolCall![field === 'toolCall.arguments' ? 'arguments' : 'result']!;
      expect(depthOf(JSON.parse(stored))).toBe(depth);
    }
    const found = (await service.call('listSessions', { query: 'deepest' })) as { items: Array<{ sessionId: string }> };
    expect(found.items.map((s) => s.sessionId)).toEqual([deep.started.sessionId]);

    // Every export format writes both sessions; the JSON one keeps the value whole.
    for (const format of EXPORT_FORMATS) {
      const text = await exportText(archive, format);
      expect(text, format).toContain(normal.started.sessionId);
      expect(text, format).toContain(deep.started.sessionId);
    }
    const exported = JSON.parse(await exportText(archive, 'json')) as { sessions: Array<{ sessionId: string; metadata: { tree?: unknown }; transcript: Array<{ toolCall?: Record<string, unknown> }> }> };
    const mine = exported.sessions.find((s) => s.sessionId === deep.started.sessionId)!;
    const kept = field === 'metadata' ? mine.metadata.tree : mine.transcript[1]!.toolCall![field === 'toolCall.arguments' ? 'arguments' : 'result'];
    expect(depthOf(kept)).toBe(depth);
    for (const format of ['md', 'json'] as const) {
      const single = (await service.call('exportSession', { sessionId: deep.started.sessionId, format })) as { content: string };
      expect(single.content).toContain('deepest-word');
    }

    // The export restores on another machine.
    const file = join(tempDir(), 'export.json');
    writeFileSync(file, await exportText(archive, 'json'));
    const restored = await SqliteStore.open(join(tempDir(), 'restored.sqlite'));
    try {
      const summary = await importFiles(restored, [file]);
      expect(summary).toMatchObject({ stored: 4, invalid: [] });
      expect(await restored.counts({ staleBefore: 0 })).toMatchObject({ sessions: 2, unindexed: 0 });
    } finally {
      await restored.close();
    }
  }, 60_000);
});

describe('stringifyJson', () => {
  it('writes what JSON.stringify writes, and keeps going where it runs out of stack', () => {
    const value = { a: [1, 'two', null, undefined, () => 1, Number.NaN, { b: true }], c: undefined, d: 'é"\n', e: { toJSON: () => 'x' } };
    expect(stringifyJson(value)).toBe(JSON.stringify(value));
    expect(stringifyJson(value, 2)).toBe(JSON.stringify(value, null, 2));
    expect(stringifyJson(undefined)).toBe('null');
    const deep = JSON.parse(nested(50_000)) as unknown;
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(stringifyJson(deep)).toBe(nested(50_000));
    expect(stringifyJson(deep, 2)).toBe(nested(50_000)); // too deep to indent: compact
  });
});
