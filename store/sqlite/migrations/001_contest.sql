-- The contest's catalogue, scanned sheets with their reading versions, review,
-- results, protocols, users and the audit log. Nothing here is ever updated in place
-- except the pointers to a current version (sheets.current_version,
-- current_results.set_id) and the state of a review item.

CREATE TABLE contests (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    year        INTEGER NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE schools (
    code     TEXT PRIMARY KEY,
    name_kk  TEXT NOT NULL,
    name_ru  TEXT NOT NULL,
    region   TEXT NOT NULL DEFAULT ''
);

CREATE TABLE seats (
    contest  TEXT NOT NULL REFERENCES contests(id),
    school   TEXT NOT NULL REFERENCES schools(code),
    grade    INTEGER NOT NULL,
    seats    INTEGER NOT NULL CHECK (seats >= 0),
    quota    INTEGER CHECK (quota >= 0),
    PRIMARY KEY (contest, school, grade)
);

CREATE TABLE members (
    contest   TEXT NOT NULL REFERENCES contests(id),
    school    TEXT NOT NULL REFERENCES schools(code),
    ord       INTEGER NOT NULL,
    name      TEXT NOT NULL,
    position  TEXT NOT NULL,
    chair     INTEGER NOT NULL,
    PRIMARY KEY (contest, school, ord)
);

CREATE TABLE candidates (
    contest   TEXT NOT NULL REFERENCES contests(id),
    iin       TEXT NOT NULL,
    school    TEXT NOT NULL REFERENCES schools(code),
    grade     INTEGER NOT NULL,
    name      TEXT NOT NULL,
    language  TEXT NOT NULL,
    olympiad  INTEGER NOT NULL,
    myn_bala  INTEGER NOT NULL,
    PRIMARY KEY (contest, iin)
);
CREATE INDEX candidates_school ON candidates (contest, school, grade, iin);

CREATE TABLE answer_keys (
    contest     TEXT NOT NULL REFERENCES contests(id),
    grade       INTEGER NOT NULL,
    variant     TEXT NOT NULL,
    version     INTEGER NOT NULL,
    answers     TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (contest, grade, variant, version)
);

CREATE TABLE batches (
    contest     TEXT NOT NULL REFERENCES contests(id),
    school      TEXT NOT NULL REFERENCES schools(code),
    name        TEXT NOT NULL,
    operator    TEXT NOT NULL,
    scanner     TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (contest, school, name)
);

-- One row per page image ever ingested, keyed by the image's SHA-256: the reason a
-- second upload of the same image is a no-op that returns the first result.
CREATE TABLE scans (
    image_sha     TEXT PRIMARY KEY,
    contest       TEXT NOT NULL REFERENCES contests(id),
    school        TEXT NOT NULL REFERENCES schools(code),
    batch         TEXT NOT NULL,
    file          TEXT NOT NULL,
    page          INTEGER NOT NULL,
    status        TEXT NOT NULL,
    serial        TEXT NOT NULL,
    version       INTEGER NOT NULL,
    outcome       TEXT NOT NULL,
    reason        TEXT NOT NULL,
    reading       TEXT NOT NULL,
    crops         TEXT NOT NULL,
    read_seconds  REAL NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX scans_batch ON scans (contest, school, batch);

CREATE TABLE sheets (
    contest          TEXT NOT NULL REFERENCES contests(id),
    serial           TEXT NOT NULL,
    school           TEXT NOT NULL REFERENCES schools(code),
    form             TEXT NOT NULL,
    state            TEXT NOT NULL,
    current_version  INTEGER NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (contest, serial)
);
CREATE INDEX sheets_school ON sheets (contest, school, state, serial);

CREATE TABLE sheet_versions (
    contest     TEXT NOT NULL,
    serial      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    source      TEXT NOT NULL,
    image_sha   TEXT NOT NULL,
    reading     TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (contest, serial, version),
    FOREIGN KEY (contest, serial) REFERENCES sheets (contest, serial)
);

CREATE TABLE review_items (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    contest      TEXT NOT NULL,
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
    FOREIGN KEY (contest, serial) REFERENCES sheets (contest, serial)
);
-- At most one unsettled item per field: a second disagreeing scan adds a candidate
-- value to it instead of opening another.
CREATE UNIQUE INDEX review_items_open ON review_items (contest, serial, field) WHERE NOT applied;
CREATE INDEX review_items_state ON review_items (state) WHERE state <> 'final';

CREATE TABLE review_decisions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id     INTEGER NOT NULL REFERENCES review_items(id),
    reviewer    TEXT NOT NULL,
    value       TEXT NOT NULL,
    chair       INTEGER NOT NULL,
    decided_at  TIMESTAMP NOT NULL
);
CREATE INDEX review_decisions_item ON review_decisions (item_id, id);

CREATE TABLE result_sets (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    contest     TEXT NOT NULL REFERENCES contests(id),
    school      TEXT NOT NULL REFERENCES schools(code),
    grade       INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    nrows       INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (kind, contest, school, grade, version)
);

CREATE TABLE current_results (
    kind     TEXT NOT NULL,
    contest  TEXT NOT NULL,
    school   TEXT NOT NULL,
    grade    INTEGER NOT NULL,
    set_id   INTEGER NOT NULL REFERENCES result_sets(id),
    version  INTEGER NOT NULL,
    PRIMARY KEY (kind, contest, school, grade)
);

CREATE TABLE score_rows (
    set_id    INTEGER NOT NULL REFERENCES result_sets(id),
    iin       TEXT NOT NULL,
    name      TEXT NOT NULL,
    score     INTEGER NOT NULL,
    math      INTEGER NOT NULL,
    reading   INTEGER NOT NULL,
    history   INTEGER NOT NULL,
    olympiad  INTEGER NOT NULL,
    myn_bala  INTEGER NOT NULL,
    PRIMARY KEY (set_id, iin)
);

CREATE TABLE ranking_rows (
    set_id   INTEGER NOT NULL REFERENCES result_sets(id),
    place    INTEGER NOT NULL,
    iin      TEXT NOT NULL,
    name     TEXT NOT NULL,
    score    INTEGER NOT NULL,
    outcome  TEXT NOT NULL,
    PRIMARY KEY (set_id, place)
);

CREATE TABLE tie_decisions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    contest     TEXT NOT NULL REFERENCES contests(id),
    school      TEXT NOT NULL REFERENCES schools(code),
    grade       INTEGER NOT NULL,
    iins        TEXT NOT NULL,
    decided     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    decided_by  TEXT NOT NULL,
    decided_at  TIMESTAMP NOT NULL
);

CREATE TABLE protocols (
    contest       TEXT NOT NULL REFERENCES contests(id),
    school        TEXT NOT NULL REFERENCES schools(code),
    grade         INTEGER NOT NULL,
    visibility    TEXT NOT NULL,
    format        TEXT NOT NULL,
    version       INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    published_at  TIMESTAMP,
    PRIMARY KEY (contest, school, grade, visibility, format, version)
);

CREATE TABLE users (
    name        TEXT PRIMARY KEY,
    role        TEXT NOT NULL,
    school      TEXT NOT NULL,
    chair       INTEGER NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    user_name   TEXT NOT NULL REFERENCES users(name),
    hash        BLOB NOT NULL UNIQUE,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP,
    revoked_at  TIMESTAMP
);

CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TIMESTAMP NOT NULL,
    actor    TEXT NOT NULL,
    role     TEXT NOT NULL,
    action   TEXT NOT NULL,
    contest  TEXT NOT NULL,
    school   TEXT NOT NULL,
    subject  TEXT NOT NULL,
    before   TEXT NOT NULL,
    after    TEXT NOT NULL
);
CREATE INDEX audit_log_scope ON audit_log (contest, school, id);
