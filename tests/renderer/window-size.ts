/**
 * happy-dom has no layout: every element measures 0×0, so a virtualised list would render no rows.
 * This gives elements the size of a window, and silences happy-dom's ResizeObserver (it reports
 * 0×0, which would override the sizes). Call it in beforeAll of a file that renders lists.
 */
import { vi } from 'vitest';

export function giveElementsAWindowSize(): void {
  vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockReturnValue({ x: 0, y: 0, top: 0, left: 0, right: 480, bottom: 900, width: 480, height: 900, toJSON: () => ({}) });
  for (const [name, value] of [['offsetHeight', 900], ['offsetWidth', 480], ['clientHeight', 900], ['clientWidth', 480]] as const) {
    Object.defineProperty(HTMLElement.prototype, name, { configurable: true, get: () => value });
  }
  window.ResizeObserver = class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
}
