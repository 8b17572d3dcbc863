-- Project API keys: only a SHA-256 of the key is stored; the plaintext is shown once, at creation.
CREATE TABLE api.api_keys (
    id          uuid        PRIMARY KEY,
    project_id  text        NOT NULL,
    name        text        NOT NULL,
    key_hash    text        NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);

-- A retry is a new execution that names the one it retries.
ALTER TABLE api.executions ADD COLUMN retry_of uuid;

-- Listing across projects (admin) pages over (created_at, id).
CREATE INDEX executions_created ON api.executions (created_at DESC, id DESC);
CREATE INDEX executions_project_state ON api.executions (project_id, state);

-- Idempotency-Key of a submission: the same key and body answer with the same execution.
CREATE TABLE api.idempotency_keys (
    project_id    text        NOT NULL,
    key           text        NOT NULL,
    request_hash  text        NOT NULL,
    execution_id  uuid        NOT NULL REFERENCES api.executions (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (project_id, key)
);

-- Read model of rgrid.cluster.v1 (the orchestrator's view), so the API never reads its tables.
CREATE TABLE api.workers (
    worker_id        text        PRIMARY KEY,
    state            text        NOT NULL,
    provider         text,
    server_type      text,
    created_at       timestamptz,
    hourly_price_eur double precision NOT NULL DEFAULT 0,
    detail           text,
    -- occurredAt of the event applied last: an older event never overwrites a newer one
    updated_at       timestamptz NOT NULL
);

CREATE TABLE api.execution_waits (
    execution_id uuid        PRIMARY KEY,
    reason       text        NOT NULL,
    eta_seconds  integer,
    detail       text,
    updated_at   timestamptz NOT NULL
);

-- One row: the latest cost snapshot.
CREATE TABLE api.cost_snapshot (
    id             text        PRIMARY KEY,
    at             timestamptz NOT NULL,
    total_eur      double precision NOT NULL,
    per_worker_eur jsonb       NOT NULL
);
