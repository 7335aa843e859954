import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ArchiveStore } from '../../electron/core/archive/store.js';
import { SessionNotFoundError, writeExport } from '../../electron/core/export.js';
import { importFiles } from '../../electron/core/import.js';
import type { ExportFormat } from '../../shared/export-format.js';
import { csvField } from '../../shared/export-render.js';
import { peek, sessionPair, tempArchive, tempDir } from '../support/fixtures.js';

async function exportText(archive: ArchiveStore, format: ExportFormat, sessionId?: string): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await writeExport(archive, out, { format, sessionId });
  out.end();
  return Buffer.concat(chunks).toString('utf8');
}

async function ingestAll(archive: ArchiveStore, payloads: Array<{ event: string }>) {
  for (const payload of payloads) {
    await archive.ingest({ payload: payload as never, body: Buffer.from(JSON.stringify(payload)), source: 'webhook', receivedAt: Date.now() });
  }
}

describe('export', () => {
  it('json is exactly {"sessions":[...]} with the documented fields, transcript and metadata as received', async () => {
    const { archive } = await tempArchive();
    const full = sessionPair({ messages: 6 });
    (full.ended.data as Record<string, unknown>).extraField = 'kept';
    (full.ended.data.transcript![2] as Record<string, unknown>).confidence = 0.5;
    const onlyStarted = sessionPair();
    await ingestAll(archive, [full.started, full.ended, onlyStarted.started]);
    const parsed = JSON.parse(await exportText(archive, 'json')) as { sessions: Array<Record<string, unknown>> };
    expect(Object.keys(parsed)).toEqual(['sessions']);
    const byId = new Map(parsed.sessions.map((s) => [s.sessionId, s]));
    expect(byId.get(full.ended.sessionId)).toEqual({
      sessionId: full.ended.sessionId,
      assistantId: full.ended.assistantId,
      status: 'ended',
      startedAt: full.started.timestamp,
      endedAt: full.ended.timestamp,
      reason: full.ended.data.reason,
      durationSeconds: full.ended.data.durationSeconds,
      metadata: full.started.data.metadata,
      transcript: full.ended.data.transcript,
      // The owner's edits (none made here: the rules' conclusions only).
      followUp: expect.objectContaining({ notes: [], tags: [] }),
    });
    expect(Object.keys(byId.get(full.ended.sessionId)!)).toEqual(['sessionId', 'assistantId', 'status', 'startedAt', 'endedAt', 'reason', 'durationSeconds', 'metadata', 'transcript', 'followUp']);
    expect(byId.get(onlyStarted.started.sessionId)).toMatchObject({ status: 'active', endedAt: null, reason: null, durationSeconds: null, transcript: [] });
  });

  it('an empty archive exports as {"sessions":[]}', async () => {
    const { archive } = await tempArchive();
    expect(JSON.parse(await exportText(archive, 'json'))).toEqual({ sessions: [] });
  });

  it('ndjson has one session per line; --session picks one; an unknown session is an error', async () => {
    const { archive } = await tempArchive();
    const a = sessionPair();
    const b = sessionPair();
    await ingestAll(archive, [a.started, a.ended, b.started, b.ended]);
    const lines = (await exportText(archive, 'ndjson')).trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.map((l) => (JSON.parse(l) as { sessionId: string }).sessionId).sort()).toEqual([a.ended.sessionId, b.ended.sessionId].sort());
    const one = JSON.parse(await exportText(archive, 'json', b.ended.sessionId)) as { sessions: unknown[] };
    expect(one.sessions).toHaveLength(1);
    await expect(exportText(archive, 'json', 'no-such-session')).rejects.toThrow(SessionNotFoundError);
  });

  it('csv has a header and one row per message, quoted, with formulas defused', async () => {
    const { archive } = await tempArchive();
    const { started, ended } = sessionPair({ messages: 0 });
    ended.data.transcript = [
      { role: 'user', content: '=HYPERLINK("http://evil")', timestamp: Date.parse(ended.timestamp) - 5000 },
      { role: 'assistant', content: 'Line one\nline "two", with comma', timestamp: Date.parse(ended.timestamp) - 4000 },
      { role: 'tool', content: '', timestamp: Date.parse(ended.timestamp) - 3000, toolCall: { name: 'book', arguments: { a: 1 }, error: 'slot taken' } },
    ];
    await ingestAll(archive, [started, ended]);
    const csv = await exportText(archive, 'csv');
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('sessionId,assistantId,status,startedAt,endedAt,reason,durationSeconds,sessionMode,callId,messageIndex,role,messageTime,content,toolName,toolArguments,toolResult,toolError,files,followUpState,followUpPriority,followUpReasons,tags,notes,caller');
    expect(csv).toContain(`'=HYPERLINK(""http://evil"")`);
    expect(csv).toContain('"Line one\nline ""two"", with comma"');
    expect(csv).toContain('book,"{""a"":1}",,slot taken');
    expect(csvField(-5, { textual: false })).toBe('-5');
  });

  it('markdown reads as a conversation with tool calls and files', async () => {
    const { archive } = await tempArchive();
    const { started, ended } = sessionPair({ messages: 0 });
    const start = Date.parse(started.timestamp);
    ended.data.transcript = [
      { role: 'assistant', content: 'Hello!', timestamp: start + 2000 },
      { role: 'user', content: 'Here is my card', timestamp: start + 67000, files: [{ gcsUri: 'gs://b/card.jpg', mimeType: 'image/jpeg', filename: 'card.jpg' }] },
      { role: 'tool', content: '', timestamp: start + 70000, toolCall: { name: 'book', arguments: { slot: 3 }, error: 'slot taken' } },
    ];
    await ingestAll(archive, [started, ended]);
    const md = await exportText(archive, 'md');
    expect(md).toContain(`# Session ${ended.sessionId}`);
    expect(md).toContain('**Assistant** +0:02');
    expect(md).toContain('**Caller** +1:07');
    expect(md).toContain('> Here is my card');
    expect(md).toContain('📎 card.jpg (image/jpeg): `gs://b/card.jpg`');
    expect(md).toContain('Tool call `book` **failed: slot taken**');
  });
});

describe('import', () => {
  it('replays one payload, an array and NDJSON through validation and dedupe', async () => {
    const { archive, file } = await tempArchive();
    const dir = tempDir();
    const a = sessionPair();
    const b = sessionPair();
    writeFileSync(join(dir, 'one.json'), JSON.stringify(a.started, null, 2));
    writeFileSync(join(dir, 'array.json'), JSON.stringify([a.ended, b.started]));
    writeFileSync(join(dir, 'lines.ndjson'), `${JSON.stringify(b.ended)}\n\n{"broken": \n${JSON.stringify({ event: 'session.paused' })}\n${JSON.stringify(a.started)}\n`);
    const summary = await importFiles(archive, [join(dir, 'one.json'), join(dir, 'array.json'), join(dir, 'lines.ndjson'), join(dir, 'missing.json')]);
    expect(summary).toMatchObject({ stored: 4, duplicates: 1, ignored: 1 });
    expect(summary.invalid.map((p) => p.where)).toEqual([join(dir, 'lines.ndjson:3'), join(dir, 'missing.json')]);
    expect(await archive.counts({ staleBefore: 0 })).toMatchObject({ sessions: 2, events: 4 });
    // A single-payload file keeps its exact bytes as the event body (what only the file shows).
    const [stored] = peek(file).rows<{ body: Buffer }>("SELECT body FROM events WHERE event = 'session.started' AND session_id = ?", a.started.sessionId);
    expect(stored!.body.toString()).toBe(JSON.stringify(a.started, null, 2));
  });

  it('reads NDJSON as a stream, in pieces, naming problems by the line of the file (plain and gzipped)', async () => {
    const dir = tempDir();
    const pairs = Array.from({ length: 600 }, () => sessionPair({ messages: 1 }));
    const lines = pairs.flatMap((pair) => [JSON.stringify(pair.started), JSON.stringify(pair.ended)]);
    // A blank line within the first piece and a broken one in the third: line numbers stay the file's.
    lines.splice(699, 0, '');
    lines[1100] = '{"broken": ';
    const text = `${lines.join('\n')}\n`;
    writeFileSync(join(dir, 'big.ndjson'), text);
    writeFileSync(join(dir, 'big.ndjson.gz'), gzipSync(text));
    for (const name of ['big.ndjson', 'big.ndjson.gz']) {
      const { archive } = await tempArchive();
      const summary = await importFiles(archive, [join(dir, name)]);
      expect(summary.invalid, name).toEqual([{ where: `${join(dir, name)}:1101`, reason: expect.any(String) as string }]);
      expect(summary.stored, name).toBe(1199);
      expect(await archive.counts({ staleBefore: 0 }), name).toMatchObject({ sessions: 600, events: 1199 });
    }
    writeFileSync(join(dir, 'empty.ndjson'), '\n');
    const empty = await importFiles((await tempArchive()).archive, [join(dir, 'empty.ndjson')]);
    expect(empty.invalid).toEqual([{ where: join(dir, 'empty.ndjson'), reason: 'no payloads found (empty file?)' }]);
  });

  it("restores this app's own export into a new archive, identically", async () => {
    const source = (await tempArchive()).archive;
    const pairs = Array.from({ length: 5 }, () => sessionPair({ messages: 10 }));
    await ingestAll(source, [...pairs.flatMap((p) => [p.started, p.ended]), sessionPair().started]);
    const exported = await exportText(source, 'json');
    const file = join(tempDir(), 'backup.json');
    writeFileSync(file, exported);
    const target = await (await tempArchive()).archive;
    const summary = await importFiles(target, [file]);
    expect(summary).toMatchObject({ stored: 11, invalid: [] });
    expect(await exportText(target, 'json')).toBe(exported);
  });
});
