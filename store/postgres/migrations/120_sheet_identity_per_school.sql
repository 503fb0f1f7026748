-- A sheet is known by its school and its printed serial, not by the serial alone
-- (issue 10): every school prints its sheets from serial 000001, so two schools'
-- sheets must never be one sheet. The tables keyed by a sheet get the school in their
-- keys.
--
-- Each sheet also keeps the IIN of its current reading, and each scan the IIN read on
-- the page and why it was refused (if it was), so scoring can tell that a registered
-- candidate has a page somewhere and is not absent.

ALTER TABLE sheet_versions ADD COLUMN school TEXT;
UPDATE sheet_versions v SET school = s.school FROM sheets s WHERE s.contest = v.contest AND s.serial = v.serial;
ALTER TABLE sheet_versions ALTER COLUMN school SET NOT NULL;
ALTER TABLE review_items ADD COLUMN school TEXT;
UPDATE review_items r SET school = s.school FROM sheets s WHERE s.contest = r.contest AND s.serial = r.serial;
ALTER TABLE review_items ALTER COLUMN school SET NOT NULL;

ALTER TABLE sheet_versions DROP CONSTRAINT sheet_versions_contest_serial_fkey;
ALTER TABLE review_items DROP CONSTRAINT review_items_contest_serial_fkey;
ALTER TABLE sheet_versions DROP CONSTRAINT sheet_versions_pkey;
ALTER TABLE sheets DROP CONSTRAINT sheets_pkey;
ALTER TABLE sheets ADD PRIMARY KEY (contest, school, serial);
ALTER TABLE sheet_versions ADD PRIMARY KEY (contest, school, serial, version);
ALTER TABLE sheet_versions ADD FOREIGN KEY (contest, school, serial) REFERENCES sheets (contest, school, serial);
ALTER TABLE review_items ADD FOREIGN KEY (contest, school, serial) REFERENCES sheets (contest, school, serial);
DROP INDEX review_items_open;
CREATE UNIQUE INDEX review_items_open ON review_items (contest, school, serial, field) WHERE NOT applied;
CREATE INDEX review_items_sheet ON review_items (contest, school, serial, id);

ALTER TABLE sheets ADD COLUMN iin TEXT NOT NULL DEFAULT '';
UPDATE sheets s SET iin = coalesce(v.reading::jsonb ->> 'iin', '')
    FROM sheet_versions v WHERE v.contest = s.contest AND v.school = s.school AND v.serial = s.serial AND v.version = s.current_version;
CREATE INDEX sheets_iin ON sheets (contest, iin);

ALTER TABLE scans ADD COLUMN iin TEXT NOT NULL DEFAULT '';
ALTER TABLE scans ADD COLUMN refusal TEXT NOT NULL DEFAULT '';
UPDATE scans SET iin = coalesce(reading::jsonb ->> 'iin', '');
-- What was refused before this migration: a serial of another school (which can no
-- longer happen) or a reading that does not fit its form.
UPDATE scans SET refusal = CASE WHEN status = 'rejected' THEN 'reader' ELSE 'identity' END WHERE outcome = 'rejected';
CREATE INDEX scans_iin ON scans (contest, iin);
CREATE INDEX scans_school ON scans (contest, school, created_at);
