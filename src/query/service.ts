/**
 * The query layer: the single place dashboards, the API, exports, digests and
 * the CLI read people's data through. Every question is scoped and checked by
 * the privacy policy (./policy.ts) before the store is asked, and every answer
 * passes through `applyPolicy` before it leaves. Person-level views by someone
 * other than the person are audited here.
 */
import { AuditLog } from '../governance/audit.js';
import { toCsv } from '../governance/csv.js';
import { pseudonym } from '../governance/secret.js';
import { PolicySettings } from '../governance/settings.js';
import type { PersonExport } from '../governance/store.js';
import type { AggregateRow, Bucket, Dimension, Filters, Store, Totals } from '../store/types.js';
import {
  applyPolicy,
  checkIsolation,
  isIndividualView,
  leaderboardEligible,
  PolicyError,
  scopeQuery,
  type PolicedRow,
  type PrivacyPolicy,
  type Scope,
  type Viewer,
} from './policy.js';

export interface RangeQuery {
  from: number;
  to: number;
  filters?: Filters;
}

export type Metric = 'tokens' | 'cost' | 'requests' | 'events' | 'people';

export interface BreakdownQuery extends RangeQuery {
  groupBy: Dimension[];
  top?: number;
  sort?: Metric;
}

export interface SeriesQuery extends RangeQuery {
  bucket: Bucket;
  groupBy?: Dimension;
  top?: number;
  sort?: Metric;
}

export interface LeaderboardQuery extends RangeQuery {
  metric?: Exclude<Metric, 'people'>;
  top?: number;
}

export interface LeaderboardEntry {
  rank: number;
  /** A keyed pseudonym, or the person's name when the policy allows named rankings. */
  label: string;
  value: number;
  /** True on the viewer's own entry. */
  you: boolean;
}

/** Where the query layer gets the policy, the directory and its audit log. */
export interface PrivacyContext {
  policy(): Promise<PrivacyPolicy>;
  /** Emails of everyone reporting to this person, directly or indirectly. */
  reportsOf(email: string): Promise<string[]>;
  audit: AuditLog;
  /** Key for leaderboard pseudonyms. */
  secret(): Promise<Buffer>;
}

export const OTHER = '(other)';
const REPORTS_CACHE_MS = 30_000;

export class QueryService {
  readonly privacy: PrivacyContext;
  private reports: { at: number; byManager: Map<string, string[]> } | null = null;

  /**
   * `privacy` defaults to the policy stored in `store` (see PolicySettings)
   * and the store's audit log; pass a policy object to pin one (tests, tools).
   */
  constructor(
    private readonly store: Store,
    privacy: Partial<PrivacyContext> | PrivacyPolicy = {},
  ) {
    const ctx: Partial<PrivacyContext> = 'minGroupSize' in privacy ? { policy: async () => privacy } : privacy;
    const settings = new PolicySettings(store);
    this.privacy = {
      policy: ctx.policy ?? (() => settings.get()),
      reportsOf: ctx.reportsOf ?? ((email) => this.reportsFromDirectory(email)),
      audit: ctx.audit ?? new AuditLog(store.governance),
      secret: ctx.secret ?? (async () => (await import('../governance/secret.js')).serverSecret(store)),
    };
  }

  /** Decide what a question may cover (or refuse it), check isolation and audit individual views. Every reader of usage calls this first. */
  async scopeFor(viewer: Viewer, q: RangeQuery, groupBy: Dimension[]): Promise<Scope> {
    const policy = await this.privacy.policy();
    const reports = viewer.role === 'manager' && viewer.email ? await this.privacy.reportsOf(viewer.email) : undefined;
    const scope = scopeQuery(viewer, policy, groupBy, q.filters, reports);
    await checkIsolation(scope, q.filters, (sets) => this.store.activePeople({ from: q.from, to: q.to, sets }));
    if (isIndividualView(scope, groupBy, q.filters)) {
      const people = q.filters?.person ?? [];
      if (people.length === 1) await this.privacy.audit.record(viewer, 'person.viewed', { subject: people[0]!, detail: { groupBy } });
      else await this.privacy.audit.record(viewer, 'people.viewed', { detail: { groupBy, people: people.length } });
    }
    return scope;
  }

  async summary(viewer: Viewer, q: RangeQuery): Promise<PolicedRow> {
    const scope = await this.scopeFor(viewer, q, []);
    const rows = await this.store.aggregate({ from: q.from, to: q.to, filters: scope.filters });
    return applyPolicy(scope, rows, [])[0]!;
  }

  async breakdown(viewer: Viewer, q: BreakdownQuery): Promise<PolicedRow[]> {
    const scope = await this.scopeFor(viewer, q, q.groupBy);
    const rows = await this.store.aggregate({ from: q.from, to: q.to, groupBy: q.groupBy, filters: scope.filters });
    const sort = q.sort ?? 'tokens';
    rows.sort((a, b) => b[sort] - a[sort]);
    const policed = applyPolicy(scope, rows, q.groupBy);
    return q.top ? policed.slice(0, q.top) : policed;
  }

  async series(viewer: Viewer, q: SeriesQuery): Promise<PolicedRow[]> {
    const groupBy = q.groupBy ? [q.groupBy] : [];
    const scope = await this.scopeFor(viewer, q, groupBy);
    const rows = await this.store.aggregate({ from: q.from, to: q.to, bucket: q.bucket, groupBy, filters: scope.filters });
    const axes: (Dimension | 'bucket')[] = ['bucket', ...groupBy];
    if (!q.groupBy || !q.top) return applyPolicy(scope, rows, axes);
    // Keep the top N groups over the whole range; fold the rest into "(other)".
    const dim = q.groupBy;
    const sort = q.sort ?? 'tokens';
    const totals = new Map<string | null, number>();
    for (const r of rows) totals.set(r.keys[dim] ?? null, (totals.get(r.keys[dim] ?? null) ?? 0) + r[sort]);
    const keep = new Set([...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, q.top).map(([k]) => k));
    const out: AggregateRow[] = [];
    const other = new Map<number, AggregateRow>();
    for (const r of rows) {
      if (keep.has(r.keys[dim] ?? null)) {
        out.push(r);
        continue;
      }
      const o = other.get(r.bucket!);
      if (!o) other.set(r.bucket!, { ...r, keys: { [dim]: OTHER } });
      else addTotals(o, r);
    }
    // People in "(other)" may be double counted across groups; it is an upper bound.
    out.push(...other.values());
    out.sort((a, b) => a.bucket! - b.bucket!);
    return applyPolicy(scope, out, axes);
  }

  /**
   * A breakdown as CSV for spreadsheets: the same policed rows as the API
   * (suppressed groups carry no numbers), and the export is audited.
   */
  async breakdownCsv(viewer: Viewer, q: BreakdownQuery): Promise<string> {
    const rows = await this.breakdown(viewer, q);
    await this.privacy.audit.record(viewer, 'usage.exported', { detail: { groupBy: q.groupBy, rows: rows.length } });
    const metrics = ['people', 'events', 'requests', 'input', 'output', 'cacheRead', 'cacheWrite', 'tokens', 'cost'] as const;
    return toCsv(
      [...q.groupBy, 'suppressed', ...metrics],
      rows.map((r) => [...q.groupBy.map((d) => r.keys[d] ?? ''), r.suppressed ? r.reason : '', ...metrics.map((m) => (r.suppressed ? '' : r[m]))]),
    );
  }

  /**
   * An individual leaderboard: only people who opted in (and whose country
   * allows it), labelled by keyed pseudonym unless named rankings are on.
   * Fewer than k entrants and the board is withheld.
   */
  async leaderboard(viewer: Viewer, q: LeaderboardQuery): Promise<{ entries: LeaderboardEntry[]; withheld?: string }> {
    const policy = await this.privacy.policy();
    if (viewer.role === 'anonymous' || viewer.role === 'ingest') throw new PolicyError(`your role (${viewer.role}) may not read usage`);
    if (!policy.leaderboards.enabled) throw new PolicyError('leaderboards are switched off by the privacy policy');
    if (!policy.leaderboards.individual) throw new PolicyError('individual leaderboards are off by the privacy policy; team leaderboards are available');
    const eligible = (await this.store.governance.listPrivacyChoices()).filter((c) => leaderboardEligible(policy, c)).map((c) => c.email);
    const k = policy.minGroupSize;
    if (eligible.length < k) return { entries: [], withheld: `fewer than ${k} people have opted in` };
    const metric = q.metric ?? 'tokens';
    const rows = await this.store.aggregate({
      from: q.from,
      to: q.to,
      groupBy: ['person'],
      filters: { ...(q.filters ?? {}), person: eligible, excludeFunction: policy.exclude.functions, excludePerson: policy.exclude.people },
    });
    if (rows.length < k) return { entries: [], withheld: `fewer than ${k} opted-in people were active` };
    rows.sort((a, b) => b[metric] - a[metric]);
    const secret = await this.privacy.secret();
    const names = policy.leaderboards.named ? new Map((await this.store.listPeople()).map((p) => [p.email, p.name ?? p.email])) : null;
    return {
      entries: rows.slice(0, q.top ?? 50).map((r, i) => {
        const email = r.keys.person ?? '';
        return { rank: i + 1, label: names?.get(email) ?? pseudonym(secret, email), value: r[metric], you: email === viewer.email };
      }),
    };
  }

  /**
   * Everything stored about one person, for the person themself or an admin
   * with the export permission (checked by the route). Always audited.
   */
  async personExport(viewer: Viewer, email: string): Promise<PersonExport> {
    const e = email.trim().toLowerCase();
    if (viewer.email !== e && viewer.role !== 'admin') throw new PolicyError('you may only export your own data');
    const data = await this.store.governance.exportPerson(e);
    await this.privacy.audit.record(viewer, 'person.exported', { subject: e, detail: { days: data.usageByDay.length } });
    return data;
  }

  private async reportsFromDirectory(email: string): Promise<string[]> {
    const now = Date.now();
    if (!this.reports || now - this.reports.at > REPORTS_CACHE_MS) {
      const byManager = new Map<string, string[]>();
      for (const p of await this.store.listPeople()) {
        if (!p.managerEmail) continue;
        const list = byManager.get(p.managerEmail);
        if (list) list.push(p.email);
        else byManager.set(p.managerEmail, [p.email]);
      }
      this.reports = { at: now, byManager };
    }
    const out: string[] = [];
    const seen = new Set([email]);
    const queue = [email];
    while (queue.length) {
      for (const r of this.reports.byManager.get(queue.pop()!) ?? []) {
        if (seen.has(r)) continue;
        seen.add(r);
        out.push(r);
        queue.push(r);
      }
    }
    return out;
  }
}

const ADDITIVE: (keyof Totals)[] = [
  'events', 'requests', 'input', 'output', 'cacheRead', 'cacheWrite', 'reasoning', 'tokens', 'cost', 'costReported',
  'costComputed', 'unpricedTokens', 'people', 'sessions', 'linesAdded', 'linesRemoved', 'commits', 'pullRequests', 'activeSeconds',
  'editsAccepted', 'editsRejected',
];

function addTotals(into: Totals, r: Totals): void {
  for (const k of ADDITIVE) into[k] += r[k];
}
