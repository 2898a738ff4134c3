-- Names that look alike are one name (docs/contract.md, Unicode UTS #39):
-- username_skeleton is the confusable skeleton of username_key, and its UNIQUE
-- constraint refuses "аlice" (Cyrillic а) beside "alice" as username_key refuses
-- "ALICE". SQL cannot compute a skeleton, so the column starts NULL and start-up
-- fills it from code (src/auth/username-skeletons.ts). An existing account whose
-- skeleton another account already holds keeps NULL (UNIQUE allows any number of
-- NULLs): it is not broken, and `npm run confusable-names` lists it.
ALTER TABLE users ADD COLUMN username_skeleton text;
ALTER TABLE users ADD CONSTRAINT users_username_skeleton_unique UNIQUE (username_skeleton);
-- What start-up has left to fill: after the first fill, only the look-alikes.
CREATE INDEX users_without_skeleton_idx ON users (id) WHERE username_skeleton IS NULL;

-- When the legacy import created the account (NULL: registered, seeded, or imported
-- before this column existed). Lets a later import run tell "imported earlier" from
-- "taken by someone who registered it".
ALTER TABLE users ADD COLUMN imported_at timestamptz;
