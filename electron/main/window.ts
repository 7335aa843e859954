/**
 * The archive window: hidden at start, opened from the tray or a notification; closing it hides
 * it (the app keeps receiving in the tray). Locked down per Electron's security checklist.
 */
import type { BrowserWindow as BrowserWindowType, BrowserWindowConstructorOptions } from 'electron';
import { APP_ORIGIN } from './origin.js';

export interface WindowDeps {
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindowType;
  preloadPath: string;
  iconPath?: string;
  isQuitting: () => boolean;
  /** The window was shown or hidden (macOS shows the dock icon only while it is open). */
  onVisibilityChange?: (visible: boolean) => void;
}

export const WINDOW_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  spellcheck: false,
} as const;

export class ArchiveWindow {
  private window: BrowserWindowType | null = null;

  constructor(private readonly deps: WindowDeps) {}

  get current(): BrowserWindowType | null {
    return this.window && !this.window.isDestroyed() ? this.window : null;
  }

  /** Shows the window (creating it on first use), at a route such as "#/sessions/<id>". */
  show(route: string | null = null): BrowserWindowType {
    const window = this.current ?? this.create();
    if (route !== null) void window.loadURL(`${APP_ORIGIN}/index.html${route}`);
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
    this.deps.onVisibilityChange?.(true);
    return window;
  }

  private create(): BrowserWindowType {
    const window = new this.deps.BrowserWindow({
      width: 1280,
      height: 820,
      minWidth: 760,
      minHeight: 520,
      show: false,
      title: 'CallAIder Archive',
      ...(this.deps.iconPath ? { icon: this.deps.iconPath } : {}),
      webPreferences: { ...WINDOW_WEB_PREFERENCES, preload: this.deps.preloadPath },
    });
    window.on('close', (event) => {
      if (!this.deps.isQuitting()) {
        event.preventDefault();
        window.hide();
        this.deps.onVisibilityChange?.(false);
      }
    });
    void window.loadURL(`${APP_ORIGIN}/index.html`);
    this.window = window;
    return window;
  }
}
