/**
 * The store interface. SQLite (embedded default) and PostgreSQL (scale backend)
 * implement it; `test/store/contract.ts` is the suite every implementation passes.
 *
 * Only the query layer (`src/query`) may call the read methods that return
 * people's data: it is the one place the privacy policy is enforced.
 */
import type { UsageEvent } from '../domain/event.js';

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
}

export interface AggregateSpec {
  /** Inclusive start, epoch ms. */
  from: number;
  /** Exclusive end, epoch ms. */
  to: number;
  groupBy?: Dimension[];
  bucket?: Bucket;
  filters?: Filters;
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
  team: string | null;
  function: string | null;
  managerEmail: string | null;
  title: string | null;
  status: 'active' | 'inactive';
  startDate: string | null;
}

export interface PersonInput {
  email: string;
  name?: string | null;
  team?: string | null;
  function?: string | null;
  managerEmail?: string | null;
  title?: string | null;
  status?: 'active' | 'inactive';
  startDate?: string | null;
  /** Other identities that belong to this person (account ids, API key ids, user ids). */
  aliases?: { kind: 'accountId' | 'apiKeyId' | 'userId' | 'machineId' | 'email'; value: string }[];
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** Insert a batch atomically; already-seen keys count as duplicates and change nothing. */
  ingest(events: PreparedEvent[]): Promise<IngestResult>;
  /** Aggregate usage from the rollups. Called only by the query layer. */
  aggregate(spec: AggregateSpec): Promise<AggregateRow[]>;
  /** Raw event count and sums, for checks and tests (not for dashboards). */
  rawTotals(): Promise<Pick<Totals, 'events' | 'requests' | 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'reasoning'> & { costReportedMicros: number; costComputedMicros: number }>;
  /** Delete raw events older than the cutoff (rollups are kept). Returns rows deleted. */
  pruneRawBefore(epochMs: number): Promise<number>;

  upsertPeople(people: PersonInput[]): Promise<{ created: number; updated: number }>;
  listPeople(): Promise<PersonRecord[]>;
  countPeople(): Promise<number>;

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
