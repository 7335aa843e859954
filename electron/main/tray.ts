/**
 * The tray icon: its picture and tooltip follow the engine's state (light and dark variants),
 * and its menu holds what the owner does without opening the window. The open follow-ups show in
 * the tooltip, as a menu item to the inbox, and as the dock/taskbar badge where the OS has one.
 */
import type { Menu as MenuType, MenuItemConstructorOptions, NativeImage, Tray as TrayType } from 'electron';
import type { ArchiveStatus } from '../../shared/api.js';
import { backupLine, followUpLine, hubTooltip, trayStateFrom, trayStateLine, trayTooltip, type TrayState } from './tray-state.js';

/** macOS names template images `<name>Template.png` (with `@2x` found next to it). */
const TEMPLATE_IMAGE = /Template\.png$/;

export interface TrayActions {
  openArchive(): void;
  /** The window at the follow-up inbox. */
  openInbox(): void;
  /** Setup → Backups, where a missing backup is explained and fixed. */
  openBackups(): void;
  copyWebhookUrl(): void;
  sendTestEvent(): void;
  setNotificationsPaused(paused: boolean): void;
  setStartAtLogin(enabled: boolean): void;
  openDataFolder(): void;
  quit(): void;
}

export interface TrayDeps {
  Tray: new (image: NativeImage) => TrayType;
  Menu: { buildFromTemplate(template: MenuItemConstructorOptions[]): MenuType };
  nativeImage: { createFromPath(path: string): NativeImage };
  /** Whether the menu bar / panel is dark (picks the icon variant). */
  darkTheme: () => boolean;
  iconPath: (state: TrayState, dark: boolean) => string;
  /**
   * The dock/taskbar count (app.setBadgeCount), or undefined where the OS has none: macOS and
   * Linux launchers that follow Unity's API show it; Windows has no count badge (only an
   * overlay icon), so there the tooltip and the menu carry the count.
   */
  setBadgeCount?: ((count: number) => void) | undefined;
  actions: TrayActions;
}

export interface TrayView {
  status: ArchiveStatus | null;
  failure: string | null;
  notificationsPaused: boolean;
  startAtLogin: boolean;
  /** Showing an office hub's archive: what the tray says about it instead of receiving, and whether it is connected. */
  hub: { line: string; connected: boolean } | null;
}

export class TrayController {
  private readonly tray: TrayType;
  private state: TrayState = 'error';
  private badge: number | null = null;
  private view: TrayView = { status: null, failure: null, notificationsPaused: false, startAtLogin: false, hub: null };

  constructor(private readonly deps: TrayDeps) {
    this.tray = new deps.Tray(this.image('error'));
    this.tray.on('click', () => deps.actions.openArchive());
    this.render();
  }

  get currentState(): TrayState {
    return this.state;
  }

  update(view: Partial<TrayView>): void {
    this.view = { ...this.view, ...view };
    this.render();
  }

  /** The OS switched between light and dark. */
  themeChanged(): void {
    this.render();
  }

  private render(): void {
    const { status, failure, hub } = this.view;
    this.state = hub ? (hub.connected ? 'receiving' : 'error') : trayStateFrom(status, failure);
    this.tray.setImage(this.image(this.state));
    this.tray.setToolTip(hub ? hubTooltip(hub.line, status) : trayTooltip(this.state, status, failure));
    this.tray.setContextMenu(this.deps.Menu.buildFromTemplate(this.menu()));
    this.showBadge(status?.followUps.open ?? 0);
  }

  /** Set only when it changes (each call repaints the dock on macOS). */
  private showBadge(count: number): void {
    if (!this.deps.setBadgeCount || count === this.badge) return;
    this.badge = count;
    this.deps.setBadgeCount(count);
  }

  /**
   * The picture for a state. A macOS template image (`…Template.png`, black and alpha) is flagged
   * as one, so the menu bar tints it for light and dark menus instead of drawing it black.
   */
  private image(state: TrayState): NativeImage {
    const path = this.deps.iconPath(state, this.deps.darkTheme());
    const image = this.deps.nativeImage.createFromPath(path);
    if (TEMPLATE_IMAGE.test(path)) image.setTemplateImage(true);
    return image;
  }

  private menu(): MenuItemConstructorOptions[] {
    const { actions } = this.deps;
    const { status, hub } = this.view;
    const followUps = followUpLine(status?.followUps.open ?? 0);
    const backup = backupLine(status);
    return [
      { label: hub ? hub.line : trayStateLine(this.state, status, this.view.failure), enabled: false },
      { type: 'separator' },
      { label: followUps ? `${followUps}…` : 'Nothing to follow up', enabled: status !== null, click: () => actions.openInbox() },
      ...(backup ? [{ label: `${backup}: check Backups…`, click: () => actions.openBackups() }] : []),
      { label: 'Open archive', click: () => actions.openArchive() },
      // The hub receives the calls: these belong to this computer's own receiver.
      ...(hub
        ? []
        : [
            { label: 'Copy webhook URL', enabled: Boolean(status?.publicWebhookUrl), click: () => actions.copyWebhookUrl() },
            { label: 'Send test event', enabled: status !== null, click: () => actions.sendTestEvent() },
          ]),
      { type: 'separator' },
      { label: 'Pause notifications', type: 'checkbox', checked: this.view.notificationsPaused, click: (item) => actions.setNotificationsPaused(item.checked) },
      { label: 'Start at login', type: 'checkbox', checked: this.view.startAtLogin, click: (item) => actions.setStartAtLogin(item.checked) },
      { label: 'Open data folder', click: () => actions.openDataFolder() },
      { type: 'separator' },
      { label: 'Quit CallAIder Archive', click: () => actions.quit() },
    ];
  }
}
