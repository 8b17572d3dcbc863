-- The dispatcher's candidates are each project's oldest queued executions (fairness across
-- projects: one project's backlog never hides another project's work from a round).
CREATE INDEX executions_queued_by_project ON executions (project_id, submitted_at, id) WHERE state = 'QUEUED';
