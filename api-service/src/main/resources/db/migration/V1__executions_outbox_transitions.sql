-- The system of record for executions as users see them (schema api, owned by api-service only).

CREATE TABLE api.executions (
    id                  uuid        PRIMARY KEY,
    project_id          text        NOT NULL,
    state               text        NOT NULL,
    attempt             integer     NOT NULL,
    spec                jsonb       NOT NULL,
    script_name         text        NOT NULL,
    -- input file names in submission order, as a JSON array
    inputs              jsonb       NOT NULL,
    has_requirements    boolean     NOT NULL,
    worker_id           text,
    exit_code           integer,
    reason              text,
    message             text,
    cancel_requested_at timestamptz,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    started_at          timestamptz,
    finished_at         timestamptz
);

CREATE INDEX executions_project_created ON api.executions (project_id, created_at DESC);

-- Events written in the same transaction as the change they announce; the relay publishes them.
CREATE TABLE api.outbox (
    id           bigserial   PRIMARY KEY,
    topic        text        NOT NULL,
    event_key    text        NOT NULL,
    event_type   text        NOT NULL,
    payload      bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);

-- The relay only ever scans unpublished rows; keep that scan small however long the table grows.
CREATE INDEX outbox_unpublished ON api.outbox (id) WHERE published_at IS NULL;

-- Every state change applied to an execution, for the timeline view.
CREATE TABLE api.execution_transitions (
    id           bigserial   PRIMARY KEY,
    execution_id uuid        NOT NULL REFERENCES api.executions (id) ON DELETE CASCADE,
    attempt      integer     NOT NULL,
    -- null for the first entry (the submission)
    from_state   text,
    to_state     text        NOT NULL,
    at           timestamptz NOT NULL,
    reported_by  text        NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX execution_transitions_execution ON api.execution_transitions (execution_id, id);
