-- The calibration a batch was read with is a calibration.Summary, stored as a JSON
-- value the database understands, not as text that happens to hold JSON (issue 15):
-- no batch without one holds an empty string.
ALTER TABLE batches ALTER COLUMN calibration DROP DEFAULT;
ALTER TABLE batches ALTER COLUMN calibration DROP NOT NULL;
ALTER TABLE batches ALTER COLUMN calibration TYPE JSONB USING NULLIF(calibration, '')::jsonb;
