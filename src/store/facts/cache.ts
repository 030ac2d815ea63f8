/**
 * The days of facts held in memory, bounded (least recently used days go
 * first) and kept coherent with the `usage_fact_daily` table:
 *
 * - Writes on this connection: TEMP triggers on the fact table record the day
 *   of every inserted, updated or deleted fact row in a TEMP table (TEMP
 *   objects belong to this connection only). Every path that changes facts —
 *   ingest, a late event into an old day, the rebuild of identities a
 *   directory change made stale, cost recompute, erasure, and any path added
 *   later — goes through those triggers, so no write path needs a hook of its
 *   own. A rolled-back transaction rolls its records back with it. Before each
 *   read the recorded days are dropped and the record emptied.
 * - Writes by another connection (another process on the same file): they do
 *   not fire this connection's TEMP triggers, but they change `PRAGMA
 *   data_version`, checked before each read; any change drops every day.
 *
 * The caller rebuilds stale identities' facts (SqliteStore.refreshFacts)
 * before `sync()`, so the rebuild's own writes are recorded and dropped too.
 *
 * The same two mechanisms keep memoised directory reads (headcounts, first
 * active days): TEMP triggers on the tables they read record which changed.
 */
import type Database from 'better-sqlite3';
import { DAY } from '../rollup.js';
import { type DayColumns, type Dictionaries, DayLoader, Members, newDictionaries, Streams } from './columns.js';

export const DIRTY_TABLE = 'fact_engine_dirty_day';
export const CHANGED_TABLE = 'fact_engine_changed_table';

/**
 * Directory tables some memoised reads depend on (headcounts, first activity), with the writes that matter:
 * any write to people and teams; identities added, removed or (re-)attributed; a first active day that moves.
 */
const WATCHED = [
  ['person', ['INSERT', 'UPDATE', 'DELETE']],
  ['team', ['INSERT', 'UPDATE', 'DELETE']],
  ['identity', ['INSERT', 'UPDATE', 'DELETE']],
  ['identity_seen', ['INSERT', 'DELETE', 'UPDATE OF first_day']],
] as const;
export type WatchedTable = (typeof WATCHED)[number][0];

const INSTALL = `
  CREATE TEMP TABLE IF NOT EXISTS ${DIRTY_TABLE} (day INTEGER PRIMARY KEY);
  CREATE TEMP TRIGGER IF NOT EXISTS fact_engine_insert AFTER INSERT ON main.usage_fact_daily BEGIN
    INSERT INTO ${DIRTY_TABLE} (day) SELECT new.day WHERE NOT EXISTS (SELECT 1 FROM ${DIRTY_TABLE} WHERE day = new.day);
  END;
  CREATE TEMP TRIGGER IF NOT EXISTS fact_engine_update AFTER UPDATE ON main.usage_fact_daily BEGIN
    INSERT INTO ${DIRTY_TABLE} (day) SELECT old.day WHERE NOT EXISTS (SELECT 1 FROM ${DIRTY_TABLE} WHERE day = old.day);
    INSERT INTO ${DIRTY_TABLE} (day) SELECT new.day WHERE NOT EXISTS (SELECT 1 FROM ${DIRTY_TABLE} WHERE day = new.day);
  END;
  CREATE TEMP TRIGGER IF NOT EXISTS fact_engine_delete AFTER DELETE ON main.usage_fact_daily BEGIN
    INSERT INTO ${DIRTY_TABLE} (day) SELECT old.day WHERE NOT EXISTS (SELECT 1 FROM ${DIRTY_TABLE} WHERE day = old.day);
  END;
  CREATE TEMP TABLE IF NOT EXISTS ${CHANGED_TABLE} (name TEXT PRIMARY KEY);
  ${WATCHED.map(([table, events]) =>
    events
      .map(
        (event, n) => `CREATE TEMP TRIGGER IF NOT EXISTS fact_engine_${table}_${n} AFTER ${event} ON main.${table} BEGIN
    INSERT INTO ${CHANGED_TABLE} (name) SELECT '${table}' WHERE NOT EXISTS (SELECT 1 FROM ${CHANGED_TABLE} WHERE name = '${table}');
  END;`,
      )
      .join('\n'),
  ).join('\n')}`;

export interface FactCacheStats {
  days: number;
  rows: number;
  bytes: number;
  loads: number;
  dropped: number;
}

/** What a day counts for in the row budget: its rows, and at least one (an empty day still takes some memory). */
const weight = (c: DayColumns) => Math.max(1, c.rows);

export class FactCache {
  private days = new Map<number, DayColumns>();
  private rows = 0;
  private version: number;
  private dicts = newDictionaries();
  private people = new Members();
  private streams: Streams;
  private loader: DayLoader;
  private readonly dirty: Database.Statement;
  private readonly clean: Database.Statement;
  private readonly changed: Database.Statement;
  private readonly cleanChanged: Database.Statement;
  private readonly memos = new Map<string, { tables: readonly WatchedTable[]; value: unknown }>();
  /** Day loads and days dropped since open (for tests and the benchmark). */
  loads = 0;
  dropped = 0;

  constructor(
    private readonly db: Database.Database,
    /** Fact rows kept in memory at most (a query may hold more while it runs). */
    private readonly maxRows: number,
  ) {
    db.exec(INSTALL);
    this.dirty = db.prepare(`SELECT day FROM temp.${DIRTY_TABLE}`).pluck();
    this.clean = db.prepare(`DELETE FROM temp.${DIRTY_TABLE}`);
    this.changed = db.prepare(`SELECT name FROM temp.${CHANGED_TABLE}`).pluck();
    this.cleanChanged = db.prepare(`DELETE FROM temp.${CHANGED_TABLE}`);
    this.version = this.dataVersion();
    this.streams = new Streams(db, this.dicts);
    this.loader = new DayLoader(db, this.dicts, this.people, this.streams);
  }

  get dictionaries(): Dictionaries {
    return this.dicts;
  }

  get members(): Members {
    return this.people;
  }

  get streamLabels(): Streams['labels'] {
    return this.streams.labels;
  }

  private dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** Drop what changed since the last read: the days written on this connection, everything after another connection's write. */
  sync(): void {
    const v = this.dataVersion();
    if (v !== this.version) {
      this.version = v;
      this.clear();
      this.memos.clear();
      this.clean.run();
      this.cleanChanged.run();
      return;
    }
    const days = this.dirty.all() as number[];
    if (days.length) {
      for (const d of days) this.drop(d);
      this.clean.run();
    }
    const tables = this.changed.all() as WatchedTable[];
    if (tables.length) {
      for (const [name, m] of this.memos) if (m.tables.some((t) => tables.includes(t))) this.memos.delete(name);
      this.cleanChanged.run();
    }
  }

  /** A read of directory tables, computed again only after one of `tables` changed (call `sync()` first). */
  memo<T>(name: string, tables: readonly WatchedTable[], compute: () => T): T {
    const m = this.memos.get(name);
    if (m) return m.value as T;
    const value = compute();
    this.memos.set(name, { tables, value });
    // A failed read is not kept.
    if (value instanceof Promise) value.catch(() => this.memos.get(name)?.value === value && this.memos.delete(name));
    return value;
  }

  /** Forget everything (dictionaries too: strings no fact holds any more go with them). */
  clear(): void {
    this.dropped += this.days.size;
    this.days.clear();
    this.rows = 0;
    this.dicts = newDictionaries();
    this.people = new Members();
    this.streams = new Streams(this.db, this.dicts);
    this.loader = new DayLoader(this.db, this.dicts, this.people, this.streams);
  }

  private drop(day: number): void {
    const c = this.days.get(day);
    if (!c) return;
    this.days.delete(day);
    this.rows -= weight(c);
    this.dropped++;
  }

  /** The days of [fromSec, toSec) (whole days), oldest first, loading the missing ones in runs. */
  range(fromSec: number, toSec: number): DayColumns[] {
    const out: DayColumns[] = [];
    let missingFrom = -1;
    const loadMissing = (until: number) => {
      if (missingFrom < 0) return;
      for (const c of this.loader.load(missingFrom, until)) {
        this.days.set(c.day, c);
        this.rows += weight(c);
        this.loads++;
        out.push(c);
      }
      missingFrom = -1;
    };
    for (let d = fromSec; d < toSec; d += DAY) {
      const c = this.days.get(d);
      if (c) {
        loadMissing(d);
        // Most recently used last: eviction takes from the front.
        this.days.delete(d);
        this.days.set(d, c);
        out.push(c);
      } else if (missingFrom < 0) missingFrom = d;
    }
    loadMissing(toSec);
    this.evict(fromSec, toSec);
    return out;
  }

  private evict(keepFrom: number, keepTo: number): void {
    for (const [d] of this.days) {
      if (this.rows <= this.maxRows) return;
      if (d >= keepFrom && d < keepTo) continue;
      this.drop(d);
      this.dropped--;
    }
  }

  stats(): FactCacheStats {
    // Days grow a little after loading (rollups made on demand): count them now.
    let bytes = 0;
    for (const c of this.days.values()) bytes += c.bytes;
    return { days: this.days.size, rows: this.rows, bytes, loads: this.loads, dropped: this.dropped };
  }
}
