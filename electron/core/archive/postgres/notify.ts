/**
 * Projected events between hubs on one database: each commit that made events visible sends them
 * with pg_notify inside its transaction (PostgreSQL delivers a NOTIFY only once the transaction
 * commits, and never for one rolled back), and every store LISTENs on a dedicated connection.
 * A store hears its own notifications too: they carry its origin id and are skipped, since it
 * emitted those events itself right after its COMMIT. The listening connection is re-opened
 * whenever it drops (a server restart, a network cut); events committed while it was down are not
 * replayed: windows re-read the archive when they reconnect anyway.
 */
import pg from 'pg';
import type { ProjectedEvent } from '../types.js';
import type { Db } from './db.js';

export const CHANNEL = 'callaider_archive_projected';
/** A NOTIFY payload must stay under 8,000 bytes. */
const MAX_PAYLOAD = 7_000;
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 10_000;

interface Message {
  origin: string;
  events: ProjectedEvent[];
}

/** Sends `events` in as few notifications as fit (runs in the committing transaction). */
export async function notifyProjected(db: Db, origin: string, events: ProjectedEvent[]): Promise<void> {
  let chunk: ProjectedEvent[] = [];
  let size = 0;
  const send = async () => {
    if (chunk.length === 0) return;
    await db.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ origin, events: chunk } satisfies Message)]);
    chunk = [];
    size = 0;
  };
  for (const event of events) {
    const length = Buffer.byteLength(JSON.stringify(event)) + 1;
    if (size + length > MAX_PAYLOAD) await send();
    chunk.push(event);
    size += length;
  }
  await send();
}

function parseMessage(payload: string | undefined): Message | null {
  try {
    const message = JSON.parse(payload ?? '') as Message;
    return typeof message.origin === 'string' && Array.isArray(message.events) ? message : null;
  } catch {
    return null;
  }
}

export class ProjectedListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private retryMs = RECONNECT_MIN_MS;
  private timer: NodeJS.Timeout | null = null;
  /** Resolves once LISTEN is in place (or the first attempt failed: it keeps trying). */
  readonly ready: Promise<void>;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly origin: string,
    private readonly onEvents: (events: ProjectedEvent[]) => void,
  ) {
    this.ready = this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client(this.config);
    this.client = client;
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL) return;
      const parsed = parseMessage(message.payload);
      if (!parsed || parsed.origin === this.origin || parsed.events.length === 0) return;
      try {
        this.onEvents(parsed.events);
      } catch {
        // A listener's failure must never stop the others hearing of events.
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.retryMs = RECONNECT_MIN_MS;
    } catch {
      this.lost(client);
    }
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => undefined);
    if (this.stopped) return;
    const wait = this.retryMs;
    this.retryMs = Math.min(RECONNECT_MAX_MS, this.retryMs * 2);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, wait);
    this.timer.unref();
  }

  /** For tests: the backend pid of the listening connection (null while reconnecting). */
  async backendPid(): Promise<number | null> {
    const client = this.client;
    if (!client) return null;
    try {
      return Number((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid);
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
