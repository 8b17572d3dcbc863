-- The live event stream (ExecutionEventsRoute) reads transitions by the id of the transaction that
-- wrote them, compared with the oldest transaction still running, so a late commit is never skipped.
-- Rows written before this migration keep NULL: they are history, never news.
ALTER TABLE api.execution_transitions ADD COLUMN tx_id xid8;
ALTER TABLE api.execution_transitions ALTER COLUMN tx_id SET DEFAULT pg_current_xact_id();
CREATE INDEX execution_transitions_tx ON api.execution_transitions (tx_id);
