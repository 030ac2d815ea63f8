/**
 * Governance tables (accounts, sessions, API tokens, audit log, subjects,
 * privacy choices, scoped ingest keys). Appended to SQLITE_MIGRATIONS as
 * `0800-governance`; the PostgreSQL store gets the same tables.
 */
import type { Migration } from './migrations.js';

export const GOVERNANCE_MIGRATION: Migration = {
  id: '0800-governance',
  sql: `
  CREATE TABLE account (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    name TEXT,
    role TEXT NOT NULL,
    password_hash TEXT,
    oidc_issuer TEXT,
    oidc_subject TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (oidc_issuer, oidc_subject)
  );

  -- Sessions are looked up by the sha256 of the cookie value; the value itself is never stored.
  CREATE TABLE auth_session (
    id_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX auth_session_account ON auth_session(account_id);

  CREATE TABLE api_token (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    scopes TEXT NOT NULL,
    account_id INTEGER REFERENCES account(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
  );

  ALTER TABLE ingest_key ADD COLUMN sources TEXT;
  ALTER TABLE ingest_key ADD COLUMN revoked_at INTEGER;

  -- One-time tokens: first-run admin setup and demo sign-in links.
  CREATE TABLE one_time_token (
    hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;

  -- Audit records name people only through subject refs (random ids); erasing
  -- a person deletes their subject row, so the log stays append-only and intact
  -- while nothing in it can be linked back to them.
  CREATE TABLE subject (
    ref TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE
  ) WITHOUT ROWID;

  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts INTEGER NOT NULL,
    action TEXT NOT NULL,
    actor TEXT,
    actor_role TEXT NOT NULL,
    subject TEXT,
    outcome TEXT NOT NULL,
    detail TEXT
  );
  CREATE INDEX audit_log_ts ON audit_log(ts);
  CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

  -- A person's privacy choices: leaderboard opt-in (1), opt-out (0) or no choice
  -- yet (NULL: the country's default applies), and the country that decides it.
  CREATE TABLE privacy_choice (
    email TEXT PRIMARY KEY,
    leaderboard_opt_in INTEGER,
    country TEXT,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
};
