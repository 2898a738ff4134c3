-- The version of an account's password (issue 9, finding 4). A password change adds
-- one, in the same statement that checks the version its caller verified; a session
-- is inserted only while the version its sign-in verified is still the account's,
-- under the account row's lock, in the transaction of the insert. So a sign-in that
-- verified the old password just before a change cannot make a session after it,
-- and of two concurrent changes only the one that verified the current password
-- writes. Rehashing with new parameters keeps the version: the password is the same.
ALTER TABLE users ADD COLUMN password_version integer NOT NULL DEFAULT 1;
