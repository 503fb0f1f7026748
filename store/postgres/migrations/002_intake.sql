-- The intake desk (issue 6): each school's register of applications for its public
-- services and of complaints, numbered per school and series without gaps, and the
-- trail of every change (who, when, from what to what, the record before and after).
-- An application is kept whole as JSON (intake.Application) beside the columns the
-- register is searched by; an accepted contest registration is also a row of
-- candidates, written in the same transaction.

CREATE TABLE intake_series (
    school  TEXT NOT NULL REFERENCES schools(code),
    series  TEXT NOT NULL,
    last    INTEGER NOT NULL,
    PRIMARY KEY (school, series)
);

CREATE TABLE intake_applications (
    school      TEXT NOT NULL REFERENCES schools(code),
    number      TEXT NOT NULL,
    series      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    service     TEXT NOT NULL,
    status      TEXT NOT NULL,
    year        INTEGER NOT NULL,
    due         TEXT NOT NULL,
    unique_key  TEXT NOT NULL,
    contest     TEXT NOT NULL,
    record      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (school, number),
    UNIQUE (school, series, seq)
);
-- The same IIN once in one year's contest, whichever school: the database refuses the
-- second even when two desks submit at the same moment.
CREATE UNIQUE INDEX intake_applications_key ON intake_applications (unique_key) WHERE unique_key <> '';
CREATE INDEX intake_applications_service ON intake_applications (school, service, year, number);
CREATE INDEX intake_applications_open ON intake_applications (school, due) WHERE status IN ('registered', 'in_progress');

CREATE TABLE intake_complaints (
    school      TEXT NOT NULL REFERENCES schools(code),
    number      TEXT NOT NULL,
    series      TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    status      TEXT NOT NULL,
    due         TEXT NOT NULL,
    record      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (school, number),
    UNIQUE (school, series, seq)
);

CREATE TABLE intake_audit (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    school      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    staff       TEXT NOT NULL,
    role        TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    detail      TEXT NOT NULL,
    before      TEXT NOT NULL,
    after       TEXT NOT NULL
);
CREATE INDEX intake_audit_subject ON intake_audit (school, subject, id);
