/**
 * Numbered schema migrations. Migration N brings a database from user_version N-1 to N.
 * Never edit a migration that has shipped: add the next one. Each has a test in
 * tests/archive/migrations.test.ts that opens a database at N-1 and checks N.
 *
 * The events table is the source of truth (the raw bytes CallAIder sent). sessions,
 * messages, files and the full-text index are projections of it and can be rebuilt.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial archive: events, projections, full-text index, delivery log, quarantine',
    sql: `
      CREATE TABLE events (
        id             INTEGER PRIMARY KEY,
        session_id     TEXT    NOT NULL,
        event          TEXT    NOT NULL,
        event_at       TEXT,                 -- payload.timestamp as sent (ISO)
        received_at    INTEGER NOT NULL,     -- epoch ms, UTC
        source         TEXT    NOT NULL CHECK (source IN ('webhook', 'import', 'reverify')),
        body           BLOB    NOT NULL,     -- the exact bytes received
        body_sha256    TEXT    NOT NULL,
        UNIQUE (session_id, event)
      ) STRICT;

      CREATE TABLE sessions (
        session_id        TEXT    PRIMARY KEY,
        assistant_id      ANY,                -- number or string, as sent
        status            TEXT    NOT NULL CHECK (status IN ('active', 'ended')),
        started_at        TEXT,               -- session.started timestamp (ISO, as sent)
        started_at_ms     INTEGER,
        ended_at          TEXT,               -- session.ended timestamp (ISO, as sent)
        ended_at_ms       INTEGER,
        sort_at_ms        INTEGER NOT NULL,   -- best known start, for newest-first lists
        reason            TEXT,
        duration_seconds  REAL,
        mode              TEXT,               -- metadata.sessionMode
        metadata          TEXT,               -- JSON, as sent
        first_user_line   TEXT,
        message_count     INTEGER NOT NULL DEFAULT 0,
        tool_call_count   INTEGER NOT NULL DEFAULT 0,
        tool_error_count  INTEGER NOT NULL DEFAULT 0,
        file_count        INTEGER NOT NULL DEFAULT 0,
        first_seen_at     INTEGER NOT NULL,
        updated_at        INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX sessions_by_time ON sessions (sort_at_ms DESC, session_id);

      CREATE TABLE messages (
        id              INTEGER PRIMARY KEY,
        session_id      TEXT    NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
        seq             INTEGER NOT NULL,
        role            TEXT    NOT NULL,
        content         TEXT    NOT NULL,
        timestamp_ms    INTEGER,
        tool_name       TEXT,
        tool_arguments  TEXT,               -- JSON
        tool_result     TEXT,               -- JSON
        tool_error      TEXT,
        file_count      INTEGER NOT NULL DEFAULT 0,
        UNIQUE (session_id, seq)
      ) STRICT;

      CREATE TABLE files (
        id           INTEGER PRIMARY KEY,
        session_id   TEXT    NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
        message_seq  INTEGER NOT NULL,
        gcs_uri      TEXT    NOT NULL,
        mime_type    TEXT,
        filename     TEXT
      ) STRICT;
      CREATE INDEX files_by_session ON files (session_id, message_seq);

      CREATE VIRTUAL TABLE messages_fts USING fts5 (
        content, tool_name, tool_arguments, tool_result, tool_error,
        content = 'messages', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
      );
      CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, content, tool_name, tool_arguments, tool_result, tool_error)
        VALUES (new.id, new.content, new.tool_name, new.tool_arguments, new.tool_result, new.tool_error);
      END;
      CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, content, tool_name, tool_arguments, tool_result, tool_error)
        VALUES ('delete', old.id, old.content, old.tool_name, old.tool_arguments, old.tool_result, old.tool_error);
      END;

      CREATE TABLE deliveries (
        id             INTEGER PRIMARY KEY,
        received_at    INTEGER NOT NULL,
        method         TEXT    NOT NULL,
        path           TEXT    NOT NULL,
        remote         TEXT,
        event_header   TEXT,
        event          TEXT,
        session_id     TEXT,
        outcome        TEXT    NOT NULL CHECK (outcome IN ('stored', 'duplicate', 'ignored', 'rejected', 'failed')),
        status_code    INTEGER NOT NULL,
        reason         TEXT,
        size           INTEGER,
        latency_ms     REAL,
        headers        TEXT,               -- JSON, signature masked
        quarantine_id  INTEGER
      ) STRICT;
      CREATE INDEX deliveries_by_time ON deliveries (received_at DESC);

      CREATE TABLE quarantine (
        id                INTEGER PRIMARY KEY,
        received_at       INTEGER NOT NULL,
        failure           TEXT    NOT NULL CHECK (failure IN ('signature', 'required-header', 'payload')),
        reason            TEXT    NOT NULL,
        event_header      TEXT,
        signature_header  TEXT,
        event             TEXT,
        session_id        TEXT,
        headers           TEXT,            -- JSON
        body              BLOB    NOT NULL,
        size              INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'search and browse: session metadata full-text index, message id ranges, filter indexes',
    sql: `
      -- Messages of one session are inserted together, so their ids form one range. Searching a
      -- session's messages is then a rowid-range probe of the full-text index, not a join.
      ALTER TABLE sessions ADD COLUMN first_message_id INTEGER;
      ALTER TABLE sessions ADD COLUMN last_message_id INTEGER;
      UPDATE sessions SET
        first_message_id = (SELECT min(id) FROM messages m WHERE m.session_id = sessions.session_id),
        last_message_id  = (SELECT max(id) FROM messages m WHERE m.session_id = sessions.session_id);

      CREATE VIRTUAL TABLE sessions_fts USING fts5 (
        session_id, metadata, reason,
        content = 'sessions', content_rowid = 'rowid',
        tokenize = 'unicode61 remove_diacritics 2'
      );
      CREATE TRIGGER sessions_fts_insert AFTER INSERT ON sessions BEGIN
        INSERT INTO sessions_fts (rowid, session_id, metadata, reason) VALUES (new.rowid, new.session_id, new.metadata, new.reason);
      END;
      CREATE TRIGGER sessions_fts_delete AFTER DELETE ON sessions BEGIN
        INSERT INTO sessions_fts (sessions_fts, rowid, session_id, metadata, reason) VALUES ('delete', old.rowid, old.session_id, old.metadata, old.reason);
      END;
      CREATE TRIGGER sessions_fts_update AFTER UPDATE OF session_id, metadata, reason ON sessions BEGIN
        INSERT INTO sessions_fts (sessions_fts, rowid, session_id, metadata, reason) VALUES ('delete', old.rowid, old.session_id, old.metadata, old.reason);
        INSERT INTO sessions_fts (rowid, session_id, metadata, reason) VALUES (new.rowid, new.session_id, new.metadata, new.reason);
      END;
      INSERT INTO sessions_fts (sessions_fts) VALUES ('rebuild');

      -- Version 1 stored whole-number assistant ids as REAL (205.0); store them as INTEGER.
      UPDATE sessions SET assistant_id = CAST(assistant_id AS INTEGER)
        WHERE typeof(assistant_id) = 'real' AND assistant_id = CAST(assistant_id AS INTEGER);
      CREATE INDEX events_by_session ON events (session_id);
      CREATE INDEX deliveries_by_outcome ON deliveries (outcome, id DESC);
    `,
  },
  {
    version: 3,
    name: 'tunnel outages: periods the public URL did not reach this machine',
    sql: `
      CREATE TABLE tunnel_outages (
        id          INTEGER PRIMARY KEY,
        started_at  INTEGER NOT NULL,
        ended_at    INTEGER NOT NULL,
        reason      TEXT
      ) STRICT;
      CREATE INDEX tunnel_outages_by_end ON tunnel_outages (ended_at DESC);
    `,
  },
  {
    version: 4,
    name: 'index a session\'s messages in one statement instead of a trigger per row (3x faster ingest)',
    sql: `
      -- The projection now writes the full-text rows itself, one INSERT … SELECT per session.
      DROP TRIGGER messages_fts_insert;
    `,
  },
  {
    version: 5,
    name: 'deferred projection: the webhook is acknowledged once its raw event is durable; indexing follows',
    sql: `
      -- 1 = projected into sessions/messages/files/index, 0 = waiting, -1 = could not be projected (kept, exported).
      ALTER TABLE events ADD COLUMN projected INTEGER NOT NULL DEFAULT 1 CHECK (projected IN (-1, 0, 1));
      ALTER TABLE events ADD COLUMN projection_error TEXT;
      CREATE INDEX events_waiting ON events (id) WHERE projected = 0;
    `,
  },
  {
    version: 6,
    name: 'search by session: one full-text document per session, newest-first without scanning',
    sql: `
      -- One contentless document per session (its metadata, reason and every message with its tool
      -- call), rowid = sessions.rowid. FTS5 walks a term's matches newest-first and stops after a
      -- page, where a per-message index had to read a common term's whole list for every session.
      CREATE VIRTUAL TABLE session_search USING fts5 (
        text, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
      );
      INSERT INTO session_search (rowid, text)
        SELECT s.rowid,
               s.session_id || ' ' || coalesce(s.metadata, '') || ' ' || coalesce(s.reason, '') || ' ' ||
               coalesce((SELECT group_concat(m.content || ' ' || coalesce(m.tool_name, '') || ' ' || coalesce(m.tool_arguments, '') || ' ' ||
                                             coalesce(m.tool_result, '') || ' ' || coalesce(m.tool_error, ''), ' ')
                         FROM messages m WHERE m.session_id = s.session_id), '')
        FROM sessions s;
      CREATE TRIGGER session_search_delete AFTER DELETE ON sessions BEGIN
        DELETE FROM session_search WHERE rowid = old.rowid;
      END;
      DROP TRIGGER messages_fts_delete;
      DROP TABLE messages_fts;
      DROP TRIGGER sessions_fts_insert;
      DROP TRIGGER sessions_fts_delete;
      DROP TRIGGER sessions_fts_update;
      DROP TABLE sessions_fts;
    `,
  },
  {
    version: 7,
    name: 'fewer pages written per acknowledged webhook: drop two indexes nothing reads',
    sql: `
      -- Lookups by session use the UNIQUE (session_id, event) index; this one only doubled the
      -- random index pages every stored event dirties (and every commit writes and fsyncs).
      DROP INDEX events_by_session;
      -- The delivery log is listed by id (arrival order), never by received_at.
      DROP INDEX deliveries_by_time;
    `,
  },
  {
    version: 8,
    name: 'counts that cost nothing: counters kept by the transactions that change them; indexes for facets and stale sessions',
    sql: `
      -- status and every badge read these instead of count(*) over big tables (4 M messages took
      -- 259 ms, and seconds with a cold page cache at start-up). Triggers keep them in the same
      -- transaction as the change, so they can never drift; the projection already keeps
      -- sessions.message_count, so messages are counted from it, not per message row.
      CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT, WITHOUT ROWID;
      INSERT INTO counters (name, value)
        SELECT 'events', count(*) FROM events UNION ALL
        SELECT 'events_waiting', count(*) FROM events WHERE projected = 0 UNION ALL
        SELECT 'events_failed', count(*) FROM events WHERE projected = -1 UNION ALL
        SELECT 'sessions', count(*) FROM sessions UNION ALL
        SELECT 'sessions_active', count(*) FROM sessions WHERE status = 'active' UNION ALL
        SELECT 'messages', coalesce(sum(message_count), 0) FROM sessions UNION ALL
        SELECT 'deliveries', count(*) FROM deliveries UNION ALL
        SELECT 'quarantined', count(*) FROM quarantine UNION ALL
        SELECT 'quarantined_bytes', coalesce(sum(size), 0) FROM quarantine;

      CREATE TRIGGER count_events_insert AFTER INSERT ON events BEGIN
        UPDATE counters SET value = value + CASE name WHEN 'events' THEN 1 WHEN 'events_waiting' THEN new.projected = 0 ELSE new.projected = -1 END
          WHERE name IN ('events', 'events_waiting', 'events_failed');
      END;
      CREATE TRIGGER count_events_delete AFTER DELETE ON events BEGIN
        UPDATE counters SET value = value - CASE name WHEN 'events' THEN 1 WHEN 'events_waiting' THEN old.projected = 0 ELSE old.projected = -1 END
          WHERE name IN ('events', 'events_waiting', 'events_failed');
      END;
      CREATE TRIGGER count_events_projected AFTER UPDATE OF projected ON events WHEN new.projected IS NOT old.projected BEGIN
        UPDATE counters SET value = value + CASE name WHEN 'events_waiting' THEN (new.projected = 0) - (old.projected = 0) ELSE (new.projected = -1) - (old.projected = -1) END
          WHERE name IN ('events_waiting', 'events_failed');
      END;
      CREATE TRIGGER count_sessions_insert AFTER INSERT ON sessions BEGIN
        UPDATE counters SET value = value + CASE name WHEN 'sessions' THEN 1 WHEN 'sessions_active' THEN new.status = 'active' ELSE new.message_count END
          WHERE name IN ('sessions', 'sessions_active', 'messages');
      END;
      CREATE TRIGGER count_sessions_delete AFTER DELETE ON sessions BEGIN
        UPDATE counters SET value = value - CASE name WHEN 'sessions' THEN 1 WHEN 'sessions_active' THEN old.status = 'active' ELSE old.message_count END
          WHERE name IN ('sessions', 'sessions_active', 'messages');
      END;
      CREATE TRIGGER count_sessions_update AFTER UPDATE OF status, message_count ON sessions BEGIN
        UPDATE counters SET value = value + CASE name WHEN 'sessions_active' THEN (new.status = 'active') - (old.status = 'active') ELSE new.message_count - old.message_count END
          WHERE name IN ('sessions_active', 'messages');
      END;
      CREATE TRIGGER count_deliveries_insert AFTER INSERT ON deliveries BEGIN
        UPDATE counters SET value = value + 1 WHERE name = 'deliveries';
      END;
      CREATE TRIGGER count_deliveries_delete AFTER DELETE ON deliveries BEGIN
        UPDATE counters SET value = value - 1 WHERE name = 'deliveries';
      END;
      CREATE TRIGGER count_quarantine_insert AFTER INSERT ON quarantine BEGIN
        UPDATE counters SET value = value + CASE name WHEN 'quarantined' THEN 1 ELSE new.size END WHERE name IN ('quarantined', 'quarantined_bytes');
      END;
      CREATE TRIGGER count_quarantine_delete AFTER DELETE ON quarantine BEGIN
        UPDATE counters SET value = value - CASE name WHEN 'quarantined' THEN 1 ELSE old.size END WHERE name IN ('quarantined', 'quarantined_bytes');
      END;

      -- Sessions that started and never ended are few: counting the stale ones reads only them.
      CREATE INDEX sessions_active ON sessions (sort_at_ms) WHERE status = 'active';
      -- The filter lists (end reasons, assistants) read an index, not every session.
      CREATE INDEX sessions_by_reason ON sessions (reason) WHERE reason IS NOT NULL;
      CREATE INDEX sessions_by_assistant ON sessions (assistant_id) WHERE assistant_id IS NOT NULL;
    `,
  },
  {
    version: 9,
    name: "the owner's side: follow-ups, notes, tags, triage rules, callers",
    sql: `
      -- The owner's edits and the rules' conclusions live apart from the received events: deleting
      -- a session takes them with it (foreign keys, enforced on the writer's connection).
      -- No row = state open, version 0: most sessions never need one.
      CREATE TABLE follow_ups (
        session_id     TEXT    PRIMARY KEY REFERENCES sessions (session_id) ON DELETE CASCADE,
        state          TEXT    NOT NULL CHECK (state IN ('open', 'follow-up', 'done')),
        priority       INTEGER CHECK (priority BETWEEN 1 AND 3),   -- 1 low, 2 normal, 3 high
        snoozed_until  INTEGER,
        reasons        TEXT    NOT NULL DEFAULT '[]',               -- JSON FollowUpReason[] from the rules
        changed_by     TEXT,
        changed_at     INTEGER,
        owner_set      INTEGER NOT NULL DEFAULT 0 CHECK (owner_set IN (0, 1)),  -- a person decided: rules only refresh reasons
        version        INTEGER NOT NULL DEFAULT 0,
        sort_at_ms     INTEGER NOT NULL,                            -- the session's, so the inbox reads one index
        CHECK (state <> 'follow-up' OR priority IS NOT NULL)
      ) STRICT, WITHOUT ROWID;
      -- The inbox: by priority, then oldest first; counts read only follow-ups.
      CREATE INDEX follow_ups_inbox ON follow_ups (priority DESC, sort_at_ms, session_id) WHERE state = 'follow-up';
      CREATE INDEX follow_ups_snoozed ON follow_ups (snoozed_until, session_id) WHERE state = 'follow-up' AND snoozed_until IS NOT NULL;
      CREATE INDEX follow_ups_done ON follow_ups (changed_at DESC, session_id DESC) WHERE state = 'done';
      -- How many are to follow up, kept by the transactions that change it (the status, the tray and
      -- the inbox's total read it on every change; counting 60,000 index entries took milliseconds).
      -- A session's deletion removes its follow-up by cascade, which fires these triggers too.
      INSERT INTO counters (name, value) VALUES ('follow_ups', 0);
      CREATE TRIGGER count_follow_ups_insert AFTER INSERT ON follow_ups WHEN new.state = 'follow-up' BEGIN
        UPDATE counters SET value = value + 1 WHERE name = 'follow_ups';
      END;
      CREATE TRIGGER count_follow_ups_delete AFTER DELETE ON follow_ups WHEN old.state = 'follow-up' BEGIN
        UPDATE counters SET value = value - 1 WHERE name = 'follow_ups';
      END;
      CREATE TRIGGER count_follow_ups_update AFTER UPDATE OF state ON follow_ups WHEN (new.state = 'follow-up') <> (old.state = 'follow-up') BEGIN
        UPDATE counters SET value = value + (new.state = 'follow-up') - (old.state = 'follow-up') WHERE name = 'follow_ups';
      END;

      CREATE TABLE notes (
        id          INTEGER PRIMARY KEY,
        session_id  TEXT    NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
        author      TEXT    NOT NULL,
        text        TEXT    NOT NULL,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX notes_by_session ON notes (session_id, created_at);

      CREATE TABLE tags (
        id     INTEGER PRIMARY KEY,
        name   TEXT    NOT NULL UNIQUE COLLATE NOCASE,
        color  TEXT    NOT NULL
      ) STRICT;
      CREATE TABLE session_tags (
        session_id  TEXT    NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
        tag_id      INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
        source      TEXT    NOT NULL CHECK (source IN ('owner', 'rule')),  -- rules never remove an owner's tag
        added_by    TEXT    NOT NULL,
        added_at    INTEGER NOT NULL,
        PRIMARY KEY (session_id, tag_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX session_tags_by_tag ON session_tags (tag_id, session_id);

      -- Built-in rules are seeded by the writer when it opens (their defaults live in code).
      CREATE TABLE rules (
        id          TEXT    PRIMARY KEY,
        position    INTEGER NOT NULL,
        definition  TEXT    NOT NULL,   -- JSON: the rule without id and updatedAt
        updated_at  INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE archive_settings (
        name   TEXT PRIMARY KEY,
        value  TEXT NOT NULL            -- JSON
      ) STRICT, WITHOUT ROWID;
      -- Sessions archived before the rules existed have never been triaged: the engine runs the
      -- rules over them (its triage runner, with progress) and a pass to the end clears this.
      INSERT INTO archive_settings (name, value) SELECT 'triage_pending', 'true' WHERE EXISTS (SELECT 1 FROM sessions);

      ALTER TABLE sessions ADD COLUMN caller_key TEXT;
      ALTER TABLE sessions ADD COLUMN caller_label TEXT;
      ALTER TABLE sessions ADD COLUMN caller_kind TEXT CHECK (caller_kind IN ('phone', 'email', 'other'));
      CREATE INDEX sessions_by_caller ON sessions (caller_key, sort_at_ms DESC) WHERE caller_key IS NOT NULL;
    `,
  },
  {
    version: 10,
    name: 'events record how many card numbers and security codes were removed before storing',
    sql: `
      -- The stored body of an event with card data is the redacted payload, not the signed bytes:
      -- this says so, and how many values were replaced (0: the body is exactly what was sent).
      ALTER TABLE events ADD COLUMN redactions INTEGER NOT NULL DEFAULT 0 CHECK (redactions >= 0);
    `,
  },
  {
    version: 11,
    name: 'erasures: a record that sessions were erased (when, how, how many, by whom), never which',
    sql: `
      -- The count grows in the same transaction as each page of deletions, so it is never more or
      -- less than what is gone; finished_at is set once the traces (search segments, WAL) are gone too.
      CREATE TABLE erasures (
        id           INTEGER PRIMARY KEY,
        started_at   INTEGER NOT NULL,
        kind         TEXT    NOT NULL CHECK (kind IN ('session', 'caller', 'retention')),
        sessions     INTEGER NOT NULL DEFAULT 0 CHECK (sessions >= 0),
        actor        TEXT    NOT NULL,
        finished_at  INTEGER
      ) STRICT;
    `,
  },
  {
    version: 12,
    name: 'forwarding: targets, a durable outbox written with each stored event, and every attempt',
    sql: `
      CREATE TABLE forward_targets (
        id                    INTEGER PRIMARY KEY,
        url                   TEXT    NOT NULL UNIQUE,
        events                TEXT    NOT NULL,   -- JSON array of kinds: session.started, session.ended, follow-up
        headers               TEXT    NOT NULL,   -- JSON object of extra headers
        secret                TEXT    NOT NULL,
        origin                TEXT    NOT NULL CHECK (origin IN ('owner', 'command-line')),
        created_at            INTEGER NOT NULL,
        updated_at            INTEGER NOT NULL,
        paused_at             INTEGER,
        paused_reason         TEXT,
        last_success_at       INTEGER,
        last_attempt_at       INTEGER,
        failing_since         INTEGER,
        consecutive_failures  INTEGER NOT NULL DEFAULT 0,
        last_error            TEXT
      ) STRICT;

      -- One row per (stored event, target): written in the transaction that stored the event, so a
      -- forward exists exactly when its event does. Erasing the event takes its rows with it.
      CREATE TABLE forward_outbox (
        id                INTEGER PRIMARY KEY,
        target_id         INTEGER NOT NULL REFERENCES forward_targets (id) ON DELETE CASCADE,
        event_id          INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
        session_id        TEXT    NOT NULL,
        event             TEXT    NOT NULL,
        kind              TEXT    NOT NULL CHECK (kind IN ('session.started', 'session.ended', 'follow-up')),
        state             TEXT    NOT NULL CHECK (state IN ('pending', 'sent', 'gave-up')),
        attempts          INTEGER NOT NULL DEFAULT 0,
        enqueued_at       INTEGER NOT NULL,
        due_at            INTEGER NOT NULL,
        first_attempt_at  INTEGER,
        claimed_until     INTEGER,
        done_at           INTEGER,
        UNIQUE (target_id, event_id)
      ) STRICT;
      CREATE INDEX forward_outbox_due ON forward_outbox (target_id, due_at) WHERE state = 'pending';
      CREATE INDEX forward_outbox_by_event ON forward_outbox (event_id);
      -- Counts stay cheap however long the record of sent rows grows: only waiting and given-up rows are indexed.
      CREATE INDEX forward_outbox_gave_up ON forward_outbox (target_id) WHERE state = 'gave-up';

      CREATE TABLE forward_attempts (
        id          INTEGER PRIMARY KEY,
        outbox_id   INTEGER NOT NULL,
        target_id   INTEGER NOT NULL REFERENCES forward_targets (id) ON DELETE CASCADE,
        session_id  TEXT    NOT NULL,
        event       TEXT    NOT NULL,
        kind        TEXT    NOT NULL,
        attempt     INTEGER NOT NULL,
        at          INTEGER NOT NULL,
        outcome     TEXT    NOT NULL CHECK (outcome IN ('ok', 'failed', 'gave-up')),
        status      INTEGER,
        latency_ms  INTEGER,
        excerpt     TEXT,
        error       TEXT
      ) STRICT;
      CREATE INDEX forward_attempts_by_target ON forward_attempts (target_id, id);
      CREATE INDEX forward_attempts_by_session ON forward_attempts (session_id);
    `,
  },
  {
    version: 13,
    name: "the overview: hourly rollups kept by triggers, tool calls per session and tool, indexes for a period's edges",
    sql: `
      -- The Overview aggregates a period's sessions (up to two years: every session of a busy
      -- archive) several ways. Straight from sessions, each way was a pass over 100,000 rows that
      -- sorted them to group them (40-65 ms each, 230 ms for the page). So the archive keeps hourly
      -- rollups (UTC hours), changed by triggers in the same transaction as the rows they count,
      -- like the counters, so they cannot drift: a year is at most 8,760 rows per mode, reason,
      -- bucket or tool. Reasons, buckets and tools are keyed by value first, so each value's hours
      -- of a period are one range (summed without sorting anything). Parts of a period that are not whole hours, and calendars in zones whose
      -- offset is not whole hours, read sessions_overview instead: what those aggregates need, in
      -- time order.
      CREATE INDEX sessions_overview ON sessions (sort_at_ms, mode, duration_seconds, reason, file_count, tool_call_count, tool_error_count);
      CREATE INDEX follow_ups_by_time ON follow_ups (sort_at_ms, state, snoozed_until);

      -- Tool calls per session and tool name ('' for a call without one), kept by the projection
      -- (the only writer of messages; counting them from messages read 4 million rows, 1 s). It
      -- answers the "called this tool" filter; sort_at_ms is the session's, kept by a trigger when
      -- a late session.started moves the session's start.
      CREATE TABLE session_tools (
        session_id  TEXT    NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
        tool_name   TEXT    NOT NULL,
        sort_at_ms  INTEGER NOT NULL,
        calls       INTEGER NOT NULL CHECK (calls > 0),
        failures    INTEGER NOT NULL CHECK (failures BETWEEN 0 AND calls),
        PRIMARY KEY (session_id, tool_name)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX session_tools_by_name ON session_tools (tool_name, failures);
      CREATE INDEX session_tools_by_time ON session_tools (sort_at_ms);
      INSERT INTO session_tools (session_id, tool_name, sort_at_ms, calls, failures)
        SELECT m.session_id, coalesce(m.tool_name, ''), s.sort_at_ms, count(*), sum(m.tool_error IS NOT NULL)
        FROM messages m JOIN sessions s ON s.session_id = m.session_id
        WHERE m.tool_name IS NOT NULL OR m.tool_arguments IS NOT NULL OR m.tool_result IS NOT NULL OR m.tool_error IS NOT NULL
        GROUP BY m.session_id, coalesce(m.tool_name, '');

      -- hour: sort_at_ms / 3600000 (UTC). mode: 0 voice, 1 text, 2 anything else.
      CREATE TABLE overview_hours (
        hour           INTEGER NOT NULL,
        mode           INTEGER NOT NULL,
        sessions       INTEGER NOT NULL,
        timed          INTEGER NOT NULL,   -- with a duration
        seconds        REAL    NOT NULL,
        tool_calls     INTEGER NOT NULL,
        tool_failures  INTEGER NOT NULL,
        files          INTEGER NOT NULL,
        with_files     INTEGER NOT NULL,
        with_caller    INTEGER NOT NULL,   -- the caller is known (caller_key)
        PRIMARY KEY (hour, mode)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE overview_hour_reasons (
        hour      INTEGER NOT NULL,
        reason    TEXT    NOT NULL,
        sessions  INTEGER NOT NULL,
        PRIMARY KEY (reason, hour)
      ) STRICT, WITHOUT ROWID;
      -- bucket: the index in DURATION_BUCKETS (shared/overview.ts): under 30 s, 1, 2, 5, 10, 20 min, more.
      CREATE TABLE overview_hour_durations (
        hour      INTEGER NOT NULL,
        bucket    INTEGER NOT NULL,
        sessions  INTEGER NOT NULL,
        PRIMARY KEY (bucket, hour)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE overview_hour_tools (
        hour             INTEGER NOT NULL,
        tool_name        TEXT    NOT NULL,
        calls            INTEGER NOT NULL,
        failures         INTEGER NOT NULL,
        sessions         INTEGER NOT NULL,
        failed_sessions  INTEGER NOT NULL,
        PRIMARY KEY (tool_name, hour)
      ) STRICT, WITHOUT ROWID;

      -- Each known caller's first session in the archive: new callers of a period are a range here.
      CREATE TABLE caller_firsts (
        caller_key  TEXT    PRIMARY KEY,
        first_at    INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX caller_firsts_by_time ON caller_firsts (first_at);
      INSERT INTO caller_firsts (caller_key, first_at)
        SELECT caller_key, min(sort_at_ms) FROM sessions WHERE caller_key IS NOT NULL GROUP BY caller_key;

      INSERT INTO overview_hours (hour, mode, sessions, timed, seconds, tool_calls, tool_failures, files, with_files, with_caller)
        SELECT s.sort_at_ms / 3600000, CASE s.mode WHEN 'voice' THEN 0 WHEN 'text' THEN 1 ELSE 2 END, count(*), count(s.duration_seconds), coalesce(sum(s.duration_seconds), 0),
               sum(s.tool_call_count), sum(s.tool_error_count), sum(s.file_count), sum(s.file_count > 0), sum(s.caller_key IS NOT NULL)
        FROM sessions s GROUP BY 1, 2;
      INSERT INTO overview_hour_reasons (hour, reason, sessions)
        SELECT s.sort_at_ms / 3600000, s.reason, count(*) FROM sessions s WHERE s.reason IS NOT NULL GROUP BY 1, 2;
      INSERT INTO overview_hour_durations (hour, bucket, sessions)
        SELECT s.sort_at_ms / 3600000, CASE WHEN s.duration_seconds < 30 THEN 0 WHEN s.duration_seconds < 60 THEN 1 WHEN s.duration_seconds < 120 THEN 2 WHEN s.duration_seconds < 300 THEN 3 WHEN s.duration_seconds < 600 THEN 4 WHEN s.duration_seconds < 1200 THEN 5 ELSE 6 END, count(*) FROM sessions s WHERE s.duration_seconds IS NOT NULL GROUP BY 1, 2;
      INSERT INTO overview_hour_tools (hour, tool_name, calls, failures, sessions, failed_sessions)
        SELECT t.sort_at_ms / 3600000, t.tool_name, sum(t.calls), sum(t.failures), count(*), sum(t.failures > 0) FROM session_tools t GROUP BY 1, 2;

      -- After the backfills, so they are not counted twice.
      CREATE TRIGGER session_tools_follow_start AFTER UPDATE OF sort_at_ms ON sessions WHEN new.sort_at_ms IS NOT old.sort_at_ms BEGIN
        UPDATE session_tools SET sort_at_ms = new.sort_at_ms WHERE session_id = new.session_id;
      END;
      CREATE TRIGGER overview_sessions_insert AFTER INSERT ON sessions BEGIN
        INSERT INTO overview_hours (hour, mode, sessions, timed, seconds, tool_calls, tool_failures, files, with_files, with_caller)
          VALUES (new.sort_at_ms / 3600000, CASE new.mode WHEN 'voice' THEN 0 WHEN 'text' THEN 1 ELSE 2 END, 1, (new.duration_seconds IS NOT NULL), coalesce(new.duration_seconds, 0),
                  new.tool_call_count, new.tool_error_count, new.file_count, (new.file_count > 0), (new.caller_key IS NOT NULL))
          ON CONFLICT (hour, mode) DO UPDATE SET sessions = sessions + excluded.sessions, timed = timed + excluded.timed, seconds = seconds + excluded.seconds,
            tool_calls = tool_calls + excluded.tool_calls, tool_failures = tool_failures + excluded.tool_failures, files = files + excluded.files, with_files = with_files + excluded.with_files, with_caller = with_caller + excluded.with_caller;
        INSERT INTO overview_hour_reasons (hour, reason, sessions) SELECT new.sort_at_ms / 3600000, new.reason, 1 WHERE new.reason IS NOT NULL
          ON CONFLICT (reason, hour) DO UPDATE SET sessions = sessions + excluded.sessions;
        INSERT INTO overview_hour_durations (hour, bucket, sessions) SELECT new.sort_at_ms / 3600000, CASE WHEN new.duration_seconds < 30 THEN 0 WHEN new.duration_seconds < 60 THEN 1 WHEN new.duration_seconds < 120 THEN 2 WHEN new.duration_seconds < 300 THEN 3 WHEN new.duration_seconds < 600 THEN 4 WHEN new.duration_seconds < 1200 THEN 5 ELSE 6 END, 1 WHERE new.duration_seconds IS NOT NULL
          ON CONFLICT (bucket, hour) DO UPDATE SET sessions = sessions + excluded.sessions;
      END;
      CREATE TRIGGER overview_sessions_delete AFTER DELETE ON sessions BEGIN
        INSERT INTO overview_hours (hour, mode, sessions, timed, seconds, tool_calls, tool_failures, files, with_files, with_caller)
          VALUES (old.sort_at_ms / 3600000, CASE old.mode WHEN 'voice' THEN 0 WHEN 'text' THEN 1 ELSE 2 END, -1, -(old.duration_seconds IS NOT NULL), -coalesce(old.duration_seconds, 0),
                  -old.tool_call_count, -old.tool_error_count, -old.file_count, -(old.file_count > 0), -(old.caller_key IS NOT NULL))
          ON CONFLICT (hour, mode) DO UPDATE SET sessions = sessions + excluded.sessions, timed = timed + excluded.timed, seconds = seconds + excluded.seconds,
            tool_calls = tool_calls + excluded.tool_calls, tool_failures = tool_failures + excluded.tool_failures, files = files + excluded.files, with_files = with_files + excluded.with_files, with_caller = with_caller + excluded.with_caller;
        INSERT INTO overview_hour_reasons (hour, reason, sessions) SELECT old.sort_at_ms / 3600000, old.reason, -1 WHERE old.reason IS NOT NULL
          ON CONFLICT (reason, hour) DO UPDATE SET sessions = sessions + excluded.sessions;
        INSERT INTO overview_hour_durations (hour, bucket, sessions) SELECT old.sort_at_ms / 3600000, CASE WHEN old.duration_seconds < 30 THEN 0 WHEN old.duration_seconds < 60 THEN 1 WHEN old.duration_seconds < 120 THEN 2 WHEN old.duration_seconds < 300 THEN 3 WHEN old.duration_seconds < 600 THEN 4 WHEN old.duration_seconds < 1200 THEN 5 ELSE 6 END, -1 WHERE old.duration_seconds IS NOT NULL
          ON CONFLICT (bucket, hour) DO UPDATE SET sessions = sessions + excluded.sessions;
      END;
      CREATE TRIGGER overview_sessions_update AFTER UPDATE OF sort_at_ms, mode, duration_seconds, reason, tool_call_count, tool_error_count, file_count ON sessions BEGIN
        INSERT INTO overview_hours (hour, mode, sessions, timed, seconds, tool_calls, tool_failures, files, with_files, with_caller)
          VALUES (old.sort_at_ms / 3600000, CASE old.mode WHEN 'voice' THEN 0 WHEN 'text' THEN 1 ELSE 2 END, -1, -(old.duration_seconds IS NOT NULL), -coalesce(old.duration_seconds, 0),
                  -old.tool_call_count, -old.tool_error_count, -old.file_count, -(old.file_count > 0), -(old.caller_key IS NOT NULL))
          ON CONFLICT (hour, mode) DO UPDATE SET sessions = sessions + excluded.sessions, timed = timed + excluded.timed, seconds = seconds + excluded.seconds,
            tool_calls = tool_calls + excluded.tool_calls, tool_failures = tool_failures + excluded.tool_failures, files = files + excluded.files, with_files = with_files + excluded.with_files, with_caller = with_caller + excluded.with_caller;
        INSERT INTO overview_hour_reasons (hour, reason, sessions) SELECT old.sort_at_ms / 3600000, old.reason, -1 WHERE old.reason IS NOT NULL
          ON CONFLICT (reason, hour) DO UPDATE SET sessions = sessions + excluded.sessions;
        INSERT INTO overview_hour_durations (hour, bucket, sessions) SELECT old.sort_at_ms / 3600000, CASE WHEN old.duration_seconds < 30 THEN 0 WHEN old.duration_seconds < 60 THEN 1 WHEN old.duration_seconds < 120 THEN 2 WHEN old.duration_seconds < 300 THEN 3 WHEN old.duration_seconds < 600 THEN 4 WHEN old.duration_seconds < 1200 THEN 5 ELSE 6 END, -1 WHERE old.duration_seconds IS NOT NULL
          ON CONFLICT (bucket, hour) DO UPDATE SET sessions = sessions + excluded.sessions;
        INSERT INTO overview_hours (hour, mode, sessions, timed, seconds, tool_calls, tool_failures, files, with_files, with_caller)
          VALUES (new.sort_at_ms / 3600000, CASE new.mode WHEN 'voice' THEN 0 WHEN 'text' THEN 1 ELSE 2 END, 1, (new.duration_seconds IS NOT NULL), coalesce(new.duration_seconds, 0),
                  new.tool_call_count, new.tool_error_count, new.file_count, (new.file_count > 0), (old.caller_key IS NOT NULL))
          ON CONFLICT (hour, mode) DO UPDATE SET sessions = sessions + excluded.sessions, timed = timed + excluded.timed, seconds = seconds + excluded.seconds,
            tool_calls = tool_calls + excluded.tool_calls, tool_failures = tool_failures + excluded.tool_failures, files = files + excluded.files, with_files = with_files + excluded.with_files, with_caller = with_caller + excluded.with_caller;
        INSERT INTO overview_hour_reasons (hour, reason, sessions) SELECT new.sort_at_ms / 3600000, new.reason, 1 WHERE new.reason IS NOT NULL
          ON CONFLICT (reason, hour) DO UPDATE SET sessions = sessions + excluded.sessions;
        INSERT INTO overview_hour_durations (hour, bucket, sessions) SELECT new.sort_at_ms / 3600000, CASE WHEN new.duration_seconds < 30 THEN 0 WHEN new.duration_seconds < 60 THEN 1 WHEN new.duration_seconds < 120 THEN 2 WHEN new.duration_seconds < 300 THEN 3 WHEN new.duration_seconds < 600 THEN 4 WHEN new.duration_seconds < 1200 THEN 5 ELSE 6 END, 1 WHERE new.duration_seconds IS NOT NULL
          ON CONFLICT (bucket, hour) DO UPDATE SET sessions = sessions + excluded.sessions;
      END;
      -- Whether the caller is known moves on its own (the triage identifies callers after indexing):
      -- this keeps with_caller where the session is counted (the update above carries the old value).
      CREATE TRIGGER overview_sessions_caller AFTER UPDATE OF caller_key ON sessions WHEN (old.caller_key IS NULL) <> (new.caller_key IS NULL) BEGIN
        UPDATE overview_hours SET with_caller = with_caller + (new.caller_key IS NOT NULL) - (old.caller_key IS NOT NULL)
          WHERE hour = new.sort_at_ms / 3600000 AND mode = CASE new.mode WHEN 'voice' THEN 0 WHEN 'text' THEN 1 ELSE 2 END;
      END;
      -- Each caller's first session in the archive ("new caller"), kept when a session is added,
      -- moved, re-identified or erased: the smallest start in their part of the caller index.
      CREATE TRIGGER caller_firsts_insert AFTER INSERT ON sessions WHEN new.caller_key IS NOT NULL BEGIN
        INSERT INTO caller_firsts (caller_key, first_at) VALUES (new.caller_key, new.sort_at_ms)
          ON CONFLICT (caller_key) DO UPDATE SET first_at = min(first_at, excluded.first_at);
      END;
      CREATE TRIGGER caller_firsts_update AFTER UPDATE OF caller_key, sort_at_ms ON sessions
        WHEN old.caller_key IS NOT new.caller_key OR old.sort_at_ms IS NOT new.sort_at_ms BEGIN
        DELETE FROM caller_firsts WHERE caller_key = old.caller_key AND NOT EXISTS (SELECT 1 FROM sessions WHERE caller_key = old.caller_key);
        UPDATE caller_firsts SET first_at = (SELECT min(sort_at_ms) FROM sessions WHERE caller_key = old.caller_key) WHERE caller_key = old.caller_key;
        INSERT INTO caller_firsts (caller_key, first_at) SELECT new.caller_key, new.sort_at_ms WHERE new.caller_key IS NOT NULL
          ON CONFLICT (caller_key) DO UPDATE SET first_at = min(first_at, excluded.first_at);
      END;
      CREATE TRIGGER caller_firsts_delete AFTER DELETE ON sessions WHEN old.caller_key IS NOT NULL BEGIN
        DELETE FROM caller_firsts WHERE caller_key = old.caller_key AND NOT EXISTS (SELECT 1 FROM sessions WHERE caller_key = old.caller_key);
        UPDATE caller_firsts SET first_at = (SELECT min(sort_at_ms) FROM sessions WHERE caller_key = old.caller_key) WHERE caller_key = old.caller_key;
      END;
      CREATE TRIGGER overview_tools_insert AFTER INSERT ON session_tools BEGIN
        INSERT INTO overview_hour_tools (hour, tool_name, calls, failures, sessions, failed_sessions)
          VALUES (new.sort_at_ms / 3600000, new.tool_name, new.calls, new.failures, 1, (new.failures > 0))
          ON CONFLICT (tool_name, hour) DO UPDATE SET calls = calls + excluded.calls, failures = failures + excluded.failures,
            sessions = sessions + excluded.sessions, failed_sessions = failed_sessions + excluded.failed_sessions;
      END;
      CREATE TRIGGER overview_tools_delete AFTER DELETE ON session_tools BEGIN
        INSERT INTO overview_hour_tools (hour, tool_name, calls, failures, sessions, failed_sessions)
          VALUES (old.sort_at_ms / 3600000, old.tool_name, -old.calls, -old.failures, -1, -(old.failures > 0))
          ON CONFLICT (tool_name, hour) DO UPDATE SET calls = calls + excluded.calls, failures = failures + excluded.failures,
            sessions = sessions + excluded.sessions, failed_sessions = failed_sessions + excluded.failed_sessions;
      END;
      CREATE TRIGGER overview_tools_update AFTER UPDATE OF sort_at_ms, tool_name, calls, failures ON session_tools BEGIN
        INSERT INTO overview_hour_tools (hour, tool_name, calls, failures, sessions, failed_sessions)
          VALUES (old.sort_at_ms / 3600000, old.tool_name, -old.calls, -old.failures, -1, -(old.failures > 0))
          ON CONFLICT (tool_name, hour) DO UPDATE SET calls = calls + excluded.calls, failures = failures + excluded.failures,
            sessions = sessions + excluded.sessions, failed_sessions = failed_sessions + excluded.failed_sessions;
        INSERT INTO overview_hour_tools (hour, tool_name, calls, failures, sessions, failed_sessions)
          VALUES (new.sort_at_ms / 3600000, new.tool_name, new.calls, new.failures, 1, (new.failures > 0))
          ON CONFLICT (tool_name, hour) DO UPDATE SET calls = calls + excluded.calls, failures = failures + excluded.failures,
            sessions = sessions + excluded.sessions, failed_sessions = failed_sessions + excluded.failed_sessions;
      END;
    `,
  },
  {
    version: 14,
    name: 'accounts: people, one-time sign-in links, sign-in sessions, and the audit log',
    sql: `
      -- name_key is the name folded for comparison (Unicode lower case), so "Ana" and "ANA" are one person.
      CREATE TABLE users (
        id             INTEGER PRIMARY KEY,
        name           TEXT    NOT NULL,
        name_key       TEXT    NOT NULL UNIQUE,
        role           TEXT    NOT NULL CHECK (role IN ('owner', 'staff')),
        password_hash  TEXT,
        created_at     INTEGER NOT NULL,
        disabled_at    INTEGER
      ) STRICT;

      -- Tokens are kept as their SHA-256 only: a copy of the archive (a backup) signs no one in.
      CREATE TABLE sign_in_links (
        token_hash  TEXT    PRIMARY KEY,
        user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX sign_in_links_by_user ON sign_in_links (user_id);

      CREATE TABLE sign_in_sessions (
        token_hash    TEXT    PRIMARY KEY,
        user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at    INTEGER NOT NULL,
        last_seen_at  INTEGER NOT NULL,
        expires_at    INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX sign_in_sessions_by_user ON sign_in_sessions (user_id);

      -- Who did what, when, to what, from where. Never message contents; actor is a name, not a
      -- reference, so the record outlives a removed account.
      CREATE TABLE audit_log (
        id       INTEGER PRIMARY KEY,
        at       INTEGER NOT NULL,
        actor    TEXT    NOT NULL,
        action   TEXT    NOT NULL,
        target   TEXT,
        address  TEXT,
        detail   TEXT
      ) STRICT;
      -- Erasing a session replaces its id where the log names it (an export of it, say).
      CREATE INDEX audit_log_by_target ON audit_log (target) WHERE target IS NOT NULL;
    `,
  },
];

export const LATEST_VERSION = MIGRATIONS.length === 0 ? 0 : MIGRATIONS[MIGRATIONS.length - 1]!.version;
