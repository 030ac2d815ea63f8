/**
 * The embedded default store: one SQLite file (better-sqlite3, WAL).
 * synchronous=FULL, so an acknowledged batch survives a power cut.
 * Ingest uses prepared statements in one transaction per batch; reads go
 * through Kysely so the aggregate SQL is shared with the PostgreSQL store.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import type { DB } from '../sql/schema.js';
import { activePeople, aggregate, aggregateSets, aggregateWindows } from '../sql/aggregate.js';
import { dimensionValues, headcountPeople, personActivity, personFirstSeen } from '../sql/activity.js';
import { factUpsert, rebuildFacts, resumFacts } from '../sql/fact.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { DAY, factDeltas, N_FIELDS, ROLLUP_FIELDS, RollupDeltas, usdToMicros } from '../rollup.js';
import type {
  AggregateRow,
  AggregateSpec,
  DimensionValues,
  Dimension,
  HeadcountPerson,
  Filters,
  IngestResult,
  PersonActivity,
  PersonInput,
  PersonRecord,
  PreparedEvent,
  RangeSpec,
  RecomputeResult,
  Store,
  StreamUsage,
  UpsertPeopleOptions,
  UpsertPeopleResult,
} from '../types.js';
import { identityCanonical } from '../identity.js';
import type {
  AssignmentTarget,
  IdentityRecord,
  IdentityRule,
  IdentityRuleInput,
  MembershipRecord,
  ServiceRecord,
  TeamInput,
  TeamRecord,
  UnattributedRow,
} from '../../domain/directory.js';
import type { PriceOverride, PriceOverrideInput } from '../../pricing/overrides.js';
import type { Pricer } from '../../pricing/pricer.js';
import { unattributedUsage } from '../sql/identity.js';
import { streamUsage } from '../sql/pricing.js';
import { SqliteDirectory } from './directory.js';
import { recomputeCostsSqlite } from './recompute.js';
import { SqliteGovernanceStore } from './governance.js';
import { FactEngine } from '../facts/engine.js';

export interface SqliteStoreOptions {
  /** File path, or ':memory:'. */
  file: string;
  /**
   * Where whole-day questions are answered: the in-memory fact engine (default), or SQL over the fact
   * and cube tables (the reference; also `TOKENBOARD_FACT_ENGINE=sql`). Hourly questions always go to SQL.
   */
  factReads?: 'memory' | 'sql';
  /** Fact rows the engine keeps in memory at most (default 2,000,000, ~210 MB; also `TOKENBOARD_FACT_ENGINE_ROWS`). */
  factEngineRows?: number;
}

export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly db: Database.Database;
  readonly kysely: Kysely<DB>;
  private readonly file: string;
  private streamIds = new Map<string, number>();
  private identityIds = new Map<string, number>();
  private attrsIds = new Map<string, number>();
  /** Sessions known to be stored already (bounded; a miss only costs a lookup). */
  private knownSessions = new Set<string>();
  /** Session keys first seen in the running batch (forgotten again if it rolls back). */
  private newSessions: string[] = [];
  private stmts: ReturnType<SqliteStore['prepare']>;
  readonly directory: SqliteDirectory;
  readonly governance: SqliteGovernanceStore;
  /** Null when whole-day questions go to SQL. */
  readonly facts: FactEngine | null;

  constructor(opts: SqliteStoreOptions) {
    this.file = opts.file;
    if (opts.file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(opts.file)), { recursive: true });
    this.db = new Database(opts.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('cache_size = -65536');
    this.migrate();
    this.kysely = new Kysely<DB>({ dialect: new SqliteDialect({ database: this.db }) });
    this.stmts = this.prepare();
    this.directory = new SqliteDirectory(this.db);
    // Backfills the fact table after its migration, and catches up after a directory change made by an older version.
    this.refreshFacts();
    const reads = opts.factReads ?? (process.env.TOKENBOARD_FACT_ENGINE === 'sql' ? 'sql' : 'memory');
    const maxRows = opts.factEngineRows ?? (Number(process.env.TOKENBOARD_FACT_ENGINE_ROWS) || undefined);
    this.facts = reads === 'memory' ? new FactEngine(this.db, { maxRows }) : null;
    this.governance = new SqliteGovernanceStore(this.db);
    // Planner statistics (sampled, so cheap): without them SQLite may read the fact table's people
    // index for questions that need its sums. SQLite recommends this on open and on close.
    this.db.pragma('analysis_limit = 1000');
    this.db.pragma('optimize = 0x10002');
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS _migration (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) WITHOUT ROWID');
    const applied = new Set(this.db.prepare('SELECT id FROM _migration').pluck().all() as string[]);
    for (const m of SQLITE_MIGRATIONS) {
      if (applied.has(m.id)) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.db.prepare('INSERT INTO _migration (id, applied_at) VALUES (?, ?)').run(m.id, Date.now());
      })();
    }
  }

  private prepare() {
    const cols = ROLLUP_FIELDS.join(', ');
    const qs = ROLLUP_FIELDS.map(() => '?').join(', ');
    const upd = ROLLUP_FIELDS.map((f) => `${f} = ${f} + excluded.${f}`).join(', ');
    return {
      insertEvent: this.db.prepare(
        `INSERT INTO usage_event (key_hash, ts, stream_id, identity_id, session_id, attrs_id, input, output, cache_read, cache_write, reasoning, requests, cost_reported, cost_computed, activity)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key_hash) DO NOTHING`,
      ),
      upsertHourly: this.db.prepare(
        `INSERT INTO usage_hourly (hour, identity_id, stream_id, attrs_id, ${cols}) VALUES (?, ?, ?, ?, ${qs})
         ON CONFLICT (hour, identity_id, stream_id, attrs_id) DO UPDATE SET ${upd}`,
      ),
      upsertDaily: this.db.prepare(
        `INSERT INTO usage_daily (day, identity_id, stream_id, attrs_id, ${cols}) VALUES (?, ?, ?, ?, ${qs})
         ON CONFLICT (day, identity_id, stream_id, attrs_id) DO UPDATE SET ${upd}`,
      ),
      getStream: this.db.prepare('SELECT id FROM stream WHERE source = ? AND tool = ? AND provider = ? AND model = ?').pluck(),
      insStream: this.db.prepare('INSERT INTO stream (source, tool, provider, model) VALUES (?, ?, ?, ?)'),
      getIdentity: this.db.prepare('SELECT id FROM identity WHERE canonical = ?').pluck(),
      insIdentity: this.db.prepare(
        `INSERT INTO identity (canonical, email, account_id, api_key_id, user_id, machine_id, person_id, service_id, resolved_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      getAttrs: this.db.prepare('SELECT id FROM attrs WHERE json = ?').pluck(),
      insAttrs: this.db.prepare('INSERT INTO attrs (json) VALUES (?)'),
      insSession: this.db.prepare(
        'INSERT INTO session (source, key, identity_id, first_ts) VALUES (?, ?, ?, ?) ON CONFLICT (source, key) DO NOTHING RETURNING id',
      ).pluck(),
      getSession: this.db.prepare('SELECT id FROM session WHERE source = ? AND key = ?').pluck(),
      addFact: this.db.prepare(factUpsert(this.kysely).add.sql),
      insertFact: this.db.prepare(factUpsert(this.kysely).insert.sql),
      anyStale: this.db.prepare('SELECT 1 FROM usage_fact_stale LIMIT 1').pluck(),
      countStale: this.db.prepare('SELECT count(*) FROM usage_fact_stale').pluck(),
      countIdentities: this.db.prepare('SELECT count(*) FROM identity').pluck(),
    };
  }

  private streamId(source: string, tool: string, provider: string, model: string): number {
    const k = `${source}\0${tool}\0${provider}\0${model}`;
    let id = this.streamIds.get(k);
    if (id === undefined) {
      id = (this.stmts.getStream.get(source, tool, provider, model) as number | undefined) ??
        Number(this.stmts.insStream.run(source, tool, provider, model).lastInsertRowid);
      this.streamIds.set(k, id);
    }
    return id;
  }

  private identityId(identity: PreparedEvent['event']['identity']): number {
    const canonical = identityCanonical(identity);
    let id = this.identityIds.get(canonical);
    if (id === undefined) {
      id = this.stmts.getIdentity.get(canonical) as number | undefined;
      if (id === undefined) {
        const r = this.directory.resolveNew(identity);
        id = Number(
          this.stmts.insIdentity.run(
            canonical,
            identity.email ?? null,
            identity.accountId ?? null,
            identity.apiKeyId ?? null,
            identity.userId ?? null,
            identity.machineId ?? null,
            r.personId,
            r.serviceId,
            r.resolvedBy,
          ).lastInsertRowid,
        );
      }
      this.identityIds.set(canonical, id);
    }
    return id;
  }

  private attrsId(attributes: Record<string, string> | undefined): number {
    if (!attributes) return 0;
    const keys = Object.keys(attributes);
    if (keys.length === 0) return 0;
    keys.sort();
    const json = JSON.stringify(keys.map((k) => [k, attributes[k]]));
    let id = this.attrsIds.get(json);
    if (id === undefined) {
      id = (this.stmts.getAttrs.get(json) as number | undefined) ?? Number(this.stmts.insAttrs.run(json).lastInsertRowid);
      this.attrsIds.set(json, id);
    }
    return id;
  }

  private ingestSync = (events: PreparedEvent[]): IngestResult => {
    const deltas = new RollupDeltas();
    const newSessions = (this.newSessions = []) as string[];
    let accepted = 0;
    let duplicates = 0;
    const s = this.stmts;
    for (const p of events) {
      const e = p.event;
      const tsSec = Math.floor(e.time / 1000);
      const streamId = this.streamId(e.source, p.tool, p.provider, e.model);
      const identityId = this.identityId(e.identity);
      const attrsId = this.attrsId(e.attributes);
      const res = s.insertEvent.run(
        p.keyHash,
        tsSec,
        streamId,
        identityId,
        null,
        attrsId || null,
        e.tokens.input,
        e.tokens.output,
        e.tokens.cacheRead,
        e.tokens.cacheWrite,
        e.tokens.reasoning,
        e.requests,
        e.reportedCost === undefined ? null : usdToMicros(e.reportedCost),
        p.costMicros,
        e.activity ? JSON.stringify(e.activity) : null,
      );
      if (res.changes === 0) {
        duplicates++;
        continue;
      }
      accepted++;
      let newSession = false;
      if (e.sessionId) {
        const sk = `${e.source}\0${e.sessionId}`;
        if (!this.knownSessions.has(sk)) {
          newSession = s.insSession.get(e.source, e.sessionId, identityId, tsSec) !== undefined;
          if (this.knownSessions.size > 200_000) this.knownSessions.clear();
          this.knownSessions.add(sk);
          newSessions.push(sk);
        }
      }
      deltas.add(tsSec, identityId, streamId, attrsId, p, newSession);
    }
    for (const d of deltas.hourly.values()) s.upsertHourly.run(d.bucket, d.identityId, d.streamId, d.attrsId, ...d.values);
    for (const d of deltas.daily.values()) s.upsertDaily.run(d.bucket, d.identityId, d.streamId, d.attrsId, ...d.values);
    for (const d of factDeltas(deltas.daily.values())) {
      if (s.addFact.run(...d.values, d.bucket, d.identityId, d.streamId).changes === 0) s.insertFact.run(d.bucket, d.identityId, d.streamId, ...d.values);
    }
    return { accepted, duplicates };
  };

  private ingestTx = (events: PreparedEvent[], alsoInTx?: () => void): IngestResult => {
    try {
      return this.db.transaction((evs: PreparedEvent[]) => {
        const r = this.ingestSync(evs);
        alsoInTx?.();
        return r;
      })(events);
    } catch (err) {
      // Dictionary rows inserted inside the rolled-back transaction are gone: forget cached ids.
      for (const sk of this.newSessions) this.knownSessions.delete(sk);
      this.streamIds.clear();
      this.identityIds.clear();
      this.attrsIds.clear();
      throw err;
    }
  };

  async ingest(events: PreparedEvent[]): Promise<IngestResult> {
    return this.ingestTx(events);
  }

  async getSourceState(keys: string[]): Promise<Map<string, string>> {
    const get = this.db.prepare('SELECT value FROM source_state WHERE key = ?').pluck();
    const out = new Map<string, string>();
    for (const k of keys) {
      const v = get.get(k) as string | undefined;
      if (v !== undefined) out.set(k, v);
    }
    return out;
  }

  async ingestWithState(events: PreparedEvent[], state: [string, string][]): Promise<IngestResult> {
    const put = this.db.prepare('INSERT INTO source_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    return this.ingestTx(events, () => {
      for (const [k, v] of state) put.run(k, v);
    });
  }

  /**
   * Rebuild the facts of identities a directory change re-attributed (the
   * migration's triggers list them): everything when many are stale.
   */
  private refreshFacts(): void {
    if (this.stmts.anyStale.get() === undefined) return;
    const all = (this.stmts.countStale.get() as number) * 4 >= (this.stmts.countIdentities.get() as number);
    this.db.transaction(() => {
      for (const c of rebuildFacts(this.kysely, all)) this.run(c);
    })();
  }

  /**
   * Before a read of the facts: rebuild stale identities, then let the engine drop the days that changed
   * (the rebuild's writes included). Returns the engine, or null when reads go to SQL.
   */
  private freshFacts(): FactEngine | null {
    this.refreshFacts();
    this.facts?.cache.sync();
    return this.facts;
  }

  private run(c: CompiledQuery): void {
    this.db.prepare(c.sql).run(...(c.parameters as unknown[]));
  }

  async aggregate(spec: AggregateSpec): Promise<AggregateRow[]> {
    return this.freshFacts()?.aggregate(spec) ?? aggregate(this.kysely, 'sqlite', spec);
  }

  async aggregateSets(spec: { from: number; to: number; groupings: Dimension[][]; filters?: Filters }): Promise<AggregateRow[][]> {
    return this.freshFacts()?.aggregateSets(spec) ?? aggregateSets(this.kysely, spec);
  }

  async aggregateWindows(spec: { windows: { from: number; to: number }[]; filters?: Filters; daily?: boolean }): Promise<{ windows: AggregateRow[]; daily: AggregateRow[] | null }> {
    return this.freshFacts()?.aggregateWindows(spec) ?? aggregateWindows(this.kysely, spec);
  }

  async personActivity(spec: RangeSpec): Promise<PersonActivity[]> {
    return this.freshFacts()?.personActivity(spec) ?? personActivity(this.kysely, spec);
  }

  async personFirstSeen(): Promise<Map<number, number>> {
    const facts = this.freshFacts();
    if (!facts) return personFirstSeen(this.kysely);
    const seen = facts.cache.memo('personFirstSeen', ['identity', 'identity_seen'], () => personFirstSeen(this.kysely));
    return new Map(await seen);
  }

  async headcountPeople(): Promise<HeadcountPerson[]> {
    const facts = this.freshFacts();
    if (!facts) return headcountPeople(this.kysely);
    const people = facts.cache.memo('headcountPeople', ['person', 'team'], async () => (await headcountPeople(this.kysely)).map((p) => Object.freeze(p)));
    return (await people).slice();
  }

  async dimensionValues(): Promise<DimensionValues> {
    return dimensionValues(this.kysely);
  }

  async activePeople(spec: { from: number; to: number; sets: Filters[] }): Promise<number[]> {
    return this.freshFacts()?.activePeople(spec) ?? activePeople(this.kysely, spec);
  }

  async rawTotals() {
    const r = this.db
      .prepare(
        `SELECT count(*) events, coalesce(sum(requests),0) requests, coalesce(sum(input),0) input, coalesce(sum(output),0) output,
         coalesce(sum(cache_read),0) cacheRead, coalesce(sum(cache_write),0) cacheWrite, coalesce(sum(reasoning),0) reasoning,
         coalesce(sum(cost_reported),0) costReportedMicros, coalesce(sum(cost_computed),0) costComputedMicros FROM usage_event`,
      )
      .get() as Record<string, number>;
    return r as unknown as Awaited<ReturnType<Store['rawTotals']>>;
  }

  async pruneRawBefore(epochMs: number): Promise<number> {
    return this.db.prepare('DELETE FROM usage_event WHERE ts < ?').run(Math.floor(epochMs / 1000)).changes;
  }

  async upsertPeople(people: PersonInput[], opts?: UpsertPeopleOptions): Promise<UpsertPeopleResult> {
    const r = this.directory.upsertPeople(people, opts);
    this.identityIds.clear();
    return r;
  }

  async listPeople(): Promise<PersonRecord[]> {
    return this.directory.listPeople();
  }

  async countPeople(): Promise<number> {
    return this.db.prepare('SELECT count(*) FROM person').pluck().get() as number;
  }

  async addIngestKey(name: string, keyHash: string): Promise<void> {
    this.db
      .prepare('INSERT INTO ingest_key (hash, name, created_at) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING')
      .run(keyHash, name, Date.now());
  }

  async hasIngestKey(keyHash: string): Promise<boolean> {
    return this.db.prepare('SELECT 1 FROM ingest_key WHERE hash = ?').get(keyHash) !== undefined;
  }

  async getMeta(key: string): Promise<string | null> {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined) ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  async sizeOnDisk(): Promise<number> {
    if (this.file === ':memory:') {
      const pages = this.db.pragma('page_count', { simple: true }) as number;
      const size = this.db.pragma('page_size', { simple: true }) as number;
      return pages * size;
    }
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    let total = 0;
    for (const f of [this.file, `${this.file}-wal`]) if (fs.existsSync(f)) total += fs.statSync(f).size;
    return total;
  }

  async getPerson(ref: { id?: number; email?: string; externalId?: string }): Promise<PersonRecord | null> {
    return this.directory.getPerson(ref);
  }

  async setPersonStatus(id: number, status: 'active' | 'inactive', endDate?: string | null): Promise<void> {
    this.directory.setPersonStatus(id, status, endDate);
  }

  async renamePerson(id: number, email: string): Promise<void> {
    this.directory.renamePerson(id, email);
    this.identityIds.clear();
  }

  async renameTeam(id: number, name: string): Promise<void> {
    this.directory.renameTeam(id, name);
  }

  async listTeams(): Promise<TeamRecord[]> {
    return this.directory.listTeams();
  }

  async upsertTeam(team: TeamInput): Promise<TeamRecord> {
    return this.directory.upsertTeam(team);
  }

  async detachTeam(id: number): Promise<void> {
    this.directory.detachTeam(id);
  }

  async moveToTeam(personIds: number[], teamId: number | null, effectiveFrom: number): Promise<number> {
    return this.directory.moveToTeam(personIds, teamId, effectiveFrom);
  }

  async teamHistory(personId: number): Promise<MembershipRecord[]> {
    return this.directory.teamHistory(personId);
  }

  async listServices(): Promise<ServiceRecord[]> {
    return this.directory.listServices();
  }

  async upsertService(name: string, description?: string | null): Promise<ServiceRecord> {
    return this.directory.upsertService(name, description);
  }

  async listIdentityRules(): Promise<IdentityRule[]> {
    return this.directory.listRules();
  }

  async addIdentityRule(rule: IdentityRuleInput): Promise<IdentityRule> {
    return this.directory.addRule(rule);
  }

  async deleteIdentityRule(id: number): Promise<boolean> {
    return this.directory.deleteRule(id);
  }

  async getIdentity(ref: { id?: number; canonical?: string }): Promise<IdentityRecord | null> {
    return this.directory.getIdentity(ref);
  }

  async assignIdentity(identityId: number, target: AssignmentTarget, by?: string): Promise<IdentityRecord> {
    return this.directory.assign(identityId, target, by);
  }

  async reresolveIdentities(): Promise<number> {
    return this.db.transaction(() => this.directory.reresolve())();
  }

  async unattributedUsage(from: number, to: number, limit?: number): Promise<UnattributedRow[]> {
    return unattributedUsage(this.kysely, 'sqlite', from, to, limit);
  }

  async listPriceOverrides(): Promise<PriceOverride[]> {
    const rows = this.db.prepare('SELECT * FROM price_override ORDER BY valid_from, id').all() as Record<string, unknown>[];
    return rows.map(overrideFromRow);
  }

  async addPriceOverride(o: PriceOverrideInput): Promise<PriceOverride> {
    const id = Number(
      this.db
        .prepare('INSERT INTO price_override (kind, provider, model, discount, rates, valid_from, valid_to, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(o.kind, o.provider, o.model ?? null, o.discount ?? null, o.rates ? JSON.stringify(o.rates) : null, o.validFrom, o.validTo ?? null, o.note ?? null, Date.now())
        .lastInsertRowid,
    );
    return overrideFromRow(this.db.prepare('SELECT * FROM price_override WHERE id = ?').get(id) as Record<string, unknown>);
  }

  async deletePriceOverride(id: number): Promise<PriceOverride | null> {
    const row = this.db.prepare('SELECT * FROM price_override WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    if (!row) return null;
    this.db.prepare('DELETE FROM price_override WHERE id = ?').run(id);
    return overrideFromRow(row);
  }

  async recomputeCosts(from: number, to: number, pricer: Pricer): Promise<RecomputeResult> {
    return recomputeCostsSqlite(this.db, from, to, pricer, (fromSec, toSec) => this.run(resumFacts(this.kysely, fromSec, toSec)));
  }

  async streamUsage(from: number, to: number): Promise<StreamUsage[]> {
    return streamUsage(this.kysely, from, to);
  }

  async warmUp(days = 63): Promise<void> {
    if (!this.facts || !this.db.open) return;
    const latest = this.db.prepare('SELECT max(day) FROM usage_fact_daily').pluck().get() as number | null;
    if (latest === null) return;
    // A day per turn of the event loop: requests are served in between.
    for (let d = latest; d > latest - days * DAY; d -= DAY) {
      await new Promise((r) => setImmediate(r));
      if (!this.db.open) return;
      this.freshFacts()?.cache.range(d, d + DAY);
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.pragma('optimize');
    this.db.close();
  }
}

function overrideFromRow(r: Record<string, unknown>): PriceOverride {
  return {
    id: Number(r.id),
    kind: r.kind as PriceOverride['kind'],
    provider: String(r.provider),
    model: (r.model as string | null) ?? null,
    discount: (r.discount as number | null) ?? null,
    rates: r.rates ? (JSON.parse(String(r.rates)) as PriceOverride['rates']) : null,
    validFrom: Number(r.valid_from),
    validTo: r.valid_to === null ? null : Number(r.valid_to),
    note: (r.note as string | null) ?? null,
  };
}

export { N_FIELDS };
