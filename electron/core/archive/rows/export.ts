/**
 * What an export page is made of in both stores: each session at its first event, with the bodies
 * of its started and ended events, rendered one by one until the page holds `limit` sessions or
 * PAGE_BYTES of stored bodies, whichever comes first.
 */
import type { ExportedFollowUp } from '../../../../shared/follow-up.js';
import { exportedFromBodies, maskExported, renderExportItem } from '../exported-session.js';
import type { ExportOptions, ExportPage } from '../types.js';

/** A page stops at this many bytes of stored bodies, or at `limit` sessions, whichever comes first. */
const PAGE_BYTES = 8 * 1024 * 1024;

export interface ExportRow {
  id: number;
  session_id: string;
  started_body: Buffer | null;
  ended_body: Buffer | null;
  redactions: number;
}

/** The rest of an export row's select list, from events e (each session's first event) joined to its bodies. */
export const EXPORT_BODIES = `st.body AS started_body, en.body AS ended_body, coalesce(st.redactions, 0) + coalesce(en.redactions, 0) AS redactions
  FROM events e
  LEFT JOIN events st ON st.session_id = e.session_id AND st.event = 'session.started'
  LEFT JOIN events en ON en.session_id = e.session_id AND en.event = 'session.ended'`;

/** Keeps e to each session's first event (export order is arrival order). */
export const FIRST_OF_SESSION = 'NOT EXISTS (SELECT 1 FROM events f WHERE f.session_id = e.session_id AND f.id < e.id)';

export class ExportPageBuilder {
  private readonly items: string[] = [];
  private bytes = 0;
  private lastId: number | null = null;

  constructor(private readonly options: ExportOptions) {}

  /** Renders one session; false once the page is full (the caller stops reading rows). */
  add(row: ExportRow, followUp: ExportedFollowUp | null): boolean {
    const session = exportedFromBodies(row.session_id, row.started_body, row.ended_body, followUp, row.redactions);
    this.items.push(renderExportItem(this.options.mask ? maskExported(session) : session, this.options.format, this.options.pretty));
    this.lastId = row.id;
    this.bytes += (row.started_body?.length ?? 0) + (row.ended_body?.length ?? 0);
    return this.bytes < PAGE_BYTES;
  }

  page(): ExportPage {
    const full = this.items.length >= this.options.limit || this.bytes >= PAGE_BYTES;
    const more = this.options.sessionId === undefined && this.lastId !== null && full;
    return { items: this.items, nextAfterId: more ? this.lastId : null };
  }
}
