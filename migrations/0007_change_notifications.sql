-- Each instance keeps validated sessions and pages of members in memory
-- (src/cache/). These triggers tell every instance, through LISTEN/NOTIFY on the
-- channel logon_changes, when what it keeps may be wrong: a session deleted
-- (sign-out, revocation, password change, account deletion, purge, or a hand-run
-- DELETE) or changed in anything but last_seen_at, and any change to who the
-- members are. Notifications go out at commit, in commit order.

CREATE FUNCTION logon_notify_session_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('logon_changes', 'session:' || OLD.id);
  RETURN NULL;
END
$$;

CREATE TRIGGER sessions_notify_delete
  AFTER DELETE ON sessions
  FOR EACH ROW EXECUTE FUNCTION logon_notify_session_change();

CREATE TRIGGER sessions_notify_update
  AFTER UPDATE OF id, secret_hash, user_id, created_at, expires_at, remember, user_agent, ip
  ON sessions
  FOR EACH ROW EXECUTE FUNCTION logon_notify_session_change();

-- Statement-level announcements whose payload is the trigger's argument.
CREATE FUNCTION logon_notify_statement() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('logon_changes', TG_ARGV[0]);
  RETURN NULL;
END
$$;

-- TRUNCATE fires no row trigger: every kept session is dropped.
CREATE TRIGGER sessions_notify_truncate
  AFTER TRUNCATE ON sessions
  FOR EACH STATEMENT EXECUTE FUNCTION logon_notify_statement('sessions');

CREATE TRIGGER users_notify_change
  AFTER INSERT OR DELETE OR UPDATE OF id, username, created_at OR TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION logon_notify_statement('members');
