-- The calibration a batch was read with is a calibration.Summary (issue 15). SQLite
-- keeps JSON as text; these triggers refuse text that is not JSON, as PostgreSQL's
-- JSONB column does ('' stays "none sent", the column's default).
CREATE TRIGGER batches_calibration_json_insert BEFORE INSERT ON batches
WHEN NEW.calibration <> '' AND NOT json_valid(NEW.calibration)
BEGIN SELECT RAISE(ABORT, 'the batch calibration is not JSON'); END;

CREATE TRIGGER batches_calibration_json_update BEFORE UPDATE OF calibration ON batches
WHEN NEW.calibration <> '' AND NOT json_valid(NEW.calibration)
BEGIN SELECT RAISE(ABORT, 'the batch calibration is not JSON'); END;
