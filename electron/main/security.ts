/**
 * Electron's security checklist, applied to every web contents the app creates: no navigation
 * away from the app, no new windows (allowlisted https links open in the browser instead), no
 * webviews, and every permission denied but one: the archive's own page may write to the clipboard
 * (`navigator.clipboard.writeText` behind every Copy button needs 'clipboard-sanitized-write').
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

/** The only permission granted, and only to the app's own page (its top frame). */
export const ALLOWED_PERMISSION = 'clipboard-sanitized-write';

export function isAllowedPermission(permission: string, requestingUrl: string | undefined, isMainFrame: boolean, appOrigin: string): boolean {
  return permission === ALLOWED_PERMISSION && isMainFrame && requestingUrl !== undefined && sameOrigin(requestingUrl, appOrigin);
}

export function installSecurityGuards(deps: SecurityDeps): void {
  // Chromium asks both ways: a check (may the page use it?) and a request (grant it now?).
  deps.session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(isAllowedPermission(permission, details.requestingUrl, details.isMainFrame, deps.appOrigin)),
  );
  deps.session.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    isAllowedPermission(permission, requestingOrigin, details.isMainFrame, deps.appOrigin),
  );
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
