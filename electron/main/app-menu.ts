/**
 * The application menu. Without one, Windows and Linux show Electron's default (Reload, Toggle
 * Developer Tools, "Learn More" to electronjs.org). This one keeps what the archive window needs:
 * Edit, whose roles are also what makes copy and paste shortcuts work in text fields on macOS;
 * View with zoom; Help with the project's page. Reload and developer tools only under `npm start`.
 */
import type { MenuItemConstructorOptions } from 'electron';

export interface AppMenuOptions {
  platform: NodeJS.Platform;
  isPackaged: boolean;
  /** The project's README on the web, or null when the package names none (Help is then disabled). */
  helpUrl: string | null;
  openHelp: (url: string) => void;
}

export function appMenuTemplate(options: AppMenuOptions): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin';
  const { helpUrl } = options;
  const developer: MenuItemConstructorOptions[] = options.isPackaged ? [] : [{ type: 'separator' }, { role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }];
  return [
    // macOS puts the app's own menu (About, Hide, Quit) first, named after the app.
    ...(mac ? [{ role: 'appMenu' } as const] : []),
    {
      label: 'Edit',
      submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
    },
    {
      label: 'View',
      submenu: [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, ...developer],
    },
    ...(mac ? [{ role: 'windowMenu' } as const] : []),
    {
      role: 'help',
      submenu: [{ label: 'CallAIder Archive Help', enabled: helpUrl !== null, click: () => helpUrl && options.openHelp(helpUrl) }],
    },
  ];
}

/** Only a plain https page may be handed to the browser from the menu. */
export function isAllowedHelpUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}

/** The README on the web, from package.json's `homepage` (or a GitHub `repository`). */
export function helpUrlFrom(pkg: { homepage?: unknown; repository?: unknown }): string | null {
  const repository = typeof pkg.repository === 'string' ? pkg.repository : (pkg.repository as { url?: unknown } | undefined)?.url;
  const candidates = [pkg.homepage, typeof repository === 'string' ? repository.replace(/^git\+/, '').replace(/\.git$/, '') : undefined];
  for (const candidate of candidates) {
    if (typeof candidate === 'string' && isAllowedHelpUrl(candidate)) return candidate;
  }
  return null;
}
