/**
 * Electron's security checklist, applied to every web contents the app creates: no navigation
 * away from the app, no new windows (allowlisted https links open in the browser instead), no
 * webviews, and every permission request denied.
 */
import type { App, Session, Shell, WebContents } from 'electron';
import { originOf } from './origin.js';

/** Links the archive may open in the user's browser. */
export const EXTERNAL_ALLOWLIST = ['console.cloud.google.com', 'dashboard.ngrok.com', 'ngrok.com'];

export function isAllowedExternal(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && EXTERNAL_ALLOWLIST.includes(parsed.hostname);
  } catch {
    return false;
  }
}

export interface SecurityDeps {
  app: Pick<App, 'on'>;
  session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>;
  shell: Pick<Shell, 'openExternal'>;
  appOrigin: string;
}

export function installSecurityGuards(deps: SecurityDeps): void {
  deps.session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  deps.session.setPermissionCheckHandler(() => false);
  deps.app.on('web-contents-created', (_event, contents: WebContents) => guardContents(contents, deps));
}

export function guardContents(contents: Pick<WebContents, 'on' | 'setWindowOpenHandler'>, deps: Pick<SecurityDeps, 'shell' | 'appOrigin'>): void {
  contents.on('will-navigate', (event, url) => {
    if (!sameOrigin(url, deps.appOrigin)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!sameOrigin(url, deps.appOrigin)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternal(url)) void deps.shell.openExternal(url);
    return { action: 'deny' };
  });
}

function sameOrigin(url: string, origin: string): boolean {
  return originOf(url) === origin;
}
