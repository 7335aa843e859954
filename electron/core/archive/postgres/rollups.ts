/**
 * The Overview's hourly rollups in PostgreSQL (migration 6; sqlite/migrations.ts version 13 is the
 * SQLite store's): per UTC hour, the sessions' counts and sums by mode, reason, duration bucket and
 * tool, each caller's first session, and tool calls per session. reads/overview.ts reads them for
 * the whole hours of a period and the sessions index for its ragged edges.
 *
 * Kept by triggers, in the transaction that changes the rows they count, so they cannot drift
 * whichever path changes a session: set-based ingest, a late session.started moving a start, the
 * triage identifying a caller, erasure of a session or a caller, and retention. (Maintaining them in
 * the statements of writes/ instead would repeat the arithmetic in each of those paths.)
 *
 * The triggers are statement-level with transition tables: a batch of sessions becomes one upsert
 * per rollup, its rows grouped and sorted by key, so two writers lock a rollup's rows in the same
 * order. Like the kept counts (migration 4), every rollup row also has a slot, the writing
 * connection's (pg_backend_pid() % 16): two hubs writing calls of the same hour add to their own
 * rows instead of waiting for each other's commit; reads sum the slots. What remains possible (two
 * connections of one slot meeting in opposite orders across statements) is a deadlock the server
 * breaks and the group committer retries, never a lost count: upserts add deltas
 * (n = n + excluded.n).
 */

/** Hour of a start in ms: integer division, as the SQLite rollups and reads/overview.ts use. */
const HOUR = (column: string) => `${column} / 3600000`;
/** 0 voice, 1 text, 2 anything else. */
const MODE = (column: string) => `(CASE ${column} WHEN 'voice' THEN 0 WHEN 'text' THEN 1 ELSE 2 END)::smallint`;
/** The DURATION_BUCKETS index (shared/overview.ts), written out: a shipped migration never changes. */
const BUCKET = (column: string) =>
  `(CASE WHEN ${column} < 30 THEN 0 WHEN ${column} < 60 THEN 1 WHEN ${column} < 120 THEN 2 WHEN ${column} < 300 THEN 3 WHEN ${column} < 600 THEN 4 WHEN ${column} < 1200 THEN 5 ELSE 6 END)::smallint`;
const SLOT = '(pg_backend_pid() % 16)::smallint';
/** A message that is a tool call (reads/overview.ts TOOL_CALL). */
const TOOL_CALL = (m: string) => `(${m}.tool_name IS NOT NULL OR ${m}.tool_arguments IS NOT NULL OR ${m}.tool_result IS NOT NULL OR ${m}.tool_error IS NOT NULL)`;

/**
 * One statement adding a signed set of session rows (`delta`: the session columns and `sign`) to
 * the hour, reason and duration rollups, each upsert sorted by its key.
 */
function addSessions(delta: string): string {
  return `
    WITH delta AS (${delta}),
    hours AS (
      INSERT INTO overview_hours AS o (hour, mode, slot, sessions, timed, seconds, tool_calls, tool_failures, files, with_files, with_caller)
      SELECT ${HOUR('d.sort_at_ms')}, ${MODE('d.mode')}, ${SLOT}, sum(d.sign), coalesce(sum(d.sign) FILTER (WHERE d.duration_seconds IS NOT NULL), 0),
             coalesce(sum(d.sign * d.duration_seconds), 0), sum(d.sign * d.tool_call_count), sum(d.sign * d.tool_error_count), sum(d.sign * d.file_count),
             coalesce(sum(d.sign) FILTER (WHERE d.file_count > 0), 0), coalesce(sum(d.sign) FILTER (WHERE d.caller_key IS NOT NULL), 0)
      FROM delta d GROUP BY 1, 2 ORDER BY 1, 2
      ON CONFLICT (hour, mode, slot) DO UPDATE SET sessions = o.sessions + excluded.sessions, timed = o.timed + excluded.timed,
        seconds = o.seconds + excluded.seconds, tool_calls = o.tool_calls + excluded.tool_calls, tool_failures = o.tool_failures + excluded.tool_failures,
        files = o.files + excluded.files, with_files = o.with_files + excluded.with_files, with_caller = o.with_caller + excluded.with_caller
    ),
    reasons AS (
      INSERT INTO overview_hour_reasons AS o (hour, reason, slot, sessions)
      SELECT ${HOUR('d.sort_at_ms')}, d.reason, ${SLOT}, sum(d.sign) FROM delta d WHERE d.reason IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2
      ON CONFLICT (hour, reason, slot) DO UPDATE SET sessions = o.sessions + excluded.sessions
    )
    -- (the last one is the statement itself: PL/pgSQL runs no bare SELECT)
    INSERT INTO overview_hour_durations AS o (hour, bucket, slot, sessions)
    SELECT ${HOUR('d.sort_at_ms')}, ${BUCKET('d.duration_seconds')}, ${SLOT}, sum(d.sign) FROM delta d WHERE d.duration_seconds IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (hour, bucket, slot) DO UPDATE SET sessions = o.sessions + excluded.sessions`;
}

const SESSION_COLUMNS = 'session_id, sort_at_ms, mode, duration_seconds, reason, tool_call_count, tool_error_count, file_count, caller_key';
/** What the rollups count of a session: an update that changes none of it changes no rollup. */
const COUNTED = (r: string) =>
  `(${r}.sort_at_ms, ${r}.mode, ${r}.duration_seconds, ${r}.reason, ${r}.tool_call_count, ${r}.tool_error_count, ${r}.file_count, ${r}.caller_key)`;

/** Each caller's first session: new starts (`rows`: caller_key, sort_at_ms) can only make it earlier. */
const callersFromNew = (rows: string) => `
  INSERT INTO caller_firsts AS c (caller_key, first_at)
  SELECT r.caller_key, min(r.sort_at_ms) FROM (${rows}) r WHERE r.caller_key IS NOT NULL GROUP BY r.caller_key ORDER BY r.caller_key
  ON CONFLICT (caller_key) DO UPDATE SET first_at = least(c.first_at, excluded.first_at);`;
/**
 * Callers (`keys`: caller_key) whose session went or moved: their first is looked up again
 * (sessions_by_caller), or they are no longer known.
 */
const callersFromOld = (keys: string) => `
  DELETE FROM caller_firsts c WHERE c.caller_key IN (SELECT k.caller_key FROM (${keys}) k)
    AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.caller_key = c.caller_key);
  UPDATE caller_firsts c SET first_at = (SELECT min(s.sort_at_ms) FROM sessions s WHERE s.caller_key = c.caller_key)
    WHERE c.caller_key IN (SELECT k.caller_key FROM (${keys}) k);`;
/** The sessions of an update whose caller or start changed. */
const CALLER_MOVED = `FROM old_rows o JOIN new_rows n USING (session_id) WHERE (o.caller_key, o.sort_at_ms) IS DISTINCT FROM (n.caller_key, n.sort_at_ms)`;

/** Tool rows of a signed set of session_tools rows, into overview_hour_tools. */
function addTools(delta: string): string {
  return `
    INSERT INTO overview_hour_tools AS o (hour, tool_name, slot, calls, failures, sessions, failed_sessions)
    SELECT ${HOUR('d.sort_at_ms')}, d.tool_name, ${SLOT}, sum(d.sign * d.calls), sum(d.sign * d.failures), sum(d.sign), coalesce(sum(d.sign) FILTER (WHERE d.failures > 0), 0)
    FROM (${delta}) d GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (hour, tool_name, slot) DO UPDATE SET calls = o.calls + excluded.calls, failures = o.failures + excluded.failures,
      sessions = o.sessions + excluded.sessions, failed_sessions = o.failed_sessions + excluded.failed_sessions;`;
}

export const OVERVIEW_ROLLUPS_SQL = `
  -- The period's follow-ups by their session's start (the triage keeps follow_ups.sort_at_ms).
  CREATE INDEX follow_ups_by_time ON follow_ups (sort_at_ms, state, snoozed_until);

  -- Tool calls per session and tool name ('' for a call without one), from the messages as they
  -- are inserted (the only way a message is written); sort_at_ms is the session's, kept when a
  -- late session.started moves the start.
  CREATE TABLE session_tools (
    session_id  text COLLATE "C" NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
    tool_name   text COLLATE "C" NOT NULL,
    sort_at_ms  bigint NOT NULL,
    calls       integer NOT NULL CHECK (calls > 0),
    failures    integer NOT NULL CHECK (failures BETWEEN 0 AND calls),
    PRIMARY KEY (session_id, tool_name)
  );
  CREATE INDEX session_tools_by_time ON session_tools (sort_at_ms);

  -- hour: sort_at_ms / 3600000 (UTC). mode: 0 voice, 1 text, 2 anything else. slot: see above.
  -- Keyed by hour first: a period is one range of each, grouped by hash (nothing is sorted).
  CREATE TABLE overview_hours (
    hour           bigint NOT NULL,
    mode           smallint NOT NULL,
    slot           smallint NOT NULL,
    sessions       bigint NOT NULL,
    timed          bigint NOT NULL,             -- with a duration
    seconds        double precision NOT NULL,
    tool_calls     bigint NOT NULL,
    tool_failures  bigint NOT NULL,
    files          bigint NOT NULL,
    with_files     bigint NOT NULL,
    with_caller    bigint NOT NULL,             -- the caller is known (caller_key)
    PRIMARY KEY (hour, mode, slot)
  );
  CREATE TABLE overview_hour_reasons (
    hour      bigint NOT NULL,
    reason    text COLLATE "C" NOT NULL,
    slot      smallint NOT NULL,
    sessions  bigint NOT NULL,
    PRIMARY KEY (hour, reason, slot)
  );
  -- bucket: the index in DURATION_BUCKETS (shared/overview.ts): under 30 s, 1, 2, 5, 10, 20 min, more.
  CREATE TABLE overview_hour_durations (
    hour      bigint NOT NULL,
    bucket    smallint NOT NULL,
    slot      smallint NOT NULL,
    sessions  bigint NOT NULL,
    PRIMARY KEY (hour, bucket, slot)
  );
  CREATE TABLE overview_hour_tools (
    hour             bigint NOT NULL,
    tool_name        text COLLATE "C" NOT NULL,
    slot             smallint NOT NULL,
    calls            bigint NOT NULL,
    failures         bigint NOT NULL,
    sessions         bigint NOT NULL,
    failed_sessions  bigint NOT NULL,
    PRIMARY KEY (hour, tool_name, slot)
  );
  -- Each known caller's first session in the archive: new callers of a period are a range here.
  CREATE TABLE caller_firsts (
    caller_key  text COLLATE "C" PRIMARY KEY,
    first_at    bigint NOT NULL
  );
  CREATE INDEX caller_firsts_by_time ON caller_firsts (first_at);

  -- The archive as it is (slot 0), before the triggers exist, so nothing is counted twice.
  INSERT INTO session_tools (session_id, tool_name, sort_at_ms, calls, failures)
    SELECT m.session_id, coalesce(m.tool_name, ''), s.sort_at_ms, count(*), count(m.tool_error)
    FROM messages m JOIN sessions s ON s.session_id = m.session_id
    WHERE ${TOOL_CALL('m')}
    GROUP BY m.session_id, coalesce(m.tool_name, ''), s.sort_at_ms;
  INSERT INTO caller_firsts (caller_key, first_at)
    SELECT caller_key, min(sort_at_ms) FROM sessions WHERE caller_key IS NOT NULL GROUP BY caller_key;
  INSERT INTO overview_hours (hour, mode, slot, sessions, timed, seconds, tool_calls, tool_failures, files, with_files, with_caller)
    SELECT ${HOUR('s.sort_at_ms')}, ${MODE('s.mode')}, 0, count(*), count(s.duration_seconds), coalesce(sum(s.duration_seconds), 0),
           sum(s.tool_call_count), sum(s.tool_error_count), sum(s.file_count), count(*) FILTER (WHERE s.file_count > 0), count(s.caller_key)
    FROM sessions s GROUP BY 1, 2;
  INSERT INTO overview_hour_reasons (hour, reason, slot, sessions)
    SELECT ${HOUR('s.sort_at_ms')}, s.reason, 0, count(*) FROM sessions s WHERE s.reason IS NOT NULL GROUP BY 1, 2;
  INSERT INTO overview_hour_durations (hour, bucket, slot, sessions)
    SELECT ${HOUR('s.sort_at_ms')}, ${BUCKET('s.duration_seconds')}, 0, count(*) FROM sessions s WHERE s.duration_seconds IS NOT NULL GROUP BY 1, 2;
  INSERT INTO overview_hour_tools (hour, tool_name, slot, calls, failures, sessions, failed_sessions)
    SELECT ${HOUR('t.sort_at_ms')}, t.tool_name, 0, sum(t.calls), sum(t.failures), count(*), count(*) FILTER (WHERE t.failures > 0)
    FROM session_tools t GROUP BY 1, 2;

  -- Sessions: added (+1) and removed (-1) rows; an update is its old rows removed and its new rows
  -- added, only for the rows whose counted columns changed (most updates write the search document).
  CREATE FUNCTION overview_sessions_inserted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    ${addSessions(`SELECT ${SESSION_COLUMNS}, 1 AS sign FROM new_rows`)};
    ${callersFromNew('SELECT caller_key, sort_at_ms FROM new_rows')}
    RETURN NULL;
  END $$;
  CREATE FUNCTION overview_sessions_deleted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    ${addSessions(`SELECT ${SESSION_COLUMNS}, -1 AS sign FROM old_rows`)};
    ${callersFromOld('SELECT caller_key FROM old_rows WHERE caller_key IS NOT NULL')}
    RETURN NULL;
  END $$;
  CREATE FUNCTION overview_sessions_updated() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n USING (session_id) WHERE ${COUNTED('o')} IS DISTINCT FROM ${COUNTED('n')}) THEN
      RETURN NULL;
    END IF;
    ${addSessions(
      `SELECT ${SESSION_COLUMNS}, 1 AS sign FROM new_rows n WHERE EXISTS (SELECT 1 FROM old_rows o WHERE o.session_id = n.session_id AND ${COUNTED('o')} IS DISTINCT FROM ${COUNTED('n')})
       UNION ALL
       SELECT ${SESSION_COLUMNS}, -1 AS sign FROM old_rows o WHERE EXISTS (SELECT 1 FROM new_rows n WHERE n.session_id = o.session_id AND ${COUNTED('o')} IS DISTINCT FROM ${COUNTED('n')})`,
    )};
    -- The session's tool rows follow its start (their own trigger moves their hours).
    UPDATE session_tools t SET sort_at_ms = n.sort_at_ms
      FROM old_rows o JOIN new_rows n USING (session_id)
      WHERE t.session_id = n.session_id AND o.sort_at_ms <> n.sort_at_ms;
    ${callersFromOld(`SELECT o.caller_key ${CALLER_MOVED} AND o.caller_key IS NOT NULL`)}
    ${callersFromNew(`SELECT n.caller_key, n.sort_at_ms ${CALLER_MOVED}`)}
    RETURN NULL;
  END $$;
  CREATE TRIGGER overview_sessions_inserted AFTER INSERT ON sessions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION overview_sessions_inserted();
  CREATE TRIGGER overview_sessions_deleted AFTER DELETE ON sessions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION overview_sessions_deleted();
  CREATE TRIGGER overview_sessions_updated AFTER UPDATE ON sessions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION overview_sessions_updated();

  -- Messages: a batch's tool calls, per session and tool, into session_tools.
  CREATE FUNCTION session_tools_from_messages() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    INSERT INTO session_tools AS t (session_id, tool_name, sort_at_ms, calls, failures)
      SELECT m.session_id, coalesce(m.tool_name, ''), s.sort_at_ms, count(*), count(m.tool_error)
      FROM new_rows m JOIN sessions s ON s.session_id = m.session_id
      WHERE ${TOOL_CALL('m')}
      GROUP BY 1, 2, 3 ORDER BY 1, 2
      ON CONFLICT (session_id, tool_name) DO UPDATE SET calls = t.calls + excluded.calls, failures = t.failures + excluded.failures;
    RETURN NULL;
  END $$;
  CREATE TRIGGER session_tools_from_messages AFTER INSERT ON messages
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION session_tools_from_messages();

  -- session_tools into the hourly tool rollup (its rows go with their session by cascade).
  CREATE FUNCTION overview_tools_inserted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    ${addTools('SELECT tool_name, sort_at_ms, calls, failures, 1 AS sign FROM new_rows')}
    RETURN NULL;
  END $$;
  CREATE FUNCTION overview_tools_deleted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    ${addTools('SELECT tool_name, sort_at_ms, calls, failures, -1 AS sign FROM old_rows')}
    RETURN NULL;
  END $$;
  CREATE FUNCTION overview_tools_updated() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    ${addTools('SELECT tool_name, sort_at_ms, calls, failures, 1 AS sign FROM new_rows UNION ALL SELECT tool_name, sort_at_ms, calls, failures, -1 AS sign FROM old_rows')}
    RETURN NULL;
  END $$;
  CREATE TRIGGER overview_tools_inserted AFTER INSERT ON session_tools
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION overview_tools_inserted();
  CREATE TRIGGER overview_tools_deleted AFTER DELETE ON session_tools
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION overview_tools_deleted();
  CREATE TRIGGER overview_tools_updated AFTER UPDATE ON session_tools
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION overview_tools_updated();
`;
