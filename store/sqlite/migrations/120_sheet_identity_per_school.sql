-- A sheet is known by its school and its printed serial, not by the serial alone
-- (issue 10): every school prints its sheets from serial 000001, so two schools'
-- sheets must never be one sheet. The tables keyed by a sheet are rebuilt with the
-- school in their keys; SQLite cannot change a primary key in place. Each new table
-- is created, filled, and the old ones dropped children first, so no foreign key is
-- ever broken on the way.
--
-- Each sheet also keeps the IIN of its current reading, and each scan the IIN read on
-- the page and why it was refused (if it was), so scoring can tell that a registered
-- candidate has a page somewhere and is not absent.

CREATE TABLE sheets_new (
    contest          TEXT NOT NULL REFERENCES contests(id),
    school           TEXT NOT NULL REFERENCES schools(code),
    serial           TEXT NOT NULL,
    form             TEXT NOT NULL,
    state            TEXT NOT NULL,
    current_version  INTEGER NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    iin              TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (contest, school, serial)
);
INSERT INTO sheets_new (contest, school, serial, form, state, current_version, updated_at, iin)
    SELECT s.contest, s.school, s.serial, s.form, s.state, s.current_version, s.updated_at,
           coalesce(json_extract(v.reading, '$.iin'), '')
    FROM sheets s JOIN sheet_versions v ON v.contest = s.contest AND v.serial = s.serial AND v.version = s.current_version;

CREATE TABLE sheet_versions_new (
    contest     TEXT NOT NULL,
    school      TEXT NOT NULL,
    serial      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    source      TEXT NOT NULL,
    image_sha   TEXT NOT NULL,
    reading     TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (contest, school, serial, version),
    FOREIGN KEY (contest, school, serial) REFERENCES sheets_new (contest, school, serial)
);
INSERT INTO sheet_versions_new (contest, school, serial, version, source, image_sha, reading, created_by, created_at)
    SELECT v.contest, s.school, v.serial, v.version, v.source, v.image_sha, v.reading, v.created_by, v.created_at
    FROM sheet_versions v JOIN sheets s ON s.contest = v.contest AND s.serial = v.serial;

CREATE TABLE review_items_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    contest      TEXT NOT NULL,
    school       TEXT NOT NULL,
    serial       TEXT NOT NULL,
    field        TEXT NOT NULL,
    version      INTEGER NOT NULL,
    machine      TEXT NOT NULL,
    has_machine  INTEGER NOT NULL,
    candidates   TEXT NOT NULL,
    confidence   REAL NOT NULL,
    crop_sha     TEXT NOT NULL,
    state        TEXT NOT NULL,
    final_value  TEXT NOT NULL,
    applied      INTEGER NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (contest, school, serial) REFERENCES sheets_new (contest, school, serial)
);
INSERT INTO review_items_new (id, contest, school, serial, field, version, machine, has_machine, candidates, confidence, crop_sha, state, final_value, applied, created_at, reason)
    SELECT r.id, r.contest, s.school, r.serial, r.field, r.version, r.machine, r.has_machine, r.candidates, r.confidence, r.crop_sha, r.state, r.final_value, r.applied, r.created_at, r.reason
    FROM review_items r JOIN sheets s ON s.contest = r.contest AND s.serial = r.serial;

CREATE TABLE review_decisions_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id     INTEGER NOT NULL REFERENCES review_items_new(id),
    reviewer    TEXT NOT NULL,
    value       TEXT NOT NULL,
    chair       INTEGER NOT NULL,
    decided_at  TIMESTAMP NOT NULL
);
INSERT INTO review_decisions_new (id, item_id, reviewer, value, chair, decided_at)
    SELECT id, item_id, reviewer, value, chair, decided_at FROM review_decisions;

DROP TABLE review_decisions;
DROP TABLE review_items;
DROP TABLE sheet_versions;
DROP TABLE sheets;
ALTER TABLE sheets_new RENAME TO sheets;
ALTER TABLE sheet_versions_new RENAME TO sheet_versions;
ALTER TABLE review_items_new RENAME TO review_items;
ALTER TABLE review_decisions_new RENAME TO review_decisions;

CREATE INDEX sheets_school ON sheets (contest, school, state, serial);
CREATE INDEX sheets_iin ON sheets (contest, iin);
CREATE UNIQUE INDEX review_items_open ON review_items (contest, school, serial, field) WHERE NOT applied;
CREATE INDEX review_items_state ON review_items (state) WHERE state <> 'final';
CREATE INDEX review_items_sheet ON review_items (contest, school, serial, id);
CREATE INDEX review_decisions_item ON review_decisions (item_id, id);

ALTER TABLE scans ADD COLUMN iin TEXT NOT NULL DEFAULT '';
ALTER TABLE scans ADD COLUMN refusal TEXT NOT NULL DEFAULT '';
UPDATE scans SET iin = coalesce(json_extract(reading, '$.iin'), '');
-- What was refused before this migration: a serial of another school (which can no
-- longer happen) or a reading that does not fit its form.
UPDATE scans SET refusal = CASE WHEN status = 'rejected' THEN 'reader' ELSE 'identity' END WHERE outcome = 'rejected';
CREATE INDEX scans_iin ON scans (contest, iin);
CREATE INDEX scans_school ON scans (contest, school, created_at);
