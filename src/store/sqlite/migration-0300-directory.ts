import type { Migration } from './migrations.js';

/**
 * Directory, identity resolution and pricing (issue 6). Kept as plain SQL
 * that PostgreSQL also accepts (partial indexes, ALTER TABLE ADD COLUMN).
 */
export const DIRECTORY_MIGRATION: Migration = {
  id: '0300-directory',
  sql: `
  ALTER TABLE team ADD COLUMN parent_id INTEGER REFERENCES team(id);
  ALTER TABLE team ADD COLUMN external_id TEXT;
  CREATE UNIQUE INDEX team_external ON team(external_id) WHERE external_id IS NOT NULL;

  ALTER TABLE person ADD COLUMN location TEXT;
  ALTER TABLE person ADD COLUMN end_date TEXT;
  ALTER TABLE person ADD COLUMN external_id TEXT;
  CREATE UNIQUE INDEX person_external ON person(external_id) WHERE external_id IS NOT NULL;

  -- Where a person sat, and from when: [valid_from, valid_to) in UTC epoch seconds.
  -- Usage is attributed to the team (and function) of the membership covering its time.
  CREATE TABLE team_membership (
    person_id INTEGER NOT NULL REFERENCES person(id),
    valid_from INTEGER NOT NULL,
    valid_to INTEGER,
    team_id INTEGER REFERENCES team(id),
    function TEXT,
    PRIMARY KEY (person_id, valid_from)
  );
  INSERT INTO team_membership (person_id, valid_from, valid_to, team_id, function)
    SELECT id, 0, NULL, team_id, function FROM person;

  -- Named non-human users: a CI bot, an internal app.
  CREATE TABLE service (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT
  );
  ALTER TABLE identity ADD COLUMN service_id INTEGER REFERENCES service(id);
  ALTER TABLE identity ADD COLUMN resolved_by TEXT;
  CREATE INDEX identity_unattributed ON identity(id) WHERE person_id IS NULL AND service_id IS NULL;
  -- Re-resolution after a directory change looks identities up by what they carry.
  CREATE INDEX identity_email ON identity(email) WHERE email IS NOT NULL;
  CREATE INDEX identity_account ON identity(account_id) WHERE account_id IS NOT NULL;
  CREATE INDEX identity_user ON identity(user_id) WHERE user_id IS NOT NULL;
  CREATE INDEX identity_api_key ON identity(api_key_id) WHERE api_key_id IS NOT NULL;
  CREATE INDEX identity_machine ON identity(machine_id) WHERE machine_id IS NOT NULL;

  -- Explicit assignments made by an admin; they win over every rule.
  CREATE TABLE identity_assignment (
    identity_id INTEGER PRIMARY KEY REFERENCES identity(id),
    person_id INTEGER REFERENCES person(id),
    service_id INTEGER REFERENCES service(id),
    assigned_at INTEGER NOT NULL,
    assigned_by TEXT
  );

  -- Resolution rules: exact aliases, email domain rewrites, patterns.
  CREATE TABLE identity_rule (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    field TEXT NOT NULL,
    match TEXT NOT NULL,
    target TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 100,
    created_at INTEGER NOT NULL
  );

  -- Tokens whose model has no known price, so "cost" can say what it leaves out.
  ALTER TABLE usage_hourly ADD COLUMN unpriced_tokens INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE usage_daily ADD COLUMN unpriced_tokens INTEGER NOT NULL DEFAULT 0;

  -- Organisation price overrides: a vendor discount or a contract price per model.
  CREATE TABLE price_override (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT,
    discount REAL,
    rates TEXT,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER,
    note TEXT,
    created_at INTEGER NOT NULL
  );
  `,
};
