-- The grid's machine types as the orchestrator last published them (GridCapacityChanged on
-- rgrid.cluster.v1): one row. Submissions that no type can hold are refused with 422 UNSCHEDULABLE;
-- with no row (nothing published yet) nothing is refused.
CREATE TABLE api.grid_capacity (
    id            TEXT PRIMARY KEY,
    provider      TEXT NOT NULL,
    machine_types JSONB NOT NULL,
    at            TIMESTAMPTZ NOT NULL
);
