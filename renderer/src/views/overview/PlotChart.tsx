/**
 * An Observable Plot chart in React: drawn when its data (the `draw` function) or its width
 * changes, never on other re-renders. Colours are CSS variables, so charts follow light and dark.
 */
import { useEffect, useRef, useState } from 'react';
import type { RenderFunction } from '@observablehq/plot';

/** Hatching for the second series of a chart, so it differs from the first without colour too (coloured in styles.css). */
const PATTERNS = `<defs>
  <pattern id="ov-hatch-text" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">
    <rect width="6" height="6" class="hatch-text-ground"></rect><line x1="0" y1="0" x2="0" y2="6" class="hatch-text-line"></line>
  </pattern>
  <pattern id="ov-hatch-error" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(-45)">
    <rect width="6" height="6" class="hatch-error-ground"></rect><line x1="0" y1="0" x2="0" y2="6" class="hatch-error-line"></line>
  </pattern>
</defs>`;

export function PlotChart({ draw, label }: { draw: (width: number) => SVGSVGElement | HTMLElement; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const observer = new ResizeObserver(() => {
      // Whole tens of pixels: a scrollbar appearing does not redraw every chart.
      const next = Math.floor(element.clientWidth / 10) * 10;
      setWidth((current) => (current === next ? current : next));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    const element = box.current;
    if (!element || width === 0) return;
    const chart = draw(width);
    const svg = chart instanceof SVGSVGElement ? chart : chart.querySelector('svg');
    // Plot adds a <style> element for its defaults; the window's CSP (style-src 'self') refuses
    // inline styles, so it goes before it reaches the page and styles.css carries those defaults.
    chart.querySelectorAll('style').forEach((style) => style.remove());
    svg?.insertAdjacentHTML('afterbegin', PATTERNS);
    svg?.setAttribute('role', 'img');
    svg?.setAttribute('aria-label', label);
    element.replaceChildren(chart);
  }, [draw, width, label]);
  return <div className="plot-chart" ref={box} />;
}

/**
 * A render transform that makes each drawn rect open what it counts: a click, or Enter/Space
 * from the keyboard (each rect is a focusable button named by `describe`).
 */
export function pickable<T>(data: readonly T[], onPick: (datum: T) => void, describe: (datum: T) => string): RenderFunction {
  return (index, scales, values, dimensions, context, next) => {
    const group = next!(index, scales, values, dimensions, context);
    if (!group) return group;
    group.querySelectorAll('rect').forEach((rect, i) => {
      const datum = data[index[i]!];
      if (datum === undefined) return;
      rect.setAttribute('tabindex', '0');
      rect.setAttribute('role', 'button');
      rect.setAttribute('aria-label', describe(datum));
      rect.classList.add('pickable');
      rect.addEventListener('click', () => onPick(datum));
      rect.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          onPick(datum);
        }
      });
    });
    return group;
  };
}
