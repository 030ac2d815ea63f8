/**
 * The fact engine: whole-day questions of the store (aggregate, aggregateSets,
 * aggregateWindows, activePeople, personActivity) answered by scanning the
 * daily facts held in memory as columns (cache.ts), like an OLAP engine keeps
 * a column store beside the row store. SQLite needs 15–50 ms for each
 * `count(distinct who)` over a month of facts and panels ask several; a scan
 * of typed arrays with a bitset of people per group does it in about a millisecond.
 *
 * Per day, rows that pass the filters are summed per fine group — the day's
 * cube rows (team, function, stream) when nothing asks for person, manager or
 * identity (a rollup of them when nothing is filtered either), else the asked
 * dimensions — and each grouping sums fine groups into its own groups and
 * marks their people row by row.
 *
 * Every answer equals the SQL path's (src/store/sql/aggregate.ts and
 * activity.ts reading usage_fact_daily and usage_cube_daily), row order
 * included: the store contract runs against both, and bench/query-compare.ts
 * compares every panel's response byte for byte. Questions that are not whole
 * days (hourly buckets, ranges not on UTC midnight) return null here, and the
 * store asks SQL.
 */
import type Database from 'better-sqlite3';
import { DAY, ROLLUP_FIELDS } from '../rollup.js';
import { MEASURES, measuresOf } from '../sql/aggregate.js';
import type { AggregateRow, AggregateSpec, Bucket, Dimension, Filters, PersonActivity, RangeSpec } from '../types.js';
import { FactCache } from './cache.js';
import { type CubeColumn, type DayColumns, type Dictionary, type Measure, rollup } from './columns.js';

/** Fact rows kept in memory by default (~105 bytes each with the day cubes): a year of the 10,000-person benchmark is 0.67 M rows, 70 MB. */
export const DEFAULT_MAX_ROWS = 2_000_000;

type Pred = (c: DayColumns, i: number) => boolean;

const FIELD = new Map<string, number>(ROLLUP_FIELDS.map((f, n) => [f, n]));
const ALIAS_FIELD: Record<string, number> = Object.fromEntries(MEASURES.map(([column, alias]) => [alias, FIELD.get(column)!]));
const N = ROLLUP_FIELDS.length;
const LABEL_DIMS = ['tool', 'model', 'provider', 'source'] as const;
type LabelDim = (typeof LABEL_DIMS)[number];
const isLabel = (d: Dimension): d is LabelDim => (LABEL_DIMS as readonly string[]).includes(d);

/**
 * What a row is grouped by before the groupings are formed: the non-label
 * dimensions asked for, and the stream when any label (tool, model, provider,
 * source) is asked for, since the stream determines all four.
 */
type FineDim = Exclude<Dimension, LabelDim> | 'stream';
const FINE_COLUMN: Record<FineDim, 'key' | 'team' | 'func' | 'manager' | 'identity' | 'stream'> = {
  person: 'key',
  team: 'team',
  function: 'func',
  manager: 'manager',
  identity: 'identity',
  stream: 'stream',
};

/**
 * Distinct people per group: a bitset per group (one flat array), or, for
 * many small groups (per person, manager, identity), one set of (group, person) pairs.
 */
class Distinct {
  bits = new Uint32Array(0);
  readonly words: number;
  private groups = 0;
  readonly pairs: Set<number> | null;

  constructor(
    private readonly members: number,
    sparse: boolean,
  ) {
    this.words = (members + 31) >>> 5;
    this.pairs = sparse ? new Set() : null;
  }

  addGroup(): void {
    this.groups++;
    if (this.pairs || this.bits.length >= this.groups * this.words) return;
    const grown = new Uint32Array(Math.max(this.groups * this.words, this.bits.length * 2));
    grown.set(this.bits);
    this.bits = grown;
  }

  /** Mark the people of a day's rows: row i (with fine group fine[i] >= 0) in group coarse[fine[i]]. */
  mark(c: DayColumns, fine: Int32Array, coarse: Int32Array): void {
    const { human, member } = c;
    if (this.pairs) {
      for (let i = 0; i < c.rows; i++) {
        const f = fine[i]!;
        if (f >= 0 && human[i] === 1) this.pairs.add(coarse[f]! * this.members + member[i]!);
      }
      return;
    }
    const bits = this.bits;
    const words = this.words;
    for (let i = 0; i < c.rows; i++) {
      const f = fine[i]!;
      if (f < 0 || human[i] === 0) continue;
      const m = member[i]!;
      bits[coarse[f]! * words + (m >>> 5)]! |= 1 << (m & 31);
    }
  }

  counts(): number[] {
    const out = new Array<number>(this.groups).fill(0);
    if (this.pairs) for (const p of this.pairs) out[Math.floor(p / this.members)]!++;
    else for (let g = 0; g < this.groups; g++) out[g] = popcount(this.bits, g * this.words, (g + 1) * this.words);
    return out;
  }
}

/** Bits set in bits[from, to) (all of it by default). */
function popcount(bits: Uint32Array, from = 0, to = bits.length): number {
  let n = 0;
  for (let w = from; w < to; w++) {
    let v = bits[w]!;
    v = v - ((v >>> 1) & 0x55555555);
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    n += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return n;
}

/** One grouping over a sub-range of the scanned days. */
interface Grouping {
  fromSec: number;
  toSec: number;
  bucket?: Bucket;
  dims: Dimension[];
  /** The cube columns the dimensions come from, when they all do (rollups). */
  cubeCols: CubeColumn[];
  withSums: boolean;
  index: Map<number | string, number>;
  buckets: number[];
  codes: number[][];
  /** Group g's sums at [g * N, (g + 1) * N), by ROLLUP_FIELDS index. */
  sums: Float64Array;
  people: Distinct | null;
}

export class FactEngine {
  readonly cache: FactCache;
  private readonly identityCanonical: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    opts: { maxRows?: number } = {},
  ) {
    this.cache = new FactCache(db, opts.maxRows ?? DEFAULT_MAX_ROWS);
    this.identityCanonical = db.prepare('SELECT canonical FROM identity WHERE id = ?').pluck();
  }

  aggregate(spec: AggregateSpec): AggregateRow[] | null {
    const range = wholeDays(spec.from, spec.to, spec.bucket);
    if (!range) return null;
    const g = grouping(range, spec.groupBy ?? [], !spec.peopleOnly, spec.bucket);
    this.scan(range, spec.filters, [g]);
    return this.rows(g);
  }

  aggregateSets(spec: { from: number; to: number; groupings: Dimension[][]; filters?: Filters }): AggregateRow[][] | null {
    const range = wholeDays(spec.from, spec.to);
    if (!range || spec.groupings.length === 0) return null;
    const gs = spec.groupings.map((dims) => grouping(range, dims, true));
    this.scan(range, spec.filters, gs);
    return gs.map((g) => this.rows(g));
  }

  aggregateWindows(spec: { windows: { from: number; to: number }[]; filters?: Filters; daily?: boolean }): { windows: AggregateRow[]; daily: AggregateRow[] | null } | null {
    const ms = DAY * 1000;
    if (spec.windows.length === 0 || !spec.windows.every((w) => w.from % ms === 0 && w.to % ms === 0)) return null;
    const secs = spec.windows.map((w) => [w.from / 1000, w.to / 1000] as [number, number]);
    const range: [number, number] = [Math.min(...secs.map((s) => s[0])), Math.max(...secs.map((s) => s[1]))];
    const gs = secs.map((s) => grouping(s, [], true));
    const daily = spec.daily ? grouping(secs[0]!, [], true, 'day') : null;
    this.scan(range, spec.filters, daily ? [...gs, daily] : gs);
    return { windows: gs.map((g) => this.rows(g)[0]!), daily: daily ? this.rows(daily) : null };
  }

  activePeople(spec: { from: number; to: number; sets: Filters[] }): number[] | null {
    const range = wholeDays(spec.from, spec.to);
    if (!range || spec.sets.length === 0) return null;
    const days = this.cache.range(range[0], range[1]);
    const preds = spec.sets.map((f) => this.predicate(f));
    const seen = spec.sets.map(() => new Uint32Array((this.cache.members.size + 31) >>> 5));
    for (const c of days) {
      for (let i = 0; i < c.rows; i++) {
        if (c.human[i] === 0) continue;
        const m = c.member[i]!;
        for (let k = 0; k < preds.length; k++) if (!preds[k] || preds[k]!(c, i)) seen[k]![m >>> 5]! |= 1 << (m & 31);
      }
    }
    return seen.map((b) => popcount(b));
  }

  personActivity(spec: RangeSpec): PersonActivity[] | null {
    const range = wholeDays(spec.from, spec.to);
    if (!range) return null;
    const days = this.cache.range(range[0], range[1]);
    const pred = this.predicate(spec.filters);
    const dicts = this.cache.dictionaries;
    const { tool, model } = this.cache.streamLabels;
    const FIELDS = (['input', 'output', 'cache_read', 'cache_write', 'cost_best', 'requests', 'commits', 'pull_requests'] as const).map((f) => FIELD.get(f)!);
    const W = FIELDS.length;
    // Per person (slot, in order of first row): typed arrays rather than objects, grown as people appear.
    const members = this.cache.members.size;
    const slot = new Int32Array(members).fill(-1);
    const member = new Int32Array(members);
    const key = new Int32Array(members);
    const team = new Int32Array(members);
    const func = new Int32Array(members);
    const flags = new Uint8Array(members); // 1: attributed, 2: service
    const activeDays = new Int32Array(members);
    const lastDay = new Float64Array(members).fill(-1);
    const toolWords = (dicts.tool.size + 31) >>> 5;
    const modelWords = (dicts.model.size + 31) >>> 5;
    const tools = new Uint32Array(members * toolWords);
    const models = new Uint32Array(members * modelWords);
    const sums = new Float64Array(members * W);
    let n = 0;
    const min = (cur: number, next: number, values: (string | null)[]) =>
      cur === 0 ? next : next === 0 || next === cur ? cur : compareText(values[next]!, values[cur]!) < 0 ? next : cur;
    let rowSlot = new Int32Array(0);
    for (const c of days) {
      if (rowSlot.length < c.rows) rowSlot = new Int32Array(c.rows * 2);
      for (let i = 0; i < c.rows; i++) {
        rowSlot[i] = -1;
        if (spec.unattributedOnly && (c.attributed[i] === 1 || c.human[i] === 0)) continue;
        if (pred && !pred(c, i)) continue;
        const m = c.member[i]!;
        let s = slot[m]!;
        if (s < 0) {
          s = slot[m] = n++;
          member[s] = m;
          key[s] = c.key[i]!;
        } else if (key[s] !== c.key[i]) key[s] = min(key[s]!, c.key[i]!, dicts.key.values);
        rowSlot[i] = s;
        flags[s] |= (c.attributed[i]! === 1 ? 1 : 0) | (c.human[i] === 0 ? 2 : 0);
        if (team[s] !== c.team[i]) team[s] = min(team[s]!, c.team[i]!, dicts.team.values);
        if (func[s] !== c.func[i]) func[s] = min(func[s]!, c.func[i]!, dicts.func.values);
        // Days are scanned in order: a new last day is a new active day.
        if (lastDay[s] !== c.day) {
          activeDays[s]++;
          lastDay[s] = c.day;
        }
        const t = tool[c.stream[i]!]!;
        tools[s * toolWords + (t >>> 5)]! |= 1 << (t & 31);
        const md = model[c.stream[i]!]!;
        models[s * modelWords + (md >>> 5)]! |= 1 << (md & 31);
      }
      FIELDS.forEach((f, k) => {
        const col = c.measures[f];
        if (col) addColumn(sums, W, k, col, rowSlot, c.rows);
      });
    }
    const ids = this.cache.members.values;
    const order = Array.from({ length: n }, (_, s) => s).sort((a, b) => ids[member[a]!]! - ids[member[b]!]!);
    return order.map((s) => {
      const o = s * W;
      return {
        id: ids[member[s]!]!,
        key: dicts.key.values[key[s]!]!,
        attributed: (flags[s]! & 1) === 1,
        service: (flags[s]! & 2) === 2,
        team: dicts.team.values[team[s]!] ?? null,
        function: dicts.func.values[func[s]!] ?? null,
        activeDays: activeDays[s]!,
        lastDay: lastDay[s]! * 1000,
        tokens: sums[o]! + sums[o + 1]! + sums[o + 2]! + sums[o + 3]!,
        input: sums[o]!,
        cacheRead: sums[o + 2]!,
        cost: sums[o + 4]! / 1e6,
        requests: sums[o + 5]!,
        commits: sums[o + 6]!,
        pullRequests: sums[o + 7]!,
        tools: popcount(tools, s * toolWords, (s + 1) * toolWords),
        models: popcount(models, s * modelWords, (s + 1) * modelWords),
      };
    });
  }

  /**
   * One pass over the days of `range`. Per day, the rows that pass the filters
   * are first summed per fine group (the union of the asked dimensions, labels
   * by stream), column by column; each grouping then sums the fine groups into
   * its own and marks its groups' people row by row.
   */
  private scan(range: [number, number], filters: Filters | undefined, gs: Grouping[]): void {
    const days = this.cache.range(range[0], range[1]);
    const pred = this.predicate(filters);
    const members = this.cache.members.size;
    for (const g of gs) g.people = new Distinct(members, g.dims.some((d) => d === 'person' || d === 'identity' || d === 'manager'));
    // Sums from the day's cube rows when nothing asks for person, manager or identity (as aggregate.ts reads usage_cube_daily).
    const cubeable =
      gs.every((g) => g.dims.every((d) => d !== 'person' && d !== 'manager' && d !== 'identity')) &&
      !(filters?.person?.length || filters?.manager?.length || filters?.excludePerson?.length);
    const fineDims: FineDim[] = cubeable ? ['team', 'function', 'stream'] : [...new Set(gs.flatMap((g) => g.dims.map((d): FineDim => (isLabel(d) ? 'stream' : d))))];
    const fineCols = fineDims.map((d) => FINE_COLUMN[d]);
    const labels = this.cache.streamLabels;
    // Each grouping's dimension codes from a fine group's codes: at `at(d)` among the fine columns.
    const getters = (g: Grouping, at: (d: Dimension) => number) =>
      g.dims.map((d): ((cols: Int32Array[], f: number) => number) => {
        const n = at(d);
        if (!isLabel(d)) return (cols, f) => cols[n]![f]!;
        const l = labels[d];
        return (cols, f) => l[cols[n]![f]!]!;
      });
    const codeOf = gs.map((g) => getters(g, (d) => fineDims.indexOf(isLabel(d) ? 'stream' : d)));
    const rollupCodeOf = gs.map((g) => getters(g, (d) => g.cubeCols.indexOf(isLabel(d) ? 'stream' : (FINE_COLUMN[d] as CubeColumn))));
    const withSums = gs.some((g) => g.withSums);
    let fine = new Int32Array(0);
    for (const c of days) {
      const active = gs.map((_, k) => k).filter((k) => c.day >= gs[k]!.fromSec && c.day < gs[k]!.toSec);
      if (active.length === 0 || c.rows === 0) continue;
      if (fine.length < c.rows) fine = new Int32Array(c.rows * 2);
      // The day's fine groups: their codes (one column per fine dimension) and sums (one column per measure).
      let groupCols: Int32Array[];
      let groupSums: Measure[];
      let groups: number;
      /** Fine groups the filters keep (null: all). */
      let live: Uint8Array | null = null;
      if (cubeable && !pred) {
        // No filters: each grouping reads the cube rolled up to its own columns (a few rows a day), and marks people through it.
        for (const k of active) {
          const g = gs[k]!;
          const r = rollup(c, g.cubeCols);
          const coarse = this.coarse(g, c.day, r.cols, r.rows, null, rollupCodeOf[k]!);
          if (g.withSums) addSums(g, r.measures, coarse);
          const ofCube = scratch(1, c.cube.rows);
          for (let q = 0; q < ofCube.length; q++) ofCube[q] = coarse[r.ofCube[q]!]!;
          g.people!.mark(c, c.cubeRow, ofCube);
        }
        continue;
      }
      if (cubeable) {
        const cube = c.cube;
        groupCols = [cube.team, cube.func, cube.stream];
        groupSums = cube.measures;
        groups = cube.rows;
        if (pred) {
          // The filters read only team, function and stream here, which cube rows have under the same names.
          const ok = (live = new Uint8Array(cube.rows));
          for (let r = 0; r < cube.rows; r++) ok[r] = pred(cube as unknown as DayColumns, r) ? 1 : 0;
          for (let i = 0; i < c.rows; i++) fine[i] = ok[c.cubeRow[i]!] ? c.cubeRow[i]! : -1;
        } else fine.set(c.cubeRow);
      } else {
        const codes = fineGroups(c, pred, fineCols.map((col) => c[col]), fine);
        groups = codes.length;
        groupCols = fineDims.map((_, n) => Int32Array.from(codes, (x) => x[n]!));
        groupSums = c.measures.map((col) => {
          if (!col || !withSums) return null;
          const sums = new Float64Array(groups);
          addColumn(sums, 1, 0, col, fine, c.rows);
          return sums;
        });
      }
      if (groups === 0) continue;
      for (const k of active) {
        const g = gs[k]!;
        const coarse = this.coarse(g, c.day, groupCols, groups, live, codeOf[k]!);
        if (g.withSums) addSums(g, groupSums, coarse);
        g.people!.mark(c, fine, coarse);
      }
    }
  }

  /** The group of `g` each of a day's fine groups falls in (-1 for those the filters drop), made when first seen. */
  private coarse(g: Grouping, day: number, cols: Int32Array[], groups: number, live: Uint8Array | null, dimCode: ((cols: Int32Array[], f: number) => number)[]): Int32Array {
    const bucket = g.bucket ? bucketOf(day, g.bucket) : 0;
    const coarse = scratch(0, groups).fill(-1);
    for (let f = 0; f < groups; f++) {
      if (live && live[f] === 0) continue;
      let key: number | string = bucket / DAY;
      if (dimCode.length === 1 && dimCode[0]!(cols, f) < WIDE) key = key * WIDE + dimCode[0]!(cols, f);
      else if (dimCode.length > 0) key = `${key},${dimCode.map((code) => code(cols, f)).join(',')}`;
      let id = g.index.get(key);
      if (id === undefined) {
        id = g.codes.length;
        g.index.set(key, id);
        g.buckets.push(bucket);
        g.codes.push(dimCode.map((code) => code(cols, f)));
        if (g.sums.length < (id + 1) * N) {
          const grown = new Float64Array(Math.max(16 * N, g.sums.length * 2));
          grown.set(g.sums);
          g.sums = grown;
        }
        g.people!.addGroup();
      }
      coarse[f] = id;
    }
    return coarse;
  }

  /** A grouping's rows in the SQL path's order: by bucket, then keys (null first, then by bytes, SQLite's BINARY collation). */
  private rows(g: Grouping): AggregateRow[] {
    const dicts = this.cache.dictionaries;
    const canonical = new Map<number, string | null>();
    const keyText = (d: Dimension, code: number): string | null => {
      if (d === 'identity') {
        if (!canonical.has(code)) canonical.set(code, (this.identityCanonical.get(code) as string | undefined) ?? null);
        return canonical.get(code)!;
      }
      const dict = d === 'person' ? dicts.key : d === 'function' ? dicts.func : dicts[d];
      return dict.values[code] ?? null;
    };
    const people = g.people?.counts() ?? [];
    const groups = g.codes.map((codes, id) => ({ id, bucket: g.buckets[id]!, keys: g.dims.map((d, n) => keyText(d, codes[n]!)) }));
    groups.sort((x, y) => {
      if (x.bucket !== y.bucket) return x.bucket - y.bucket;
      for (let n = 0; n < x.keys.length; n++) {
        const a = x.keys[n]!;
        const b = y.keys[n]!;
        if (a === b) continue;
        if (a === null) return -1;
        if (b === null) return 1;
        return compareText(a, b);
      }
      return 0;
    });
    // Without grouping or bucket SQL returns one row even when nothing matched: callers expect totals.
    if (groups.length === 0 && g.dims.length === 0 && !g.bucket) return [{ keys: {}, ...measuresOf(() => 0) }];
    return groups.map(({ id, bucket, keys }) => {
      const k: AggregateRow['keys'] = {};
      g.dims.forEach((d, n) => (k[d] = keys[n]!));
      const at = id * N;
      const n = (alias: string) => (alias === 'people' ? people[id]! : g.withSums ? g.sums[at + ALIAS_FIELD[alias]!]! : 0);
      // Two literals, not a spread of a conditional object: V8 builds those 50× slower.
      const m = measuresOf(n);
      return g.bucket ? { bucket: bucket * 1000, keys: k, ...m } : { keys: k, ...m };
    });
  }

  /**
   * The filters as a row predicate (null when there are none), with the SQL
   * path's meaning (aggregate.ts `condition`): `in` never matches null; a
   * person is matched by their email or an identity's own email; exclusions
   * read the person's email else the identity's, and a missing function as ''.
   * Built after the days are loaded, so the dictionaries hold every value rows have.
   */
  private predicate(filters: Filters | undefined): Pred | null {
    if (!filters) return null;
    const dicts = this.cache.dictionaries;
    const labels = this.cache.streamLabels;
    const set = (dict: Dictionary, values: string[]) => {
      const a = new Uint8Array(dict.size);
      for (const v of values) {
        const c = dict.find(v);
        if (c > 0) a[c] = 1;
      }
      return a;
    };
    const parts: Pred[] = [];
    const by = (values: string[] | undefined, col: 'team' | 'func' | 'manager') => {
      if (!values?.length) return;
      const a = set(dicts[col], values);
      parts.push((c, i) => a[c[col][i]!] === 1);
    };
    by(filters.team, 'team');
    by(filters.function, 'func');
    by(filters.manager, 'manager');
    const streamFilters = LABEL_DIMS.filter((d) => filters[d]?.length);
    if (streamFilters.length) {
      const ok = new Uint8Array(labels.tool.length).fill(1);
      for (const d of streamFilters) {
        const a = set(dicts[d], filters[d]!);
        for (let s = 0; s < ok.length; s++) if (a[labels[d][s]!] !== 1) ok[s] = 0;
      }
      parts.push((c, i) => ok[c.stream[i]!] === 1);
    }
    if (filters.person?.length) {
      const a = set(dicts.key, filters.person);
      const ids = this.identitiesWhere('email', filters.person);
      parts.push((c, i) => (c.attributed[i] === 1 && a[c.key[i]!] === 1) || ids.has(c.identity[i]!));
    }
    if (filters.excludePerson?.length) {
      const a = set(dicts.key, filters.excludePerson);
      const ids = this.identitiesWhere("coalesce(email, '')", filters.excludePerson);
      parts.push((c, i) => (c.attributed[i] === 1 ? a[c.key[i]!] !== 1 : !ids.has(c.identity[i]!)));
    }
    if (filters.excludeFunction?.length) {
      const a = set(dicts.func, filters.excludeFunction);
      const none = filters.excludeFunction.includes('');
      parts.push((c, i) => {
        const f = c.func[i]!;
        return f === 0 ? !none : a[f] !== 1;
      });
    }
    if (parts.length === 0) return null;
    if (parts.length === 1) return parts[0]!;
    return (c, i) => {
      for (const p of parts) if (!p(c, i)) return false;
      return true;
    };
  }

  /** Identity ids whose `expr` (an email expression) is one of `values`: read now, as the SQL path's subquery does. */
  private identitiesWhere(expr: 'email' | "coalesce(email, '')", values: string[]): Set<number> {
    const ids = this.db.prepare(`SELECT id FROM identity WHERE ${expr} IN (${values.map(() => '?').join(', ')})`).pluck().all(...values) as number[];
    return new Set(ids);
  }
}

let table = new Int32Array(0);

/**
 * The fine group of each row of a day (-1 when the filters drop it) in
 * `fine`, and each fine group's codes. Codes index a table when their ranges
 * multiply to a small number (nearly always), else a map.
 */
function fineGroups(c: DayColumns, pred: Pred | null, cols: Int32Array[], fine: Int32Array): number[][] {
  const codes: number[][] = [];
  const rows = c.rows;
  if (cols.length === 0) {
    for (let i = 0; i < rows; i++) fine[i] = pred && !pred(c, i) ? -1 : 0;
    if (fine.subarray(0, rows).some((f) => f === 0)) codes.push([]);
    return codes;
  }
  const radix = cols.map((col) => col.subarray(0, rows).reduce((a, b) => Math.max(a, b), 0) + 1);
  const size = radix.reduce((a, b) => a * b, 1);
  if (size > 1 << 20) {
    const index = new Map<number | string, number>();
    for (let i = 0; i < rows; i++) {
      if (pred && !pred(c, i)) {
        fine[i] = -1;
        continue;
      }
      const key = fineKey(cols, i);
      let f = index.get(key);
      if (f === undefined) {
        f = codes.length;
        index.set(key, f);
        codes.push(cols.map((col) => col[i]!));
      }
      fine[i] = f;
    }
    return codes;
  }
  if (table.length < size) table = new Int32Array(Math.max(size, table.length * 2)).fill(-1);
  const used: number[] = [];
  const [a, b] = cols;
  const rb = radix[1] ?? 1;
  for (let i = 0; i < rows; i++) {
    if (pred && !pred(c, i)) {
      fine[i] = -1;
      continue;
    }
    let k: number;
    if (cols.length === 1) k = a![i]!;
    else if (cols.length === 2) k = a![i]! * rb + b![i]!;
    else {
      k = 0;
      for (let j = 0; j < cols.length; j++) k = k * radix[j]! + cols[j]![i]!;
    }
    let f = table[k]!;
    if (f < 0) {
      f = table[k] = codes.length;
      used.push(k);
      codes.push(cols.map((col) => col[i]!));
    }
    fine[i] = f;
  }
  // Leave the table empty for the next day.
  for (const k of used) table[k] = -1;
  return codes;
}

/** Codes and ids stay far below this; two of them make one exact number key. */
const WIDE = 2 ** 21;

function fineKey(cols: Int32Array[], i: number): number | string {
  switch (cols.length) {
    case 0:
      return 0;
    case 1:
      return cols[0]![i]!;
    case 2: {
      const b = cols[1]![i]!;
      if (b < WIDE) return cols[0]![i]! * WIDE + b;
    }
  }
  return cols.map((col) => col[i]).join(',');
}

function grouping(range: [number, number], dims: Dimension[], withSums: boolean, bucket?: Bucket): Grouping {
  const uses = (col: CubeColumn) => dims.some((d) => (col === 'stream' ? isLabel(d) : FINE_COLUMN[d as FineDim] === col));
  const cubeCols = (['team', 'func', 'stream'] as const).filter(uses);
  return { fromSec: range[0], toSec: range[1], bucket, dims, cubeCols, withSums, index: new Map(), buckets: [], codes: [], sums: new Float64Array(0), people: null };
}

/** Reusable buffers (typed arrays live outside the JavaScript heap: allocating many small ones per call costs garbage collections). */
const scratches: Int32Array[] = [new Int32Array(1024), new Int32Array(1024)];
function scratch(n: number, length: number): Int32Array {
  if (scratches[n]!.length < length) scratches[n] = new Int32Array(length * 2);
  return scratches[n]!.subarray(0, length);
}

/** Add fine groups' sums (a column per measure) into the groups of `g` they fall in. */
function addSums(g: Grouping, measures: Measure[], coarse: Int32Array): void {
  measures.forEach((col, m) => {
    if (!col) return;
    for (let f = 0; f < col.length; f++) if (coarse[f]! >= 0) g.sums[coarse[f]! * N + m] += col[f]!;
  });
}

/** sums[slot[i] * width + k] += col[i] for every row with a slot (one column at a time: one array type per loop). */
function addColumn(sums: Float64Array, width: number, k: number, col: NonNullable<Measure>, slot: Int32Array, rows: number): void {
  for (let i = 0; i < rows; i++) {
    const s = slot[i]!;
    if (s >= 0) sums[s * width + k] += col[i]!;
  }
}

/** [fromSec, toSec) when the question is whole UTC days (what the SQL path reads from the daily facts), else null. */
function wholeDays(from: number, to: number, bucket?: Bucket): [number, number] | null {
  const f = Math.floor(from / 1000);
  const t = Math.ceil(to / 1000);
  if (bucket === 'hour' || f % DAY !== 0 || t % DAY !== 0) return null;
  return [f, t];
}

/** Bucket start (epoch seconds) of a day, as aggregate.ts `bucketExpr` computes it in SQL. */
function bucketOf(day: number, bucket: Bucket): number {
  switch (bucket) {
    case 'hour':
    case 'day':
      return day;
    case 'week':
      // ISO weeks start on Monday; 1970-01-01 was a Thursday.
      return day - ((Math.trunc(day / DAY) + 3) % 7) * DAY;
    case 'month': {
      const d = new Date(day * 1000);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000;
    }
  }
}

/** SQLite's BINARY collation (UTF-8 byte order) on JavaScript strings: UTF-16 would put U+E000–U+FFFF after astral characters. */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x < 0xe000 ? x + 0x2000 : x - 0x800;
      y = y < 0xe000 ? y + 0x2000 : y - 0x800;
    }
    return x - y;
  }
  return a.length - b.length;
}
