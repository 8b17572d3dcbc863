-- The byte length of the current attempt's stored log and the seq of its last live chunk, from the
-- worker's terminal report: the log stream's `end` event and GET /executions/{id} carry them, so a
-- follower can tell a complete log from a short one and fetch what it missed. NULL until a worker
-- reports the end of an attempt (and for rows written before this migration).
ALTER TABLE api.executions ADD COLUMN log_bytes BIGINT, ADD COLUMN log_last_seq BIGINT;
