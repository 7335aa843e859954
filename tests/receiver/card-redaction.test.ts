import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importFiles } from '../../electron/core/import.js';
import { reverifyQuarantine } from '../../electron/core/quarantine.js';
import { signedRequest, tempArchive, tempDir } from '../support/fixtures.js';
import { CARDS, CVC, NOT_CARDS, cardDigitForms, cardSession } from '../support/cards.js';
import { testReceiver } from '../support/receiver.js';

const fileBytes = (file: string) => Buffer.concat([readFileSync(file), existsSync(`${file}-wal`) ? readFileSync(`${file}-wal`) : Buffer.alloc(0)]);

describe('card numbers never stored (webhook)', () => {
  it('answers 200, and the file, the index, the messages and the export hold only the masked form', async () => {
    const { app, archive, file } = await testReceiver();
    const { started, ended } = cardSession();
    expect((await app.inject(signedRequest(started))).statusCode).toBe(200);
    const reply = await app.inject(signedRequest(ended));
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toEqual({ ok: true, event: 'session.ended', duplicate: false });
    await archive.settled();

    const bytes = fileBytes(file);
    for (const digits of cardDigitForms()) expect(bytes.includes(Buffer.from(digits)), digits).toBe(false);
    // Not cards: kept as sent.
    expect(bytes.includes(Buffer.from(NOT_CARDS.luhnInvalid))).toBe(true);
    expect(bytes.includes(Buffer.from(NOT_CARDS.phone))).toBe(true);

    const session = await archive.getSession(ended.sessionId, 60_000);
    // 1 in metadata; 5 cards and 1 code said; 2 cards and 1 code in the tool call.
    expect(session?.redactions).toBe(10);

    const { items } = await archive.getMessages(ended.sessionId, 0, 100);
    const said = items.map((item) => item.content).join('\n');
    expect(said).toContain("It's •••• •••• •••• 4242. Or use •••• •••• •••• 4444, or •••• •••• •••• 5556.");
    expect(said).toContain('My Amex is •••• •••• •••• 0005 and the old one •••• •••• •••• 0006;');
    expect(said).toContain(`order ${NOT_CARDS.luhnInvalid}, call ${NOT_CARDS.phone}`);
    expect(items.find((item) => item.content === 'CVC •••')).toBeTruthy();
    expect(said).not.toContain(CVC);
    const tool = items.find((item) => item.toolCall)!.toolCall!;
    expect(JSON.parse(tool.arguments!)).toEqual({ cardNumber: '•••• •••• •••• 1117', cvc: 'CVC •••', amount: 4500 });
    expect(tool.result).toContain('•••• •••• •••• 1117');

    for (const digits of [CARDS.together, '4242424242424242', CARDS.inTool]) {
      const found = await archive.listSessions({ query: digits, filters: {}, limit: 10, staleAfterMs: 60_000 });
      expect(found.items.map((s) => s.sessionId), digits).toEqual([]);
    }
    // What was kept is still found, the last four digits included (so a card can be told apart).
    expect((await archive.listSessions({ query: 'Amex', filters: {}, limit: 10, staleAfterMs: 60_000 })).items).toHaveLength(1);
    expect((await archive.listSessions({ query: '5556', filters: {}, limit: 10, staleAfterMs: 60_000 })).items).toHaveLength(1);

    const page = await archive.exportSessions({ format: 'json', limit: 10 });
    const exported = JSON.parse(page.items[0]!) as { redactions?: number; metadata: { paymentNote: string } };
    expect(exported.redactions).toBe(10);
    expect(exported.metadata.paymentNote).toBe('card on file •••• •••• •••• 5100');
    for (const digits of cardDigitForms()) expect(page.items[0]).not.toContain(digits);
  });

  it('a session without card data is stored byte for byte, with no redactions said anywhere', async () => {
    const { app, archive } = await testReceiver();
    const { started } = cardSession();
    started.data.metadata = { userAgent: 'x', note: `order ${NOT_CARDS.luhnInvalid}` };
    const body = JSON.stringify(started, null, 1);
    await app.inject(signedRequest(started, { body }));
    await archive.settled();
    expect(await archive.getSession(started.sessionId, 60_000)).toMatchObject({ redactions: 0 });
    const page = await archive.exportSessions({ format: 'json', limit: 10 });
    expect(JSON.parse(page.items[0]!)).not.toHaveProperty('redactions');
  });

  it('redactCards: false keeps them (serve --keep-card-numbers)', async () => {
    const { app, archive, file } = await testReceiver({ redactCards: false });
    const { ended } = cardSession();
    expect((await app.inject(signedRequest(ended))).statusCode).toBe(200);
    await archive.settled();
    expect(fileBytes(file).includes(Buffer.from(CARDS.spaced))).toBe(true);
    expect((await archive.getSession(ended.sessionId, 60_000))?.redactions).toBe(0);
  });

  it('walks a delivery nested 10,000 levels deep without a stack overflow', async () => {
    const { app, archive, file } = await testReceiver();
    const { started } = cardSession();
    const body = JSON.stringify({ ...started, data: { metadata: { deep: '__DEEP__' } } }).replace(
      '"__DEEP__"',
      `${'{"a":['.repeat(10_000)}"card ${CARDS.together}"${']}'.repeat(10_000)}`,
    );
    const reply = await app.inject(signedRequest(null, { body, event: 'session.started' }));
    expect(reply.statusCode).toBe(200);
    await archive.settled();
    expect(fileBytes(file).includes(Buffer.from(CARDS.together))).toBe(false);
    expect((await archive.getSession(started.sessionId, 60_000))?.redactions).toBe(1);
  });

  it('masks card data in quarantined bodies too; re-verifying those can then never succeed', async () => {
    const { app, archive, file, quarantine } = await testReceiver();
    const { ended } = cardSession();
    const plain = cardSession().started;
    plain.data.metadata = { userAgent: 'no cards here' };
    expect((await app.inject(signedRequest(ended, { secret: 'mistyped' }))).statusCode).toBe(401);
    expect((await app.inject(signedRequest(plain, { secret: 'mistyped' }))).statusCode).toBe(401);
    const held = await quarantine();
    expect(held).toHaveLength(2);
    const withCards = held.find((entry) => entry.sessionId === ended.sessionId)!;
    expect(withCards.body.toString()).toContain('•••• •••• •••• 4242');
    for (const digits of cardDigitForms()) expect(fileBytes(file).includes(Buffer.from(digits)), digits).toBe(false);

    const summary = await reverifyQuarantine(archive, 'mistyped');
    // The body without card data is the one signed: stored. The masked one no longer matches: kept.
    expect(summary).toMatchObject({ checked: 2, stored: 1, kept: 1 });
  });
});

describe('card numbers never stored (import)', () => {
  it('redacts imported payloads, and counts what it removed', async () => {
    const { archive, file } = await tempArchive();
    const { started, ended } = cardSession();
    const path = join(tempDir(), 'payloads.ndjson');
    writeFileSync(path, `${JSON.stringify(started)}\n${JSON.stringify(ended)}\n`);
    const summary = await importFiles(archive, [path]);
    expect(summary).toMatchObject({ stored: 2, invalid: [] });
    await archive.settled();
    for (const digits of cardDigitForms()) expect(fileBytes(file).includes(Buffer.from(digits)), digits).toBe(false);
    expect((await archive.getSession(ended.sessionId, 60_000))?.redactions).toBe(10);
  });
});
