/** "Start at login" on each platform, with the platform and paths injected (no real login items). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { autostartFile, execArgument, launchCommand, setStartAtLogin, type LoginItemHost } from '../../electron/main/login-item.js';
import { tempDir } from '../support/fixtures.js';

function hostFor(platform: NodeJS.Platform, options: { isPackaged: boolean; execPath?: string; env?: NodeJS.ProcessEnv }) {
  return {
    app: { setLoginItemSettings: vi.fn<LoginItemHost['app']['setLoginItemSettings']>(), isPackaged: options.isPackaged, getAppPath: () => '/home/ana/src/callaider archive' },
    platform,
    execPath: options.execPath ?? '/opt/CallAIder Archive/callaider-archive',
    env: options.env ?? {},
  };
}

/** The Desktop Entry spec's reading of an Exec value: string escapes first, then quoting, then %%. */
function parseExec(value: string): string[] {
  const unescaped = value.replace(/\\(.)/g, (_, c: string) => ({ s: ' ', n: '\n', t: '\t', r: '\r', '\\': '\\' })[c] ?? `\\${c}`);
  const args: string[] = [];
  let current = '';
  let quoted = false;
  let started = false;
  for (let i = 0; i < unescaped.length; i += 1) {
    const c = unescaped[i]!;
    if (quoted) {
      if (c === '\\' && '"`$\\'.includes(unescaped[i + 1] ?? '')) current += unescaped[++i];
      else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"') {
      quoted = true;
      started = true;
    } else if (c === ' ') {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += c;
      started = true;
    }
  }
  if (started) args.push(current);
  return args.map((arg) => arg.replace(/%%/g, '%'));
}

describe('start at login', () => {
  it('Linux: writes and removes an XDG autostart entry under $XDG_CONFIG_HOME, naming the packaged executable', () => {
    const xdg = tempDir();
    const host = hostFor('linux', { isPackaged: true, env: { XDG_CONFIG_HOME: xdg } });
    const file = join(xdg, 'autostart', 'callaider-archive.desktop');
    expect(autostartFile(host.env)).toBe(file);
    expect(setStartAtLogin(true, host)).toBeNull();
    const entry = readFileSync(file, 'utf8');
    expect(entry).toMatch(/^\[Desktop Entry\]\nType=Application\n/);
    const exec = /^Exec=(.*)$/m.exec(entry)![1]!;
    expect(parseExec(exec)).toEqual(['/opt/CallAIder Archive/callaider-archive']);
    expect(host.app.setLoginItemSettings).not.toHaveBeenCalled();
    expect(setStartAtLogin(false, host)).toBeNull();
    expect(existsSync(file)).toBe(false);
    expect(setStartAtLogin(false, host)).toBeNull(); // already off: nothing to remove
  });

  it('Linux under `npm start`: the development Electron and the app folder; an AppImage names itself, not its mount point', () => {
    const xdg = tempDir();
    setStartAtLogin(true, hostFor('linux', { isPackaged: false, execPath: '/src/node_modules/electron/dist/electron', env: { XDG_CONFIG_HOME: xdg } }));
    const exec = /^Exec=(.*)$/m.exec(readFileSync(join(xdg, 'autostart', 'callaider-archive.desktop'), 'utf8'))![1]!;
    expect(parseExec(exec)).toEqual(['/src/node_modules/electron/dist/electron', '/home/ana/src/callaider archive']);
    const appImage = hostFor('linux', { isPackaged: true, execPath: '/tmp/.mount_CallAIx1/callaider-archive', env: { APPIMAGE: '/home/ana/Apps/CallAIder-Archive.AppImage' } });
    expect(launchCommand(appImage)).toEqual({ path: '/home/ana/Apps/CallAIder-Archive.AppImage', args: [] });
  });

  it('quotes Exec arguments as the Desktop Entry spec says', () => {
    for (const arg of ['/plain/path', '/with space/x', '/100%/x', '/a"b/$HOME/`x`/back\\slash', "/it's/(x)", '']) {
      expect(parseExec(execArgument(arg))).toEqual([arg]);
    }
    expect(execArgument('/plain/path')).toBe('/plain/path');
    expect(execArgument('/with space/x')).toBe('"/with space/x"');
    expect(execArgument('/100%/x')).toBe('/100%%/x');
    expect(execArgument('/a\\b c')).toBe('"/a\\\\\\\\b c"'); // four backslashes for one, inside quotes
  });

  it('ignores a relative XDG_CONFIG_HOME (the Base Directory spec) and falls back to ~/.config', () => {
    expect(autostartFile({ XDG_CONFIG_HOME: 'relative/dir' })).toMatch(/\/\.config\/autostart\/callaider-archive\.desktop$/);
  });

  it('Windows: registers the executable, and under `npm start` the app folder as a quoted argument', () => {
    const dev = hostFor('win32', { isPackaged: false, execPath: 'C:\\src\\node_modules\\electron\\dist\\electron.exe' });
    dev.app.getAppPath = () => 'C:\\Users\\Ana\\callaider archive';
    expect(setStartAtLogin(true, dev)).toBeNull();
    expect(dev.app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true, path: 'C:\\src\\node_modules\\electron\\dist\\electron.exe', args: ['"C:\\Users\\Ana\\callaider archive"'] });
    const packaged = hostFor('win32', { isPackaged: true, execPath: 'C:\\Program Files\\CallAIder Archive\\CallAIder Archive.exe' });
    setStartAtLogin(false, packaged);
    expect(packaged.app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: false, path: 'C:\\Program Files\\CallAIder Archive\\CallAIder Archive.exe', args: [] });
  });

  it('macOS: the installed app registers itself; under `npm start` it declines (macOS would start bare Electron)', () => {
    const packaged = hostFor('darwin', { isPackaged: true });
    expect(setStartAtLogin(true, packaged)).toBeNull();
    expect(packaged.app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true });
    const dev = hostFor('darwin', { isPackaged: false });
    expect(setStartAtLogin(true, dev)).toMatch(/installed app only/);
    expect(dev.app.setLoginItemSettings).not.toHaveBeenCalled();
    expect(setStartAtLogin(false, dev)).toBeNull();
    expect(dev.app.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: false });
  });
});
