-- Expiry of dashboard sessions and Idempotency-Keys (rgrid.dashboard.session-idle-timeout,
-- rgrid.api.idempotency-key-retention, rgrid.cleanup.*).

-- When the session was last used (refreshed at most about once a minute): idle sessions end.
ALTER TABLE api.sessions ADD COLUMN last_used_at timestamptz;
UPDATE api.sessions SET last_used_at = created_at;
ALTER TABLE api.sessions ALTER COLUMN last_used_at SET NOT NULL;
CREATE INDEX sessions_last_used ON api.sessions (last_used_at);

-- The cleanup deletes keys past their retention in batches of the oldest.
CREATE INDEX idempotency_keys_created ON api.idempotency_keys (created_at);
