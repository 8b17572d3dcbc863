-- The web dashboard (issue 11): browser sessions, queue-depth samples, cost per day, heartbeats.

-- A browser's login: the key it presented is kept only as the SHA-256 that api_keys also stores
-- (admin sessions: of API_SECRET_KEY), so revoking the key or changing the admin key ends the
-- session at its next request. The cookie value is kept as a SHA-256 too.
CREATE TABLE api.sessions (
    id_hash     text        PRIMARY KEY,
    project_id  text        NOT NULL,
    admin       boolean     NOT NULL,
    key_hash    text        NOT NULL,
    csrf_token  text        NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);

CREATE INDEX sessions_expires ON api.sessions (expires_at);

-- Queue depth over time, one row per sample time and project (project '*' = the whole grid, always
-- written, so a sample time with no row for a project means zero there). Sample times are aligned
-- to the sampling interval, so several api-service instances write each sample once.
CREATE TABLE api.queue_samples (
    at          timestamptz NOT NULL,
    project_id  text        NOT NULL,
    queued      integer     NOT NULL,
    assigned    integer     NOT NULL,
    running     integer     NOT NULL,
    PRIMARY KEY (at, project_id)
);

-- Cost per UTC day from the orchestrator's CostSnapshots: the latest running total seen that day.
-- A day's cost is its total minus the previous day's (the total only grows).
CREATE TABLE api.cost_days (
    day         date        PRIMARY KEY,
    total_eur   double precision NOT NULL,
    at          timestamptz NOT NULL
);

-- The latest heartbeat of each worker (rgrid.worker-heartbeats.v1), for heartbeat age and slots in use.
CREATE TABLE api.worker_heartbeats (
    worker_id      text        PRIMARY KEY,
    at             timestamptz NOT NULL,
    slots          integer     NOT NULL,
    running        integer     NOT NULL,
    free_cpus      double precision NOT NULL,
    free_memory_mb integer     NOT NULL,
    draining       boolean     NOT NULL,
    runtime        text,
    agent_version  text
);

-- The live event stream reads what changed recently.
CREATE INDEX executions_updated ON api.executions (updated_at);
