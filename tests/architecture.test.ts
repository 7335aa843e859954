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

  it('no engine file imports electron today', () => {
    const offenders = filesUnder('electron/core').filter((file) => /from ['"]electron['"]|import\(['"]electron['"]\)|require\(['"]electron['"]\)/.test(readFileSync(join(root, file), 'utf8')));
    expect(offenders).toEqual([]);
    expect(filesUnder('electron/core').length).toBeGreaterThan(10);
  });
});
