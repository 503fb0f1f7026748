-- compatible: adds indexes only.
-- Finding a sheet's scans (the review screen's header and a rescan's evidence) and the
-- fields a reviewer has keyed (the review queue's tabs) without reading every row.
CREATE INDEX scans_serial ON scans (contest, serial);
CREATE INDEX review_decisions_reviewer ON review_decisions (reviewer, item_id);
