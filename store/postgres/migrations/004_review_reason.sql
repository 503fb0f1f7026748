-- Why a field is under review, in the reader's plain words ("unclear mark on B: a
-- light mark, a partial erasure or a smudge"), or the store's own for a rescan that
-- disagrees: the reviewer reads it beside the crop (issue 5).
ALTER TABLE review_items ADD COLUMN reason TEXT NOT NULL DEFAULT '';
