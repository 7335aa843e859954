/**
 * `npm run dist` on Linux, offline: electron-builder's `dir` target with the project's own
 * build/electron-builder.yml, against a stand-in Electron distribution (`electronDist`: a folder
 * with a shell script named `electron`, so nothing is downloaded; `electronVersion` set, so
 * nothing is looked up). Then what the package holds: the asar's contents, what is unpacked
 * (only the .node files and the icons), the fuses flipped in the "binary", the deb metadata, and
 * node_modules' Node build of better-sqlite3 untouched (npmRebuild is off).
 *
 * Needs `npm run build` first (`npm test` runs it as `pretest`).
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import type DatabaseType from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../electron/core/paths.js';

const require = createRequire(import.meta.url);
const root = packageRoot();
const electronVersion = (require('electron/package.json') as { version: string }).version;
/**
 * A version of our own, so the stand-in native file never lands where `npm start` looks (and
 * per process, so two test runs on one checkout do not remove each other's).
 */
const STAND_IN_VERSION = `${electronVersion}-packaging-test.${process.pid}`;
const standInNative = join(root, 'build', 'native', `electron-${STAND_IN_VERSION}`, 'better_sqlite3.node');
const STAND_IN_NATIVE = 'stand-in for better-sqlite3 built for Electron (never loaded by this test)\n';
const nodeBuild = join(root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');

/** @electron/fuses looks for this, then a version byte, a length byte and one byte per fuse. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron 45's own wire: RunAsNode, CookieEncryption, NodeOptions, NodeCliInspect, AsarIntegrity, OnlyLoadAppFromAsar, BrowserV8Snapshot, GrantFileProtocolExtraPrivileges. */
const ELECTRON_DEFAULT_FUSES = '10110001';

interface AsarApi {
  listPackage(archive: string, options: { isPack: boolean }): string[];
  extractFile(archive: string, file: string): Buffer;
  statFile(archive: string, file: string, followLinks?: boolean): { unpacked?: boolean; size?: number; files?: unknown };
}
interface FuseApi {
  getCurrentFuseWire(path: string): Promise<Record<string, number>>;
}
interface Packager {
  projectDir: string;
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A Linux Electron distribution as electron-builder unpacks it, with a script for the binary. */
function standInElectronDist(dir: string): void {
  mkdirSync(join(dir, 'resources'), { recursive: true });
  mkdirSync(join(dir, 'locales'), { recursive: true });
  // The comment carries the fuse wire, so electron-builder's fuse flipping runs for real.
  writeFileSync(join(dir, 'electron'), `#!/bin/sh\n# ${FUSE_SENTINEL}\x01\x08${ELECTRON_DEFAULT_FUSES}\necho "stand-in Electron: this package was built for a test"\n`);
  chmodSync(join(dir, 'electron'), 0o755);
  writeFileSync(join(dir, 'chrome-sandbox'), '');
  writeFileSync(join(dir, 'locales', 'en-US.pak'), '');
  writeFileSync(join(dir, 'LICENSE'), 'stand-in\n');
  writeFileSync(join(dir, 'version'), STAND_IN_VERSION);
}

/** Relative imports of a built ES module (static and dynamic), as asar paths. */
function relativeImports(source: string, from: string): string[] {
  const specifiers = [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) => match[1]!);
  return specifiers.map((specifier) => posix.join(posix.dirname(from), specifier));
}

describe('packaging (electron-builder, Linux dir target, stand-in Electron)', () => {
  let work: string;
  let appDir: string;
  let archive: string;
  let asar: AsarApi;
  let entries: Set<string>;
  let packager: Packager | null = null;
  let nodeBuildBefore: string;
  let packMs = 0;

  beforeAll(async () => {
    expect(existsSync(join(root, 'dist', 'electron', 'main', 'index.js')), 'run `npm run build` first').toBe(true);
    nodeBuildBefore = sha256(nodeBuild);
    work = mkdtempSync(join(tmpdir(), 'callaider-pack-'));
    standInElectronDist(join(work, 'electron-dist'));
    mkdirSync(dirname(standInNative), { recursive: true });
    writeFileSync(standInNative, STAND_IN_NATIVE);

    const { build, Platform } = await import('electron-builder');
    const started = performance.now();
    await build({
      projectDir: root,
      targets: Platform.LINUX.createTarget('dir'),
      config: {
        extends: 'build/electron-builder.yml',
        electronDist: join(work, 'electron-dist'),
        electronVersion: STAND_IN_VERSION,
        directories: { output: join(work, 'release'), buildResources: 'build' },
        afterPack: (context) => {
          packager = context.packager as unknown as Packager;
        },
      },
    });
    packMs = performance.now() - started;
    appDir = join(work, 'release', 'linux-unpacked');
    archive = join(appDir, 'resources', 'app.asar');
    asar = require('@electron/asar') as AsarApi;
    entries = new Set(asar.listPackage(archive, { isPack: false }).map((entry) => entry.replace(/^\//, '')));
  }, 180_000);

  afterAll(() => {
    rmSync(dirname(standInNative), { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const unpacked = (file: string): boolean => asar.statFile(archive, file).unpacked === true;

  it('packs within the time budget, with the executable renamed and the app in resources/app.asar', () => {
    expect(packMs).toBeLessThan(120_000);
    process.stdout.write(`electron-builder --linux dir (stand-in Electron): ${Math.round(packMs)} ms\n`);
    expect(statSync(join(appDir, 'callaider-archive')).mode & 0o111).not.toBe(0);
    expect(existsSync(archive)).toBe(true);
    const pkg = JSON.parse(asar.extractFile(archive, 'package.json').toString()) as { main: string };
    expect(entries.has(pkg.main)).toBe(true);
    expect(pkg.main).toBe('dist/electron/main/index.js');
  });

  it('holds the main process, the preload, the renderer and no source maps', () => {
    expect(entries.has('dist/electron/preload/index.cjs')).toBe(true);
    expect(entries.has('dist/renderer/index.html')).toBe(true);
    const html = asar.extractFile(archive, 'dist/renderer/index.html').toString();
    const assets = [...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+)"/g)].map((match) => `dist/renderer/${match[1]}`);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) expect(entries.has(asset), asset).toBe(true);
    expect([...entries].filter((entry) => entry.endsWith('.map'))).toEqual([]);
  });

  it('holds the archive thread entry and everything it imports', () => {
    const entry = 'dist/electron/core/archive/sqlite/threads/thread-main.js';
    const seen = new Set<string>();
    const queue = [entry];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      expect(entries.has(file), `${file} (imported from the thread entry) is in the asar`).toBe(true);
      queue.push(...relativeImports(asar.extractFile(archive, file).toString(), file));
    }
    expect(seen.size).toBeGreaterThan(3);
    // Its one package import: better-sqlite3's JavaScript, inside the archive.
    expect(entries.has('node_modules/better-sqlite3/lib/index.js')).toBe(true);
    expect(unpacked('node_modules/better-sqlite3/lib/index.js')).toBe(false);
  });

  it("unpacks better-sqlite3's Electron build from build/native/, and none of its sources or Node build", () => {
    const native = `build/native/electron-${STAND_IN_VERSION}/better_sqlite3.node`;
    expect(entries.has(native)).toBe(true);
    expect(unpacked(native)).toBe(true);
    expect(readFileSync(join(appDir, 'resources', 'app.asar.unpacked', native), 'utf8')).toBe(STAND_IN_NATIVE);
    const sqlite = [...entries].filter((entry) => entry.startsWith('node_modules/better-sqlite3/'));
    expect(sqlite.filter((entry) => /\/(build|deps|src)(\/|$)|binding\.gyp$/.test(entry))).toEqual([]);
    expect(existsSync(join(appDir, 'resources', 'app.asar.unpacked', 'node_modules', 'better-sqlite3'))).toBe(false);
  });

  it('unpacks only .node files and icons', () => {
    const unpackedFiles = [...entries].filter((entry) => {
      const stat = asar.statFile(archive, entry);
      return stat.files === undefined && stat.unpacked === true;
    });
    expect(unpackedFiles.length).toBeGreaterThan(0);
    expect(unpackedFiles.filter((entry) => !entry.endsWith('.node') && !entry.startsWith('build/icons/'))).toEqual([]);
    // @ngrok/ngrok's N-API binary for this platform, when npm installed it (optional dependency).
    const ngrok = unpackedFiles.filter((entry) => entry.startsWith('node_modules/@ngrok/'));
    if (existsSync(join(root, 'node_modules', '@ngrok', `ngrok-${process.platform}-${process.arch}-gnu`))) expect(ngrok.length).toBe(1);
  });

  it('ships the tray icons (with @2x, macOS templates, Windows .ico) and the app icon, unpacked', () => {
    for (const icon of ['icon.png', 'icon.ico', 'tray-receiving-dark.png', 'tray-receiving-dark@2x.png', 'tray-receivingTemplate.png', 'tray-receivingTemplate@2x.png', 'tray-error-light.ico']) {
      expect(entries.has(`build/icons/${icon}`), icon).toBe(true);
      expect(existsSync(join(appDir, 'resources', 'app.asar.unpacked', 'build', 'icons', icon)), icon).toBe(true);
    }
  });

  it('flips the fuses in the Electron binary as build/electron-builder.yml says', async () => {
    const { getCurrentFuseWire } = require('@electron/fuses') as FuseApi;
    const wire = await getCurrentFuseWire(join(appDir, 'callaider-archive'));
    const states = Array.from({ length: 8 }, (_, i) => String.fromCharCode(wire[i]!)).join('');
    // RunAsNode off, cookie encryption on, NODE_OPTIONS off, --inspect off, asar integrity on,
    // only app.asar on; the last two as Electron ships them.
    expect(states).toBe('01001101');
  });

  it('has what the deb target needs: a homepage and a maintainer with an email', async () => {
    expect(packager).not.toBeNull();
    const { default: FpmTarget } = require('app-builder-lib/out/targets/FpmTarget') as { default: new (...args: unknown[]) => { computeFpmMetaInfoOptions(): Promise<{ url: string; maintainer: string }> } };
    const { LinuxTargetHelper } = require('app-builder-lib/out/targets/LinuxTargetHelper') as { LinuxTargetHelper: new (packager: unknown) => unknown };
    const deb = new FpmTarget('deb', packager, new LinuxTargetHelper(packager), join(work, 'release'));
    const meta = await deb.computeFpmMetaInfoOptions();
    expect(meta.url).toBeTruthy();
    expect(meta.maintainer).toMatch(/^.+ <[^@\s]+@[^@\s]+>$/);
  });

  it("leaves node_modules' Node build of better-sqlite3 as it was, and it still loads under Node", () => {
    expect(sha256(nodeBuild)).toBe(nodeBuildBefore);
    const Database = require('better-sqlite3') as typeof DatabaseType;
    const db = new Database(':memory:');
    try {
      expect((db.prepare('select sqlite_version() as v').get() as { v: string }).v).toMatch(/^3\./);
    } finally {
      db.close();
    }
  });
});
