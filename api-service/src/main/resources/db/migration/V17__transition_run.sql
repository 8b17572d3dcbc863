-- The run a worker's report named (StorageKeys.runPrefix: executions/{id}/attempts/{n}/runs/{run}/).
-- The run of an attempt whose objects the API serves is the one named by the attempt's latest applied
-- transition that names one: the outcome's, once the outcome was accepted. NULL for the orchestrator's
-- reports and for rows written before runs, whose objects are in the layout without runs.
ALTER TABLE api.execution_transitions ADD COLUMN run TEXT;
