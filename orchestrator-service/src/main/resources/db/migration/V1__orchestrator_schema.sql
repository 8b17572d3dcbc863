-- The orchestrator's own copy of every execution it has to place, the workers it knows,
-- and the events waiting to be published (transactional outbox).

CREATE TABLE executions (
    id               uuid PRIMARY KEY,
    project_id       text        NOT NULL,
    attempt          integer     NOT NULL,
    state            text        NOT NULL,
    spec             jsonb       NOT NULL,
    script_key       text        NOT NULL,
    input_keys       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    requirements_key text,
    max_attempts     integer     NOT NULL,
    worker_id        text,
    assigned_at      timestamptz,
    -- Set when a cancel arrives while a worker holds the execution: if that worker is lost the
    -- execution ends CANCELLED instead of being requeued.
    cancel_requested boolean     NOT NULL DEFAULT false,
    failure_reason   text,
    submitted_at     timestamptz NOT NULL,
    queued_at        timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);

CREATE INDEX executions_queued ON executions (submitted_at, id) WHERE state = 'QUEUED';
CREATE INDEX executions_on_worker ON executions (worker_id) WHERE state IN ('ASSIGNED', 'RUNNING');

CREATE TABLE workers (
    id                text PRIMARY KEY,
    provider          text        NOT NULL,
    -- The provider's own handle (a Hetzner server id, a local process id).
    provider_handle   text,
    server_type       text,
    hourly_price_eur  double precision NOT NULL DEFAULT 0,
    address           text,
    token             text,
    state             text        NOT NULL,
    state_detail      text,
    slots             integer     NOT NULL DEFAULT 0,
    free_cpus         double precision NOT NULL DEFAULT 0,
    free_memory_mb    integer     NOT NULL DEFAULT 0,
    -- Capacity derived at each heartbeat: what it reported free plus what the attempts it holds
    -- reserve. The dispatcher subtracts its own reservations from these, so work assigned since
    -- the last heartbeat is counted.
    total_cpus        double precision NOT NULL DEFAULT 0,
    total_memory_mb   integer     NOT NULL DEFAULT 0,
    runtime           text,
    agent_version     text,
    created_at        timestamptz NOT NULL,
    last_heartbeat_at timestamptz,
    updated_at        timestamptz NOT NULL
);

CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    topic        text        NOT NULL,
    key          text        NOT NULL,
    payload      text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);

CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
