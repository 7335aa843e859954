/**
 * A stand-in for the `electron` module: records what the app asks of Electron so tests can check
 * it. Only the Electron API is faked; everything below it (engine, archive, IPC handlers) is real.
 */
import { EventEmitter } from 'node:events';
export { status } from '../support/archive-status.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- matches Electron's own handler type
type Handler = (event: any, ...args: any[]) => unknown;

export class FakeTray extends EventEmitter {
  static instances: FakeTray[] = [];
  image: unknown;
  tooltip = '';
  menu: Array<Record<string, unknown>> = [];
  constructor(image: unknown) {
    super();
    this.image = image;
    FakeTray.instances.push(this);
  }
  setImage(image: unknown) {
    this.image = image;
  }
  setToolTip(text: string) {
    this.tooltip = text;
  }
  setContextMenu(menu: { template: Array<Record<string, unknown>> }) {
    this.menu = menu.template;
  }
}

export class FakeNotification extends EventEmitter {
  static shown: FakeNotification[] = [];
  static isSupported() {
    return true;
  }
  constructor(readonly options: { title?: string; body?: string }) {
    super();
  }
  show() {
    FakeNotification.shown.push(this);
  }
}

export function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  return {
    handlers,
    handle(channel: string, handler: Handler) {
      handlers.set(channel, handler);
    },
    removeHandler(channel: string) {
      handlers.delete(channel);
    },
  };
}

/** An IPC event from a frame at `url` (top frame unless `child`). */
export function ipcEvent(url: string, child = false) {
  return { senderFrame: { url, parent: child ? {} : null } };
}

export const Menu = { buildFromTemplate: (template: Array<Record<string, unknown>>) => ({ template }) };
export const nativeImage = { createFromPath: (path: string) => ({ path }) };
