-- When a worker's server was deleted: its billing ends there (cost = started billing periods
-- between created_at and deleted_at, or now for a live one).
ALTER TABLE workers ADD COLUMN deleted_at timestamptz;
UPDATE workers SET deleted_at = updated_at WHERE state = 'DELETED';
