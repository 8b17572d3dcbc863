-- The leader lease (service-platform's io.rgrid.platform.leader): one row per elected role
-- ('orchestrator'), written only by LeaderLease's rounds; expires_at is on the database's clock.
CREATE TABLE leader_lease (
    name       text PRIMARY KEY,
    holder     text NOT NULL,
    expires_at timestamptz NOT NULL,
    term       bigint NOT NULL
);
