-- When the orchestrator applied the current attempt's RUNNING report (database clock): the
-- deadline counts from there, not from the assignment. NULL while ASSIGNED, and for rows RUNNING
-- before this column existed (their deadline counts from assigned_at).
ALTER TABLE executions ADD COLUMN running_at timestamptz;
