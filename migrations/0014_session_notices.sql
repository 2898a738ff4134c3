-- Notices without email: when a new session signs in to an account (or a wrong
-- second-factor code is typed for it), every other session of the account is told
-- once, on its next page (src/auth/events.ts, session-store.ts claimSessionNotices).
--
-- A session carries two event ids: the newest auth event it is to be told of
-- (notice_event_id, written in the statement that records the event) and the newest
-- it has been told of (notices_seen_event_id, set at creation to the account's
-- newest event, then moved forward once a page has shown the notice). A notice waits
-- while the first is greater. Both are part of the session row that validation
-- keeps in memory, so a page view with nothing waiting costs no query.
ALTER TABLE sessions
  ADD COLUMN notice_event_id bigint NOT NULL DEFAULT 0,
  ADD COLUMN notices_seen_event_id bigint NOT NULL DEFAULT 0;

-- Sessions open before this migration have been told of everything so far.
UPDATE sessions SET notices_seen_event_id = (SELECT coalesce(max(id), 0) FROM auth_events);

-- The session a sign-in started, so that it is not told of its own sign-in. No
-- reference: the event outlives the session.
ALTER TABLE auth_events ADD COLUMN session_id text;

-- Every instance must drop its kept copy when either id changes (migration 0007
-- announces every other column but last_seen_at). A trigger of its own, so that this
-- migration holds whatever column list sessions_notify_update has by then.
CREATE TRIGGER sessions_notify_notices
  AFTER UPDATE OF notice_event_id, notices_seen_event_id
  ON sessions
  FOR EACH ROW EXECUTE FUNCTION logon_notify_session_change();
