-- compatible: adds two tables and an index, which builds without them never touch.
-- The national deployment (issue 16) and per-school image ownership (issue 12).

-- Facts every server on this database must agree on: "image_store" is the identity
-- of the image store (directory or bucket) this database's images live in, so that a
-- server pointed at another one says it is not ready instead of answering 404s.
CREATE TABLE deployment (
    key     TEXT PRIMARY KEY,
    value   TEXT NOT NULL,
    set_at  TIMESTAMPTZ NOT NULL
);

-- Files a school uploaded ahead of its ingest (PUT …/blobs/{sha256}). With the
-- school's own scans and crops they are the files its ingests may name and its
-- users may read: knowing a hash is not owning the file.
CREATE TABLE blob_claims (
    contest  TEXT NOT NULL,
    school   TEXT NOT NULL,
    sha      TEXT NOT NULL,
    at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (contest, school, sha)
);

-- Ownership of a crop is looked up by its hash.
CREATE INDEX review_items_crop ON review_items (crop_sha);
