/**
 * The layer boundaries of design.md, enforced by lint, and proven here: if someone loosens the
 * lint rules, these probes stop failing and this test does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function ruleHits(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

function filesUnder(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

describe('architecture boundaries', () => {
  it('lint refuses electron in the engine', async () => {
    expect(await ruleHits('electron/core/probe.ts', "import { app } from 'electron';\nexport const a = app;\n")).toContain('no-restricted-imports');
  });

  it('lint refuses Node built-ins in shared/ and renderer/', async () => {
    expect(await ruleHits('shared/probe.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).toContain('no-restricted-imports');
    expect(await ruleHits('shared/probe.ts', "import path from 'path';\nexport const p = path;\n")).toContain('no-restricted-imports');
    expect(await ruleHits('renderer/src/probe.ts', "import { createHmac } from 'node:crypto';\nexport const c = createHmac;\n")).toContain('no-restricted-imports');
    expect(await ruleHits('shared/probe.ts', 'export const env = process.env;\n')).toContain('no-restricted-globals');
  });

  it('lint refuses SQL, a database handle or store internals outside the archive store', async () => {
    expect(await ruleHits('electron/core/probe.ts', "export const q = 'SELECT count(*) FROM events';\n")).toContain('no-restricted-syntax');
    expect(await ruleHits('electron/core/probe.ts', 'export const q = `DELETE FROM sessions WHERE session_id = ?`;\n')).toContain('no-restricted-syntax');
    expect(await ruleHits('electron/main/probe.ts', 'export const run = (db: { prepare(s: string): unknown }) => db.prepare(String(1));\n')).toContain('no-restricted-syntax');
    expect(await ruleHits('electron/core/probe.ts', "import Database from 'better-sqlite3';\nexport const d = Database;\n")).toContain('no-restricted-imports');
    expect(await ruleHits('electron/main/probe.ts', "import { listSessions } from '../core/archive/sqlite/reads/sessions.js';\nexport const l = listSessions;\n")).toContain('no-restricted-imports');
    expect(await ruleHits('electron/core/probe.ts', "import { statement } from './archive/sqlite/database.js';\nexport const s = statement;\n")).toContain('no-restricted-imports');
    // The store itself may, and the public SQLite store may be imported to open one.
    expect(await ruleHits('electron/core/archive/sqlite/probe.ts', "export const q = 'SELECT 1 AS one';\n")).not.toContain('no-restricted-syntax');
    expect(await ruleHits('electron/core/probe.ts', "import { SqliteStore } from './archive/sqlite/sqlite-store.js';\nexport const s = SqliteStore;\n")).not.toContain('no-restricted-imports');
    // pg only inside the PostgreSQL store, and of that store only PostgresStore from outside it.
    expect(await ruleHits('electron/core/probe.ts', "import pg from 'pg';\nexport const p = pg;\n")).toContain('no-restricted-imports');
    expect(await ruleHits('electron/core/archive/probe.ts', "import pg from 'pg';\nexport const p = pg;\n")).toContain('no-restricted-imports');
    expect(await ruleHits('electron/core/archive/postgres/probe.ts', "import pg from 'pg';\nexport const p = pg;\n")).not.toContain('no-restricted-imports');
    expect(await ruleHits('electron/core/probe.ts', "import { run } from './archive/postgres/db.js';\nexport const r = run;\n")).toContain('no-restricted-imports');
    expect(await ruleHits('electron/main/probe.ts', "import { listSessions } from '../core/archive/postgres/reads/sessions.js';\nexport const l = listSessions;\n")).toContain('no-restricted-imports');
    expect(await ruleHits('electron/core/archive/sqlite/probe.ts', "import { run } from '../postgres/db.js';\nexport const r = run;\n")).toContain('no-restricted-imports');
    expect(await ruleHits('electron/core/probe.ts', "import { PostgresStore } from './archive/postgres/postgres-store.js';\nexport const s = PostgresStore;\n")).not.toContain('no-restricted-imports');
    // Row types and mappers serve both stores: they import neither, and only the archive imports them.
    expect(await ruleHits('electron/core/archive/rows/probe.ts', "import { statement } from '../sqlite/database.js';\nexport const s = statement;\n")).toContain('no-restricted-imports');
    expect(await ruleHits('electron/core/archive/rows/probe.ts', "import { run } from '../postgres/db.js';\nexport const r = run;\n")).toContain('no-restricted-imports');
    expect(await ruleHits('electron/core/archive/rows/probe.ts', "import { BadCursorError } from '../errors.js';\nexport const e = BadCursorError;\n")).not.toContain('no-restricted-imports');
    expect(await ruleHits('electron/core/archive/sqlite/probe.ts', "import { toNote } from '../rows/follow-ups.js';\nexport const t = toNote;\n")).not.toContain('no-restricted-imports');
    expect(await ruleHits('electron/core/archive/postgres/probe.ts', "import { toNote } from '../rows/follow-ups.js';\nexport const t = toNote;\n")).not.toContain('no-restricted-imports');
    expect(await ruleHits('electron/core/probe.ts', "import { toNote } from './archive/rows/follow-ups.js';\nexport const t = toNote;\n")).toContain('no-restricted-imports');
    // Ordinary words are not SQL.
    expect(await ruleHits('electron/main/probe.ts', "export const label = 'Select a session';\n")).not.toContain('no-restricted-syntax');
  });

  it('no SQL outside the archive store today', () => {
    const sqlLike = /\.prepare\(|\.pragma\(|\bSELECT\b[^'"`]*\bFROM\b|INSERT INTO|DELETE FROM|from ['"]better-sqlite3['"]/;
    const offenders = [...filesUnder('electron/core'), ...filesUnder('electron/main')]
      .filter((file) => !file.startsWith(join('electron', 'core', 'archive')))
      .filter((file) => sqlLike.test(readFileSync(join(root, file), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('no engine file imports electron today', () => {
    const offenders = filesUnder('electron/core').filter((file) => /from ['"]electron['"]|import\(['"]electron['"]\)|require\(['"]electron['"]\)/.test(readFileSync(join(root, file), 'utf8')));
    expect(offenders).toEqual([]);
    expect(filesUnder('electron/core').length).toBeGreaterThan(10);
  });
});
