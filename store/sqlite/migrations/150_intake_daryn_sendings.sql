-- compatible: adds a table that older builds never touch.
-- When each school's candidate base went to the Daryn centre (Model Admission Rules
-- §20, issue 11): the sending as the office reports it, kept whole as JSON
-- (intake.DarynSending: the time sent, the number of candidates, the SHA-256 of the
-- candidates.csv sent, who recorded it and the warnings about its timing), numbered
-- per school and contest through intake_series ("DRN-<contest>").

CREATE TABLE intake_daryn_sendings (
    school       TEXT NOT NULL REFERENCES schools(code),
    contest      TEXT NOT NULL REFERENCES contests(id),
    seq          INTEGER NOT NULL,
    sent_at      TIMESTAMP NOT NULL,
    record       TEXT NOT NULL,
    recorded_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (school, contest, seq)
);
