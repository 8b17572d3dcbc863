-- When the agent acknowledged the current attempt (database clock): the 2xx answer to its
-- assignment POST arrived, a fence found the agent holding it, or its RUNNING report was applied.
-- NULL while the POST may still be in flight: the missing-from-heartbeats check leaves such an
-- attempt to the dispatch fence and the re-send at start, and counts its grace from here.
ALTER TABLE executions ADD COLUMN acknowledged_at timestamptz;
-- Attempts already RUNNING were acknowledged by their report; ASSIGNED ones are re-sent at start.
UPDATE executions SET acknowledged_at = coalesce(running_at, assigned_at, now()) WHERE state = 'RUNNING';
