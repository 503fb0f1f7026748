-- The calibration a scanner batch was read with (issue 5): the profile and the
-- batch's fill histogram as JSON (calibration.Summary), drawn on the dashboard.
ALTER TABLE batches ADD COLUMN calibration TEXT NOT NULL DEFAULT '';
