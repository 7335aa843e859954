/** How both stores' overview reads cut a period: rollups answer whole UTC hours, the sessions index the edges. */
import { HOUR_MS } from '../../../../shared/overview.js';

/** A period cut into the whole UTC hours the rollups answer and the edges sessions answer. */
export interface Parts {
  /** Whole hours [first, end) (hour = ms / 3,600,000), or null when the period holds none. */
  hours: { first: number; end: number } | null;
  edges: Array<{ from: number; to: number }>;
}

export function partsOf(from: number, to: number): Parts {
  const first = Math.ceil(from / HOUR_MS);
  const end = Math.floor(to / HOUR_MS);
  if (first >= end) return { hours: null, edges: from < to ? [{ from, to }] : [] };
  return {
    hours: { first, end },
    edges: [
      { from, to: first * HOUR_MS },
      { from: end * HOUR_MS, to },
    ].filter((edge) => edge.from < edge.to),
  };
}
