-- last_seen_at is written often (once a second per busy session). An index on it
-- makes every such write an index write too; without one, PostgreSQL can update
-- the row in place (a HOT update), and free space left in each page (fillfactor)
-- gives it room to. The periodic purge finds idle sessions by a scan instead,
-- once a minute and bounded, which is the cheaper side of the trade.
DROP INDEX IF EXISTS sessions_last_seen_at_idx;
ALTER TABLE sessions SET (fillfactor = 80);
