/** Kysely table types shared by the SQLite and PostgreSQL stores. */
import type { Generated } from 'kysely';

export interface RollupTable {
  identity_id: number;
  stream_id: number;
  attrs_id: number;
  events: number;
  requests: number;
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
  reasoning: number;
  cost_reported: number;
  cost_computed: number;
  cost_best: number;
  sessions: number;
  lines_added: number;
  lines_removed: number;
  commits: number;
  pull_requests: number;
  active_seconds: number;
  edits_accepted: number;
  edits_rejected: number;
  unpriced_tokens: number;
}

export interface DB {
  meta: { key: string; value: string };
  team: { id: Generated<number>; name: string; function: string | null; parent_id: number | null; external_id: string | null };
  person: {
    id: Generated<number>;
    email: string;
    name: string | null;
    team_id: number | null;
    function: string | null;
    manager_id: number | null;
    title: string | null;
    status: string;
    start_date: string | null;
    location: string | null;
    end_date: string | null;
    external_id: string | null;
  };
  team_membership: { person_id: number; valid_from: number; valid_to: number | null; team_id: number | null; function: string | null };
  service: { id: Generated<number>; name: string; description: string | null };
  identity_assignment: { identity_id: number; person_id: number | null; service_id: number | null; assigned_at: number; assigned_by: string | null };
  identity_rule: { id: Generated<number>; kind: string; field: string; match: string; target: string; priority: number; created_at: number };
  price_override: {
    id: Generated<number>;
    kind: string;
    provider: string;
    model: string | null;
    discount: number | null;
    rates: string | null;
    valid_from: number;
    valid_to: number | null;
    note: string | null;
    created_at: number;
  };
  identity: {
    id: Generated<number>;
    canonical: string;
    email: string | null;
    account_id: string | null;
    api_key_id: string | null;
    user_id: string | null;
    machine_id: string | null;
    person_id: number | null;
    service_id: number | null;
    resolved_by: string | null;
  };
  identity_alias: { kind: string; value: string; person_id: number };
  stream: { id: Generated<number>; source: string; tool: string; provider: string; model: string };
  attrs: { id: Generated<number>; json: string };
  usage_hourly: RollupTable & { hour: number };
  usage_daily: RollupTable & { day: number };
  ingest_key: { hash: string; name: string; created_at: number };
  usage_event: {
    id: Generated<number>;
    key_hash: Buffer;
    ts: number;
    stream_id: number;
    identity_id: number;
    session_id: number | null;
    attrs_id: number | null;
    input: number;
    output: number;
    cache_read: number;
    cache_write: number;
    reasoning: number;
    requests: number;
    cost_reported: number | null;
    cost_computed: number | null;
    activity: string | null;
  };
  identity_seen: { identity_id: number; first_day: number; last_day: number };
  usage_fact_daily: RollupTable & {
    day: number;
    who: number | null;
    person_id: number | null;
    person_key: string | null;
    team: string | null;
    function: string | null;
    manager: string | null;
    tool: string;
    model: string;
    provider: string;
    source: string;
  };
  usage_fact_stale: { identity_id: number };
  usage_cube_daily: RollupTable & {
    day: number;
    team_function: string;
    team: string | null;
    function: string | null;
    tool: string;
    model: string;
    provider: string;
    source: string;
  };
}
