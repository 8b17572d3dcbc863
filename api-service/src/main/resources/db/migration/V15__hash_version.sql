-- Issue 22: key and session hashes become HMAC-SHA256(API_HASH_SECRET, SHA-256(key)). Every row
-- written so far holds the plain SHA-256 (version 1); api-service converts them in place at start
-- (io.rgrid.api.keys.HashMigration, one transaction), so no key has to be re-issued. New rows are
-- written as version 2.
ALTER TABLE api.api_keys ADD COLUMN hash_version smallint NOT NULL DEFAULT 1;
ALTER TABLE api.sessions ADD COLUMN hash_version smallint NOT NULL DEFAULT 1;
