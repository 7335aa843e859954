/**
 * "Start at login". Electron's setLoginItemSettings works on macOS and Windows only, so on Linux
 * the app writes (or removes) an XDG autostart entry, ~/.config/autostart/<name>.desktop, which
 * every freedesktop session (GNOME, KDE, Xfce, …) starts at login.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'electron';

export const AUTOSTART_NAME = 'callaider-archive';

export interface LoginItemHost {
  app: Pick<App, 'setLoginItemSettings' | 'isPackaged' | 'getAppPath'>;
  platform: NodeJS.Platform;
  /** process.execPath: the packaged app, or the development Electron binary under `npm start`. */
  execPath: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The command that starts this app again: the packaged executable, or (under `npm start`) the
 * development Electron with this app's folder, without which it would open Electron's default app.
 */
export function launchCommand(host: LoginItemHost): { path: string; args: string[] } {
  // An AppImage runs from a mount point that changes every launch; $APPIMAGE is the file itself.
  const path = host.platform === 'linux' && host.app.isPackaged && host.env.APPIMAGE ? host.env.APPIMAGE : host.execPath;
  return { path, args: host.app.isPackaged ? [] : [host.app.getAppPath()] };
}

/** Returns a sentence for the owner when it could not do what was asked, else null. */
export function setStartAtLogin(enabled: boolean, host: LoginItemHost): string | null {
  const command = launchCommand(host);
  switch (host.platform) {
    case 'linux': {
      const file = autostartFile(host.env);
      if (enabled) {
        mkdirSync(join(file, '..'), { recursive: true });
        writeFileSync(file, autostartEntry(command));
      } else {
        rmSync(file, { force: true });
      }
      return null;
    }
    case 'win32':
      // The Run registry value is "path args": a path with spaces must be quoted (Electron's docs).
      host.app.setLoginItemSettings({ openAtLogin: enabled, path: command.path, args: command.args.map((arg) => `"${arg}"`) });
      return null;
    case 'darwin':
      // macOS registers the running .app bundle and takes no arguments: under `npm start` that is
      // Electron.app, which would open Electron's default app at login instead of this one.
      if (!host.app.isPackaged && enabled) return 'Start at login works in the installed app only (under `npm start` macOS would start bare Electron).';
      host.app.setLoginItemSettings({ openAtLogin: enabled });
      return null;
    default:
      return enabled ? `Start at login is not supported on ${host.platform}.` : null;
  }
}

/** $XDG_CONFIG_HOME/autostart/<name>.desktop (XDG_CONFIG_HOME defaults to ~/.config). */
export function autostartFile(env: NodeJS.ProcessEnv): string {
  // The Base Directory spec: a relative XDG_CONFIG_HOME is invalid and is ignored.
  const configHome = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(configHome, 'autostart', `${AUTOSTART_NAME}.desktop`);
}

export function autostartEntry(command: { path: string; args: string[] }): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.0',
    'Name=CallAIder Archive',
    'Comment=Archive every CallAIder assistant session',
    `Exec=${[command.path, ...command.args].map(execArgument).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/**
 * One argument of a Desktop Entry `Exec` key. The spec: an argument with a reserved character is
 * double-quoted, and inside the quotes `"`, `` ` ``, `$` and `\` take a backslash; a literal `%` is
 * `%%` (field codes); then the whole value gets the string escapes (`\` becomes `\\`, newlines
 * `\n`), which are undone first when the file is read.
 */
export function execArgument(arg: string): string {
  const quoted = /[\s"'\\><~|&;$*?#()`]/.test(arg) || arg === '' ? `"${arg.replace(/["`$\\]/g, '\\$&')}"` : arg;
  return quoted
    .replace(/%/g, '%%')
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t')
    .replace(/\r/g, '\\r');
}
