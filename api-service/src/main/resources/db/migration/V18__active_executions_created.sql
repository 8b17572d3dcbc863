-- The reconciliation (io.rgrid.api.reconcile) pages over non-terminal executions in (created_at, id) order.
CREATE INDEX executions_active_created ON api.executions (created_at, id) WHERE state IN ('QUEUED', 'ASSIGNED', 'RUNNING');
