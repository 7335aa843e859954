/**
 * The icons `npm run icons` draws (build/make-icons.mjs) and which one the tray uses where:
 * 16 px with @2x, macOS template images (black and alpha, flagged as templates), Windows .ico.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../electron/core/paths.js';
import { iconPath } from '../../electron/main/desktop-app.js';
import { TrayController } from '../../electron/main/tray.js';
import type { TrayState } from '../../electron/main/tray-state.js';

const icons = join(packageRoot(), 'build', 'icons');
const TRAY_STATES: TrayState[] = ['receiving', 'tunnel-down', 'no-secret', 'error'];

/** Width, height and RGBA rows of an 8-bit RGBA, non-interlaced PNG as make-icons writes them. */
function readPng(file: string): { width: number; height: number; pixels: Buffer } {
  const data = readFileSync(file);
  expect(data.subarray(1, 4).toString()).toBe('PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < data.length) {
    const length = data.readUInt32BE(offset);
    const type = data.subarray(offset + 4, offset + 8).toString();
    const body = data.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      expect([body[8], body[9]]).toEqual([8, 6]);
    }
    if (type === 'IDAT') idat.push(body);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    expect(raw[y * (width * 4 + 1)]).toBe(0); // filter "none", as written
    raw.copy(pixels, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1));
  }
  return { width, height, pixels };
}

/** The sizes an .ico holds, from its directory (0 means 256). */
function icoSizes(file: string): number[] {
  const data = readFileSync(file);
  expect(data.readUInt16LE(0)).toBe(0);
  expect(data.readUInt16LE(2)).toBe(1);
  const count = data.readUInt16LE(4);
  return Array.from({ length: count }, (_, i) => {
    const entry = 6 + 16 * i;
    const [size, offset, length] = [data[entry] || 256, data.readUInt32LE(entry + 12), data.readUInt32LE(entry + 8)];
    expect(offset + length).toBeLessThanOrEqual(data.length);
    return size;
  });
}

describe('icons', () => {
  it('has every tray state at 16 px with a 32 px @2x, per theme, and a Windows .ico', () => {
    for (const state of TRAY_STATES) {
      for (const theme of ['light', 'dark']) {
        expect(readPng(join(icons, `tray-${state}-${theme}.png`))).toMatchObject({ width: 16, height: 16 });
        expect(readPng(join(icons, `tray-${state}-${theme}@2x.png`))).toMatchObject({ width: 32, height: 32 });
        expect(icoSizes(join(icons, `tray-${state}-${theme}.ico`))).toEqual([16, 20, 24, 32, 40, 48]);
      }
    }
  });

  it('has macOS template images: black and alpha only, 16 px and @2x, one shape per state', () => {
    const shapes = new Set<string>();
    for (const state of TRAY_STATES) {
      for (const [name, size] of [[`tray-${state}Template.png`, 16], [`tray-${state}Template@2x.png`, 32]] as const) {
        const { width, pixels } = readPng(join(icons, name));
        expect(width).toBe(size);
        for (let i = 0; i < pixels.length; i += 4) expect([pixels[i], pixels[i + 1], pixels[i + 2]]).toEqual([0, 0, 0]);
        if (size === 32) shapes.add(pixels.toString('base64'));
      }
    }
    expect(shapes.size).toBe(TRAY_STATES.length);
  });

  it('has the app icon as a 512 px PNG and a Windows .ico up to 256 px', () => {
    expect(readPng(join(icons, 'icon.png'))).toMatchObject({ width: 512, height: 512 });
    expect(icoSizes(join(icons, 'icon.ico'))).toEqual([16, 24, 32, 48, 64, 128, 256]);
  });

  it('picks the template image on macOS, the .ico on Windows and the themed PNG elsewhere', () => {
    expect(basename(iconPath('receiving', true, 'darwin'))).toBe('tray-receivingTemplate.png');
    expect(basename(iconPath('receiving', false, 'darwin'))).toBe('tray-receivingTemplate.png');
    expect(basename(iconPath('tunnel-down', true, 'win32'))).toBe('tray-tunnel-down-dark.ico');
    expect(basename(iconPath('no-secret', false, 'linux'))).toBe('tray-no-secret-light.png');
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      for (const state of TRAY_STATES) expect(existsSync(iconPath(state, false, platform))).toBe(true);
    }
  });

  it('flags template images as templates, and only those', () => {
    const made: Array<{ path: string; template: boolean }> = [];
    const nativeImage = {
      createFromPath: (path: string) => {
        const image = { path, template: false, setTemplateImage: (flag: boolean) => void (image.template = flag) };
        made.push(image);
        return image;
      },
    };
    class Tray {
      on(): void {}
      setImage(): void {}
      setToolTip(): void {}
      setContextMenu(): void {}
    }
    const actions = { openArchive() {}, copyWebhookUrl() {}, sendTestEvent() {}, setNotificationsPaused() {}, setStartAtLogin() {}, openDataFolder() {}, openInbox() {}, openBackups() {}, quit() {} };
    for (const platform of ['darwin', 'linux'] as const) {
      made.length = 0;
      new TrayController({ Tray: Tray as never, Menu: { buildFromTemplate: () => ({}) as never }, nativeImage: nativeImage as never, darkTheme: () => false, iconPath: (state: TrayState, dark: boolean) => iconPath(state, dark, platform), actions });
      expect(made.length).toBeGreaterThan(0);
      expect(made.every((image) => image.template === (platform === 'darwin'))).toBe(true);
    }
  });
});
