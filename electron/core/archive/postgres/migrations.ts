/**
 * Numbered schema migrations of a PostgreSQL archive. Migration N brings a database from version
 * N-1 to N; archive_schema records each one applied. Never edit a migration that has shipped: add
 * the next one. Several hubs may start together on one database: each takes a transaction-level
 * advisory lock first, so exactly one migrates and the others find the work done.
 *
 * The schema is the SQLite archive's projection (sqlite/migrations.ts, version 11) in one step:
 * the events table is the source of truth (the bytes received, bytea), and sessions, messages,
 * files and the search document are projections of it. Version 2 follows SQLite's 14 (accounts).
 */
import type pg from 'pg';
import { ArchiveVersionError } from '../errors.js';
import { reindexSessions } from './writes/projection.js';
import { OVERVIEW_ROLLUPS_SQL } from './rollups.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Work SQL alone cannot do (it needs the store's own code), after `sql`, in the same transaction. */
  rebuild?: (client: pg.ClientBase) => Promise<void>;
}

/** Sessions whose search documents one statement rewrites while migration 5 rebuilds them all. */
const REINDEX_BATCH = 500;

/** Every session's search document again, written by this version's projection (search.ts), in batches. */
async function reindexAll(client: pg.ClientBase): Promise<void> {
  let after = '';
  for (;;) {
    const { rows } = await client.query<{ session_id: string }>('SELECT session_id FROM sessions WHERE session_id > $1 ORDER BY session_id LIMIT $2', [
      after,
      REINDEX_BATCH,
    ]);
    if (rows.length === 0) return;
    await reindexSessions(client, rows.map((row) => row.session_id));
    after = rows[rows.length - 1]!.session_id;
  }
}

/** Kept counts: triggers change them in the transaction that changes the rows, so they never drift. */
const COUNTERS = `
  CREATE TABLE counters (name text PRIMARY KEY, value bigint NOT NULL);
  INSERT INTO counters (name, value) VALUES ('events', 0), ('sessions', 0), ('sessions_active', 0), ('messages', 0),
    ('deliveries', 0), ('quarantined', 0), ('quarantined_bytes', 0), ('follow_ups', 0);

  CREATE FUNCTION count_change(counter text, delta bigint) RETURNS void LANGUAGE sql AS
    $$ UPDATE counters SET value = value + delta WHERE name = counter AND delta <> 0 $$;

  CREATE FUNCTION count_events() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    PERFORM count_change('events', CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END);
    RETURN NULL;
  END $$;
  CREATE TRIGGER count_events AFTER INSERT OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION count_events();

  CREATE FUNCTION count_sessions() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    IF TG_OP = 'INSERT' THEN
      PERFORM count_change('sessions', 1);
      PERFORM count_change('sessions_active', (NEW.status = 'active')::int);
      PERFORM count_change('messages', NEW.message_count);
    ELSIF TG_OP = 'DELETE' THEN
      PERFORM count_change('sessions', -1);
      PERFORM count_change('sessions_active', -(OLD.status = 'active')::int);
      PERFORM count_change('messages', -OLD.message_count);
    ELSE
      PERFORM count_change('sessions_active', (NEW.status = 'active')::int - (OLD.status = 'active')::int);
      PERFORM count_change('messages', NEW.message_count - OLD.message_count);
    END IF;
    RETURN NULL;
  END $$;
  CREATE TRIGGER count_sessions AFTER INSERT OR DELETE OR UPDATE OF status, message_count ON sessions
    FOR EACH ROW EXECUTE FUNCTION count_sessions();

  CREATE FUNCTION count_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    PERFORM count_change('deliveries', CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END);
    RETURN NULL;
  END $$;
  CREATE TRIGGER count_deliveries AFTER INSERT OR DELETE ON deliveries FOR EACH ROW EXECUTE FUNCTION count_deliveries();

  CREATE FUNCTION count_quarantine() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    IF TG_OP = 'INSERT' THEN
      PERFORM count_change('quarantined', 1);
      PERFORM count_change('quarantined_bytes', NEW.size);
    ELSE
      PERFORM count_change('quarantined', -1);
      PERFORM count_change('quarantined_bytes', -OLD.size);
    END IF;
    RETURN NULL;
  END $$;
  CREATE TRIGGER count_quarantine AFTER INSERT OR DELETE ON quarantine FOR EACH ROW EXECUTE FUNCTION count_quarantine();

  CREATE FUNCTION count_follow_ups() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    PERFORM count_change('follow_ups',
      CASE WHEN TG_OP <> 'DELETE' AND NEW.state = 'follow-up' THEN 1 ELSE 0 END -
      CASE WHEN TG_OP <> 'INSERT' AND OLD.state = 'follow-up' THEN 1 ELSE 0 END);
    RETURN NULL;
  END $$;
  CREATE TRIGGER count_follow_ups AFTER INSERT OR DELETE OR UPDATE OF state ON follow_ups
    FOR EACH ROW EXECUTE FUNCTION count_follow_ups();
`;

/**
 * Forwarding (sqlite/migrations.ts, version 12). Self-contained: it needs only version 1, so the
 * other branches' migrations (2: accounts, 4: the overview) merge beside it in any order.
 */
const FORWARDING = `
  CREATE TABLE forward_targets (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url                   text NOT NULL UNIQUE,
    events                text[] NOT NULL,   -- kinds, in order: session.started, session.ended, follow-up
    headers               text NOT NULL,     -- JSON object of extra headers (as text: keeps their order)
    secret                text NOT NULL,
    origin                text NOT NULL CHECK (origin IN ('owner', 'command-line')),
    created_at            bigint NOT NULL,
    updated_at            bigint NOT NULL,
    paused_at             bigint,
    paused_reason         text,
    last_success_at       bigint,
    last_attempt_at       bigint,
    failing_since         bigint,
    consecutive_failures  integer NOT NULL DEFAULT 0,
    last_error            text
  );

  -- One row per (stored event, target): written in the transaction that stored the event, so a
  -- forward exists exactly when its event does. Erasing the event takes its rows with it.
  CREATE TABLE forward_outbox (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_id         bigint NOT NULL REFERENCES forward_targets (id) ON DELETE CASCADE,
    event_id          bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    session_id        text COLLATE "C" NOT NULL,
    event             text NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('session.started', 'session.ended', 'follow-up')),
    state             text NOT NULL CHECK (state IN ('pending', 'sent', 'gave-up')),
    attempts          integer NOT NULL DEFAULT 0,
    enqueued_at       bigint NOT NULL,
    due_at            bigint NOT NULL,
    first_attempt_at  bigint,
    claimed_until     bigint,
    done_at           bigint,
    UNIQUE (target_id, event_id)
  );
  CREATE INDEX forward_outbox_due ON forward_outbox (target_id, due_at, id) WHERE state = 'pending';
  CREATE INDEX forward_outbox_by_event ON forward_outbox (event_id);
  -- Counts stay cheap however long the record of sent rows grows: only given-up rows are indexed here.
  CREATE INDEX forward_outbox_gave_up ON forward_outbox (target_id) WHERE state = 'gave-up';

  CREATE TABLE forward_attempts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outbox_id   bigint NOT NULL,
    target_id   bigint NOT NULL REFERENCES forward_targets (id) ON DELETE CASCADE,
    session_id  text COLLATE "C" NOT NULL,
    event       text NOT NULL,
    kind        text NOT NULL,
    attempt     integer NOT NULL,
    at          bigint NOT NULL,
    outcome     text NOT NULL CHECK (outcome IN ('ok', 'failed', 'gave-up')),
    status      integer,
    latency_ms  integer,
    excerpt     text,
    error       text
  );
  CREATE INDEX forward_attempts_by_target ON forward_attempts (target_id, id);
  CREATE INDEX forward_attempts_by_session ON forward_attempts (session_id);
`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'the archive: events, projections, search, delivery log, quarantine, outages, the owner’s side, erasures, counters',
    sql: `
      -- Search: "simple" (no stemming, no stop words: every word is findable, as in the SQLite
      -- store) with accents folded by unaccent. The store also folds and splits the text itself
      -- (search-text.ts) so both stores agree on what a word is.
      CREATE EXTENSION IF NOT EXISTS unaccent;
      CREATE TEXT SEARCH CONFIGURATION archive_search (COPY = simple);
      ALTER TEXT SEARCH CONFIGURATION archive_search
        ALTER MAPPING FOR hword, hword_part, word, asciiword, asciihword, hword_asciipart WITH unaccent, simple;

      -- Session ids compare byte-wise (COLLATE "C"), as in SQLite: keyset cursors depend on it.
      CREATE TABLE events (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        session_id   text COLLATE "C" NOT NULL,
        event        text COLLATE "C" NOT NULL,
        event_at     text,
        received_at  bigint NOT NULL,
        source       text NOT NULL CHECK (source IN ('webhook', 'import', 'reverify')),
        body         bytea NOT NULL,
        body_sha256  text NOT NULL,
        redactions   integer NOT NULL DEFAULT 0 CHECK (redactions >= 0),
        UNIQUE (session_id, event)
      );

      CREATE TABLE sessions (
        seq               bigint GENERATED ALWAYS AS IDENTITY UNIQUE,   -- arrival order (SQLite's rowid)
        session_id        text COLLATE "C" PRIMARY KEY,
        assistant_id      text COLLATE "C",
        status            text NOT NULL CHECK (status IN ('active', 'ended')),
        started_at        text,
        started_at_ms     bigint,
        ended_at          text,
        ended_at_ms       bigint,
        sort_at_ms        bigint NOT NULL,
        reason            text COLLATE "C",
        duration_seconds  double precision,
        mode              text,
        metadata          text,
        first_user_line   text,
        message_count     integer NOT NULL DEFAULT 0,
        tool_call_count   integer NOT NULL DEFAULT 0,
        tool_error_count  integer NOT NULL DEFAULT 0,
        file_count        integer NOT NULL DEFAULT 0,
        first_seen_at     bigint NOT NULL,
        updated_at        bigint NOT NULL,
        caller_key        text COLLATE "C",
        caller_label      text,
        caller_kind       text CHECK (caller_kind IN ('phone', 'email', 'other')),
        search            tsvector
      );
      CREATE INDEX sessions_by_time ON sessions (sort_at_ms DESC, session_id DESC);
      CREATE INDEX sessions_search ON sessions USING gin (search);
      CREATE INDEX sessions_active ON sessions (sort_at_ms) WHERE status = 'active';
      CREATE INDEX sessions_by_reason ON sessions (reason) WHERE reason IS NOT NULL;
      CREATE INDEX sessions_by_assistant ON sessions (assistant_id) WHERE assistant_id IS NOT NULL;
      CREATE INDEX sessions_by_caller ON sessions (caller_key, sort_at_ms DESC) WHERE caller_key IS NOT NULL;

      CREATE TABLE messages (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        session_id      text COLLATE "C" NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
        seq             integer NOT NULL,
        role            text NOT NULL,
        content         text NOT NULL,
        timestamp_ms    bigint,
        tool_name       text,
        tool_arguments  text,
        tool_result     text,
        tool_error      text,
        file_count      integer NOT NULL DEFAULT 0,
        UNIQUE (session_id, seq)
      );

      CREATE TABLE files (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        session_id   text COLLATE "C" NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
        message_seq  integer NOT NULL,
        gcs_uri      text NOT NULL,
        mime_type    text,
        filename     text
      );
      CREATE INDEX files_by_session ON files (session_id, message_seq);

      CREATE TABLE deliveries (
        id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        received_at    bigint NOT NULL,
        method         text NOT NULL,
        path           text NOT NULL,
        remote         text,
        event_header   text,
        event          text,
        session_id     text COLLATE "C",
        outcome        text NOT NULL CHECK (outcome IN ('stored', 'duplicate', 'ignored', 'rejected', 'failed')),
        status_code    integer NOT NULL,
        reason         text,
        size           integer,
        latency_ms     double precision,
        headers        text,
        quarantine_id  bigint
      );
      CREATE INDEX deliveries_by_outcome ON deliveries (outcome, id DESC);

      CREATE TABLE quarantine (
        id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        received_at       bigint NOT NULL,
        failure           text NOT NULL CHECK (failure IN ('signature', 'required-header', 'payload')),
        reason            text NOT NULL,
        event_header      text,
        signature_header  text,
        event             text,
        session_id        text COLLATE "C",
        headers           text,
        body              bytea NOT NULL,
        size              integer NOT NULL
      );

      CREATE TABLE tunnel_outages (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        started_at  bigint NOT NULL,
        ended_at    bigint NOT NULL,
        reason      text
      );
      CREATE INDEX tunnel_outages_by_end ON tunnel_outages (ended_at DESC);

      CREATE TABLE follow_ups (
        session_id     text COLLATE "C" PRIMARY KEY REFERENCES sessions (session_id) ON DELETE CASCADE,
        state          text NOT NULL CHECK (state IN ('open', 'follow-up', 'done')),
        priority       integer CHECK (priority BETWEEN 1 AND 3),
        snoozed_until  bigint,
        reasons        text NOT NULL DEFAULT '[]',
        changed_by     text,
        changed_at     bigint,
        owner_set      integer NOT NULL DEFAULT 0 CHECK (owner_set IN (0, 1)),
        version        integer NOT NULL DEFAULT 0,
        sort_at_ms     bigint NOT NULL,
        CHECK (state <> 'follow-up' OR priority IS NOT NULL)
      );
      CREATE INDEX follow_ups_inbox ON follow_ups (priority DESC, sort_at_ms, session_id) WHERE state = 'follow-up';
      CREATE INDEX follow_ups_snoozed ON follow_ups (snoozed_until, session_id) WHERE state = 'follow-up' AND snoozed_until IS NOT NULL;
      CREATE INDEX follow_ups_done ON follow_ups (changed_at DESC, session_id DESC) WHERE state = 'done';

      CREATE TABLE notes (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        session_id  text COLLATE "C" NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
        author      text NOT NULL,
        text        text NOT NULL,
        created_at  bigint NOT NULL,
        updated_at  bigint NOT NULL
      );
      CREATE INDEX notes_by_session ON notes (session_id, created_at);

      -- Names unique whatever their case (ASCII case, as SQLite's NOCASE).
      CREATE TABLE tags (
        id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name   text NOT NULL,
        color  text NOT NULL
      );
      CREATE UNIQUE INDEX tags_by_name ON tags (lower(name));
      CREATE TABLE session_tags (
        session_id  text COLLATE "C" NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
        tag_id      bigint NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
        source      text NOT NULL CHECK (source IN ('owner', 'rule')),
        added_by    text NOT NULL,
        added_at    bigint NOT NULL,
        PRIMARY KEY (session_id, tag_id)
      );
      CREATE INDEX session_tags_by_tag ON session_tags (tag_id, session_id);

      CREATE TABLE rules (
        id          text COLLATE "C" PRIMARY KEY,
        position    integer NOT NULL,
        definition  text NOT NULL,
        updated_at  bigint NOT NULL
      );

      CREATE TABLE archive_settings (
        name   text PRIMARY KEY,
        value  text NOT NULL
      );

      CREATE TABLE erasures (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        started_at   bigint NOT NULL,
        kind         text NOT NULL CHECK (kind IN ('session', 'caller', 'retention')),
        sessions     integer NOT NULL DEFAULT 0 CHECK (sessions >= 0),
        actor        text NOT NULL,
        finished_at  bigint
      );
      ${COUNTERS}
    `,
  },
  {
    version: 2,
    name: 'accounts: people, one-time sign-in links, sign-in sessions, and the audit log',
    // SQLite migration 14 in PostgreSQL. Additive: a hub of the previous version keeps working beside it.
    sql: `
      -- name_key is the name folded for comparison (userNameKey: NFC, Unicode lower case), so "Ana"
      -- and "ANA" are one person; byte-wise (COLLATE "C") so the list sorts as in the SQLite store.
      CREATE TABLE users (
        id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name           text NOT NULL,
        name_key       text COLLATE "C" NOT NULL UNIQUE,
        role           text NOT NULL CHECK (role IN ('owner', 'staff')),
        password_hash  text,
        created_at     bigint NOT NULL,
        disabled_at    bigint
      );

      -- Tokens are kept as their SHA-256 only: a copy of the archive (a backup) signs no one in.
      CREATE TABLE sign_in_links (
        token_hash  text COLLATE "C" PRIMARY KEY,
        user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at  bigint NOT NULL,
        expires_at  bigint NOT NULL
      );
      CREATE INDEX sign_in_links_by_user ON sign_in_links (user_id);

      CREATE TABLE sign_in_sessions (
        token_hash    text COLLATE "C" PRIMARY KEY,
        user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at    bigint NOT NULL,
        last_seen_at  bigint NOT NULL,
        expires_at    bigint NOT NULL
      );
      CREATE INDEX sign_in_sessions_by_user ON sign_in_sessions (user_id);

      -- Who did what, when, to what, from where. Never message contents; actor is a name, not a
      -- reference, so the record outlives a removed account.
      CREATE TABLE audit_log (
        id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at       bigint NOT NULL,
        actor    text NOT NULL,
        action   text NOT NULL,
        target   text COLLATE "C",
        address  text,
        detail   text
      );
      -- Erasing a session replaces its id where the log names it (an export of it, say).
      CREATE INDEX audit_log_by_target ON audit_log (target) WHERE target IS NOT NULL;
    `,
  },
  {
    version: 3,
    name: 'forwarding: targets, a durable outbox written with each stored event, and every attempt',
    sql: FORWARDING,
  },
  {
    version: 4,
    name: 'kept counts in slots per connection, summed on read: hubs no longer take turns on one row',
    // One row per count made every write transaction of every hub wait for the one before it to
    // commit. Each count is now spread over 16 slots, chosen by the server connection (two hubs'
    // connections rarely share one), and the view \`counters\` sums them, so reads are unchanged.
    sql: `
      ALTER TABLE counters RENAME TO counter_slots;
      ALTER TABLE counter_slots ADD COLUMN slot integer NOT NULL DEFAULT 0;
      ALTER TABLE counter_slots DROP CONSTRAINT counters_pkey;
      ALTER TABLE counter_slots ADD PRIMARY KEY (name, slot);
      CREATE VIEW counters AS SELECT name, sum(value)::bigint AS value FROM counter_slots GROUP BY name;
      CREATE OR REPLACE FUNCTION count_change(counter text, delta bigint) RETURNS void LANGUAGE sql AS $$
        INSERT INTO counter_slots (name, slot, value) SELECT counter, pg_backend_pid() % 16, delta WHERE delta <> 0
        ON CONFLICT (name, slot) DO UPDATE SET value = counter_slots.value + excluded.value
      $$;
    `,
  },
  {
    version: 5,
    name: 'faster ingest: no per-row foreign keys on the projection, words folded by the store and indexed with simple, phrases in overlong transcripts checked',
    // Every message inserted checked its session (and took a share lock on it), and every word went
    // through unaccent: most of a hub's per-event work. Erasure deletes each of these tables' rows
    // itself (writes/erasure.ts), as the SQLite store does, so the keys only cost. The text is
    // already folded and split by the store (search.ts): the documents are rebuilt with \`simple\`
    // (archive_search stays, for a hub of the previous version still running during the upgrade).
    sql: `
      ALTER TABLE messages DROP CONSTRAINT messages_session_id_fkey;
      ALTER TABLE files DROP CONSTRAINT files_session_id_fkey;
      ALTER TABLE follow_ups DROP CONSTRAINT follow_ups_session_id_fkey;
      ALTER TABLE forward_outbox DROP CONSTRAINT forward_outbox_event_id_fkey;

      -- The words of a document a tsvector cannot hold with its positions (search.ts), one space
      -- around each, so a phrase searched is checked as a substring: rare, so its key can cascade.
      CREATE TABLE session_search_texts (
        session_id  text COLLATE "C" PRIMARY KEY REFERENCES sessions (session_id) ON DELETE CASCADE,
        text        text NOT NULL
      );
    `,
    rebuild: reindexAll,
  },
  {
    version: 6,
    name: 'the overview: hourly rollups kept by statement triggers (slotted per connection), tool calls per session, callers\' first sessions',
    // rollups.ts says what they are and why triggers keep them.
    sql: OVERVIEW_ROLLUPS_SQL,
  },
];

export const LATEST_VERSION = Math.max(...MIGRATIONS.map((migration) => migration.version));

/** In version order whatever order the list was written in (branches add theirs side by side). */
const IN_ORDER = [...MIGRATIONS].sort((a, b) => a.version - b.version);

/** Any 64-bit number the archive alone uses: "callaider-archive schema". */
const MIGRATION_LOCK = 7_204_513_881_077_001;

/**
 * Brings the database to LATEST_VERSION (or `migrateTo`) in one transaction under the advisory
 * lock; refuses a database that a newer version of the archive has migrated further.
 */
export async function migrate(client: pg.ClientBase, migrateTo = LATEST_VERSION): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS archive_schema (
      version     integer PRIMARY KEY,
      name        text NOT NULL,
      applied_at  timestamptz NOT NULL DEFAULT now()
    )`);
    const current = Number((await client.query<{ v: number | null }>('SELECT max(version) AS v FROM archive_schema')).rows[0]?.v ?? 0);
    if (current > LATEST_VERSION) {
      throw new ArchiveVersionError(
        `This archive database was upgraded by a newer version of CallAIder Archive (schema ${current}; this version knows up to ${LATEST_VERSION}). Update the app on this machine.`,
      );
    }
    for (const migration of IN_ORDER) {
      if (migration.version <= current || migration.version > migrateTo) continue;
      await client.query(migration.sql);
      await migration.rebuild?.(client);
      await client.query('INSERT INTO archive_schema (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
    await client.query('COMMIT');
    return Math.max(current, Math.min(migrateTo, LATEST_VERSION));
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
