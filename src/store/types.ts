/**
 * The store interface. SQLite (embedded default) and PostgreSQL (scale backend)
 * implement it; `test/store/contract.ts` is the suite every implementation passes.
 *
 * Only the query layer (`src/query`) may call the read methods that return
 * people's data: it is the one place the privacy policy is enforced.
 */
import type { UsageEvent } from '../domain/event.js';
import type {
  Alias,
  AssignmentTarget,
  IdentityRecord,
  IdentityRule,
  IdentityRuleInput,
  MembershipRecord,
  ServiceRecord,
  TeamInput,
  TeamRecord,
  UnattributedRow,
} from '../domain/directory.js';
import type { PriceOverride, PriceOverrideInput } from '../pricing/overrides.js';
import type { Pricer } from '../pricing/pricer.js';
import type { GovernanceStore } from '../governance/store.js';

export interface IngestResult {
  accepted: number;
  duplicates: number;
}

/** A normalised event plus what ingest derived for it. */
export interface PreparedEvent {
  event: UsageEvent;
  /** 16-byte idempotency hash of (source, key). */
  keyHash: Buffer;
  tool: string;
  provider: string;
  /** Computed list-price cost in micro-USD, or null when the model is unknown to the catalogue. */
  costMicros: number | null;
}

export const DIMENSIONS = [
  'person',
  'team',
  'function',
  'manager',
  'tool',
  'model',
  'source',
  'provider',
  'identity',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const BUCKETS = ['hour', 'day', 'week', 'month'] as const;
export type Bucket = (typeof BUCKETS)[number];

export interface Filters {
  person?: string[];
  team?: string[];
  function?: string[];
  manager?: string[];
  tool?: string[];
  model?: string[];
  source?: string[];
  provider?: string[];
  /** Set by the privacy policy: people (emails) and functions excluded from analytics. */
  excludePerson?: string[];
  excludeFunction?: string[];
}

export interface AggregateSpec {
  /** Inclusive start, epoch ms. */
  from: number;
  /** Exclusive end, epoch ms. */
  to: number;
  groupBy?: Dimension[];
  bucket?: Bucket;
  filters?: Filters;
  /** Count distinct people only: every sum comes back as 0 (cheaper, for callers that only count people). */
  peopleOnly?: boolean;
}

export interface Totals {
  events: number;
  requests: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
  /** Total tokens = input + output + cacheRead + cacheWrite (reasoning is part of output). */
  tokens: number;
  /** Best cost in USD: computed list price where known, else what the source reported. */
  cost: number;
  costReported: number;
  costComputed: number;
  /** Tokens on models with no known price: their cost is unknown (not zero) and not included in cost. */
  unpricedTokens: number;
  /** Distinct people (unattributed identities count as one each). */
  people: number;
  sessions: number;
  linesAdded: number;
  linesRemoved: number;
  commits: number;
  pullRequests: number;
  activeSeconds: number;
  editsAccepted: number;
  editsRejected: number;
}

export interface AggregateRow extends Totals {
  /** Bucket start, epoch ms (when a bucket was asked for). */
  bucket?: number;
  /** Group keys by dimension (when groupBy was asked for). Null means not attributed. */
  keys: Partial<Record<Dimension, string | null>>;
}

export interface PersonRecord {
  id: number;
  email: string;
  name: string | null;
  /** Current team (the open membership). */
  team: string | null;
  function: string | null;
  managerEmail: string | null;
  title: string | null;
  status: 'active' | 'inactive';
  startDate: string | null;
  endDate?: string | null;
  location?: string | null;
  /** Id the identity provider (SCIM) knows this person by. */
  externalId?: string | null;
  aliases?: Alias[];
}

/** A directory person as headcounts need them. */
export type HeadcountPerson = Pick<PersonRecord, 'id' | 'email' | 'team' | 'function' | 'managerEmail' | 'status'>;

export interface PersonInput {
  email: string;
  name?: string | null;
  team?: string | null;
  /** Parent of `team` in the team tree (created when missing). */
  parentTeam?: string | null;
  function?: string | null;
  managerEmail?: string | null;
  title?: string | null;
  status?: 'active' | 'inactive';
  startDate?: string | null;
  endDate?: string | null;
  location?: string | null;
  externalId?: string | null;
  /** When a team change applies from (epoch ms); history before it stays with the old team. */
  teamSince?: number | null;
  /** Other identities that belong to this person (account ids, API key ids, user ids). */
  aliases?: Alias[];
  /** Replace the person's aliases with `aliases` instead of adding to them. */
  replaceAliases?: boolean;
}

export interface UpsertPeopleOptions {
  /** Default effective time of team changes (epoch ms); default now. 0 re-attributes all history. */
  effectiveFrom?: number;
  /** Mark people not in this batch inactive (a full directory sync). */
  deactivateMissing?: boolean;
}

export interface UpsertPeopleResult {
  created: number;
  updated: number;
  moved: number;
  deactivated: number;
}

export interface RecomputeResult {
  events: number;
  rollupRows: number;
  /** Rollup rows whose raw events were pruned, priced from their token split instead. */
  fromRollups: number;
  /** Change in computed cost, USD. */
  deltaComputed: number;
}

/** Usage per stream (source, tool, provider, model) for pricing reports. */
export interface StreamUsage
  extends Pick<Totals, 'events' | 'requests' | 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'reasoning' | 'costReported' | 'costComputed'> {
  source: string;
  tool: string;
  provider: string;
  model: string;
  /** Computed cost of only the events that also reported a cost (raw events), USD. */
  computedWhereReported?: number;
  reportedEvents?: number;
}

export type RangeSpec = Pick<AggregateSpec, 'from' | 'to' | 'filters'> & {
  /** Only identities attributed to no person and no service (the Unattributed page). */
  unattributedOnly?: boolean;
};

/** One person's (or one unattributed identity's) activity over a range. Individual data: query layer only. */
export interface PersonActivity {
  /** Directory person id, or minus the identity id when unattributed. */
  id: number;
  /** Email, or the identity's canonical name when unattributed. */
  key: string;
  attributed: boolean;
  /** Assigned to a service (a bot) in the directory: known, but not a person. */
  service: boolean;
  team: string | null;
  function: string | null;
  activeDays: number;
  /** Start of the last active day, epoch ms. */
  lastDay: number;
  tokens: number;
  input: number;
  cacheRead: number;
  cost: number;
  requests: number;
  commits: number;
  pullRequests: number;
  /** Distinct tools and models used. */
  tools: number;
  models: number;
}

export interface DimensionValues {
  teams: { name: string; function: string | null }[];
  functions: string[];
  tools: string[];
  models: string[];
  providers: string[];
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** Accounts, sessions, tokens, audit log, privacy choices, export and erasure. */
  readonly governance: GovernanceStore;
  /** Insert a batch atomically; already-seen keys count as duplicates and change nothing. */
  ingest(events: PreparedEvent[]): Promise<IngestResult>;
  /** Aggregate usage from the rollups. Called only by the query layer. */
  aggregate(spec: AggregateSpec): Promise<AggregateRow[]>;
  /** Several groupings of one period under the same filters in one scan; result k equals `aggregate({ from, to, groupBy: groupings[k], filters })` up to row order. Query layer only. */
  aggregateSets(spec: { from: number; to: number; groupings: Dimension[][]; filters?: Filters }): Promise<AggregateRow[][]>;
  /**
   * Totals for several periods under the same filters in one scan; `windows[k]` equals `aggregate({ ...windows[k], filters })[0]`.
   * With `daily` and whole-day windows, `daily` is the first window's `aggregate({ ...windows[0], bucket: 'day', filters })` (else null). Query layer only.
   */
  aggregateWindows(spec: { windows: { from: number; to: number }[]; filters?: Filters; daily?: boolean }): Promise<{ windows: AggregateRow[]; daily: AggregateRow[] | null }>;
  /** Distinct people active in the period under each filter set, in one pass. Query layer only. */
  activePeople(spec: { from: number; to: number; sets: Filters[] }): Promise<number[]>;
  /** Raw event count and sums, for checks and tests (not for dashboards). */
  rawTotals(): Promise<Pick<Totals, 'events' | 'requests' | 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'reasoning'> & { costReportedMicros: number; costComputedMicros: number }>;
  /** Delete raw events older than the cutoff (rollups are kept). Returns rows deleted. */
  pruneRawBefore(epochMs: number): Promise<number>;

  /** Per-person activity over a range (dashboard distribution, leaderboards, outcomes). Called only by the query layer. */
  personActivity(spec: RangeSpec): Promise<PersonActivity[]>;
  /** First day each directory person was ever active (epoch ms), for "not started" and "idle". */
  personFirstSeen(): Promise<Map<number, number>>;
  /** Teams, functions, tools, models and providers that exist, for filter pickers. */
  dimensionValues(): Promise<DimensionValues>;
  /** Active people with where they sit (no aliases or profile fields): the dashboard's headcounts. Query layer only. */
  headcountPeople(): Promise<HeadcountPerson[]>;
  /**
   * Load what the dashboard's first views read (the latest `days` whole days of facts) into
   * memory in the background, a day at a time, so the first view after a start does not wait
   * for it. Stores without an in-memory read path do nothing.
   */
  warmUp?(days?: number): Promise<void>;

  upsertPeople(people: PersonInput[], opts?: UpsertPeopleOptions): Promise<UpsertPeopleResult>;
  listPeople(): Promise<PersonRecord[]>;
  countPeople(): Promise<number>;
  getPerson(ref: { id?: number; email?: string; externalId?: string }): Promise<PersonRecord | null>;
  /** Mark a person inactive (left) or active again; their history stays. */
  /** Change a person's directory email (their old address should become an alias). */
  renamePerson(id: number, email: string): Promise<void>;
  setPersonStatus(id: number, status: 'active' | 'inactive', endDate?: string | null): Promise<void>;
  listTeams(): Promise<TeamRecord[]>;
  upsertTeam(team: TeamInput): Promise<TeamRecord>;
  renameTeam(id: number, name: string): Promise<void>;
  /** Forget a team's external (SCIM) id; the team and its history stay. */
  detachTeam(id: number): Promise<void>;
  /** Move people to a team (null = no team) from `effectiveFrom` (epoch ms) on. */
  moveToTeam(personIds: number[], teamId: number | null, effectiveFrom: number): Promise<number>;
  teamHistory(personId: number): Promise<MembershipRecord[]>;

  listServices(): Promise<ServiceRecord[]>;
  upsertService(name: string, description?: string | null): Promise<ServiceRecord>;
  listIdentityRules(): Promise<IdentityRule[]>;
  addIdentityRule(rule: IdentityRuleInput): Promise<IdentityRule>;
  deleteIdentityRule(id: number): Promise<boolean>;
  getIdentity(ref: { id?: number; canonical?: string }): Promise<IdentityRecord | null>;
  /** Assign an identity to a person or service (null removes the assignment); re-attributes its history. */
  assignIdentity(identityId: number, target: AssignmentTarget, by?: string): Promise<IdentityRecord>;
  /** Re-run resolution for every identity (after directory or rule changes). Returns identities changed. */
  reresolveIdentities(): Promise<number>;
  /** Identities attributed to no person or service, with their usage in [from, to). Called only by the query layer. */
  unattributedUsage(from: number, to: number, limit?: number): Promise<UnattributedRow[]>;

  listPriceOverrides(): Promise<PriceOverride[]>;
  addPriceOverride(o: PriceOverrideInput): Promise<PriceOverride>;
  deletePriceOverride(id: number): Promise<PriceOverride | null>;
  /** Recompute cost_computed (and the best cost) of raw events and rollups in [from, to) with this pricer. */
  recomputeCosts(from: number, to: number, pricer: Pricer): Promise<RecomputeResult>;
  /** Usage per stream in [from, to), from the rollups (plus raw events for reported-vs-computed). */
  streamUsage(from: number, to: number): Promise<StreamUsage[]>;

  /** Ingest keys are stored as sha256 hashes only. */
  addIngestKey(name: string, keyHash: string): Promise<void>;
  hasIngestKey(keyHash: string): Promise<boolean>;

  /**
   * Sources' own state (e.g. the last value of each cumulative OTLP series), by key.
   * Written only with `ingestWithState`, in the same transaction as the events it produced.
   */
  getSourceState(keys: string[]): Promise<Map<string, string>>;
  /** `ingest` plus source state, atomically: after a crash either both are stored or neither. */
  ingestWithState(events: PreparedEvent[], state: [key: string, value: string][]): Promise<IngestResult>;

  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;

  /** Bytes used on disk (database plus write-ahead log), for benchmarks. */
  sizeOnDisk(): Promise<number>;
  close(): Promise<void>;
}
