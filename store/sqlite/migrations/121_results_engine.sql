-- The results engine (issue 10): every published number is computed from stored scans
-- and recorded decisions, and a published grade is frozen until an amendment opens.

-- The policy a grade was scored with (contest.Policy as JSON), recorded once with its
-- scores and read by the ranking and the protocol.
ALTER TABLE result_sets ADD COLUMN policy TEXT NOT NULL DEFAULT '';

-- A ranking keeps every column of contest.Row, the record it persists.
ALTER TABLE ranking_rows ADD COLUMN math INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ranking_rows ADD COLUMN reading INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ranking_rows ADD COLUMN history INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ranking_rows ADD COLUMN olympiad INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ranking_rows ADD COLUMN myn_bala INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ranking_rows ADD COLUMN tie INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ranking_rows ADD COLUMN decided INTEGER NOT NULL DEFAULT 0;

-- A tie decision the chair withdrew or replaced stays, marked with who, when and why.
ALTER TABLE tie_decisions ADD COLUMN replaces BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tie_decisions ADD COLUMN withdrawn_at TIMESTAMP;
ALTER TABLE tie_decisions ADD COLUMN withdrawn_by TEXT NOT NULL DEFAULT '';
ALTER TABLE tie_decisions ADD COLUMN withdraw_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX tie_decisions_grade ON tie_decisions (contest, school, grade, id);

-- What the protocol needs of a school beyond its names and commission: the protocol's
-- number, the city and the contest's calendar (contest.Calendar as JSON).
CREATE TABLE sittings (
    contest     TEXT NOT NULL REFERENCES contests(id),
    school      TEXT NOT NULL REFERENCES schools(code),
    number      TEXT NOT NULL,
    city        TEXT NOT NULL,
    calendar    TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (contest, school)
);

-- Each edition of a grade's published protocol: the first publication and every
-- amendment, with its reason. The latest edition published means the grade is frozen.
CREATE TABLE publications (
    contest         TEXT NOT NULL REFERENCES contests(id),
    school          TEXT NOT NULL REFERENCES schools(code),
    grade           INTEGER NOT NULL,
    edition         INTEGER NOT NULL,
    state           TEXT NOT NULL,
    reason          TEXT NOT NULL,
    opened_by       TEXT NOT NULL,
    opened_at       TIMESTAMP NOT NULL,
    published_by    TEXT NOT NULL DEFAULT '',
    published_at    TIMESTAMP,
    results_sha256  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (contest, school, grade, edition)
);

-- The edition a protocol file was published as (0 while unpublished).
ALTER TABLE protocols ADD COLUMN edition INTEGER NOT NULL DEFAULT 0;

-- Grades published before this migration are edition 1, and frozen.
INSERT INTO publications (contest, school, grade, edition, state, reason, opened_by, opened_at, published_by, published_at)
    SELECT contest, school, grade, 1, 'published', '', min(created_by), min(published_at), min(created_by), min(published_at)
    FROM protocols WHERE published_at IS NOT NULL GROUP BY contest, school, grade;
UPDATE protocols SET edition = 1 WHERE published_at IS NOT NULL;
