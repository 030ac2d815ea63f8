/**
 * The visibility rule for check-ins and experiments, and the only way to read
 * them. Every read of context entries (API, pages, digests, webhooks, CLI)
 * goes through `ContextQuery`, which turns the viewer into a `ContextScope`
 * that the repository applies in SQL, and checks each row again before it
 * leaves.
 *
 * Rules:
 *  - private: only the author, whatever their role.
 *  - team: people whose directory team is the entry's team (the author's team
 *    when it was written), and the managers above them.
 *  - organisation: every signed-in viewer.
 *  - Anonymous viewers see nothing. A viewer without an email (the admin
 *    bearer token) is nobody's teammate: it sees organisation entries only.
 *  - Digests and feeds for a team or the organisation never contain private
 *    entries, even the viewer's own: they are shared views.
 *  - Usage figures in digests are aggregates read through the QueryService as
 *    an analyst (minimum group size applies); an experiment's linked usage is
 *    read as its author (a self query) when the author links it, so sharing
 *    the figures is the author's act.
 */
import type { ContextRepo, ContextScope, EntryQuery, EntryRow } from '../context/repo.js';
import { PolicyError, type Viewer } from './policy.js';
import type { QueryService } from './service.js';

/** The viewer the weekly digest reads usage numbers as: groups only, policy applies. */
export const DIGEST_VIEWER: Viewer = { role: 'analyst', name: 'weekly digest' };

const NOTHING: ContextScope = { teams: [], organisation: false };

/** Does the scope admit the entry? The same rule the SQL applies. */
export function canSee(scope: ContextScope, e: Pick<EntryRow, 'visibility' | 'authorEmail' | 'team'>): boolean {
  const admitted =
    (e.visibility === 'private' && !!scope.self && e.authorEmail === scope.self) ||
    (e.visibility === 'team' && e.team !== null && scope.teams.includes(e.team)) ||
    (e.visibility === 'organisation' && scope.organisation);
  if (!admitted) return false;
  if (scope.onlyVisibility && !scope.onlyVisibility.includes(e.visibility)) return false;
  if (scope.onlyTeam !== undefined && e.team !== scope.onlyTeam) return false;
  return true;
}

/** Who reads a digest: a team's members and managers, or the whole organisation. Never private entries. */
export function audienceScope(team?: string): ContextScope {
  return team === undefined
    ? { teams: [], organisation: true, onlyVisibility: ['organisation'] }
    : { teams: [team], organisation: true, onlyVisibility: ['team', 'organisation'], onlyTeam: team };
}

export type Feed = 'organisation' | 'team' | 'mine';

/** A viewer's scope is reused for this long within one request or operation (same Viewer object). */
const SCOPE_TTL_MS = 5_000;

export class ContextQuery {
  private readonly scopes = new WeakMap<Viewer, { at: number; scope: Promise<ContextScope> }>();

  constructor(
    readonly repo: ContextRepo,
    readonly usage: QueryService,
  ) {}

  /** What the viewer may see at all. */
  scopeFor(viewer: Viewer): Promise<ContextScope> {
    const hit = this.scopes.get(viewer);
    const now = Date.now();
    if (hit && now - hit.at < SCOPE_TTL_MS) return hit.scope;
    const scope = this.computeScope(viewer);
    this.scopes.set(viewer, { at: now, scope });
    scope.catch(() => this.scopes.delete(viewer));
    return scope;
  }

  private async computeScope(viewer: Viewer): Promise<ContextScope> {
    if (viewer.role === 'anonymous') return NOTHING;
    if (!viewer.email) return { teams: [], organisation: true };
    const email = viewer.email.toLowerCase();
    const me = await this.repo.person(email);
    const teams = new Set(await this.repo.teamsManagedBy(email));
    if (me?.team) teams.add(me.team);
    return { self: email, teams: [...teams], organisation: true };
  }

  /** The scope of one feed, narrowed from the viewer's. */
  async feedScope(viewer: Viewer, feed: Feed, team?: string): Promise<ContextScope> {
    const scope = await this.scopeFor(viewer);
    switch (feed) {
      case 'mine':
        return scope.self ? scope : NOTHING;
      case 'team': {
        const t = team ?? (viewer.email ? (await this.repo.person(viewer.email.toLowerCase()))?.team : undefined);
        if (!t) throw new PolicyError('a team feed needs ?team= (you are in no team)', 400);
        return { ...scope, onlyVisibility: ['team', 'organisation'], onlyTeam: t };
      }
      case 'organisation':
        return { ...scope, onlyVisibility: ['organisation'] };
    }
  }

  async feed(viewer: Viewer, feed: Feed, filters: EntryQuery & { team?: string }): Promise<EntryRow[]> {
    const scope = await this.feedScope(viewer, feed, filters.team);
    const q = feed === 'mine' && scope.self ? { ...filters, author: scope.self } : filters;
    return this.read(scope, q);
  }

  async entry(viewer: Viewer, id: number): Promise<EntryRow | undefined> {
    const scope = await this.scopeFor(viewer);
    const e = await this.repo.entry(scope, id);
    return e && canSee(scope, e) ? e : undefined;
  }

  /** May the viewer read the team's (or, without a team, the organisation's) digest? */
  async checkDigestReader(viewer: Viewer, team?: string): Promise<void> {
    const scope = await this.scopeFor(viewer);
    if (team === undefined ? scope.organisation : scope.teams.includes(team)) return;
    throw new PolicyError(
      team === undefined ? 'sign in to read the organisation digest' : `the ${team} digest is for the team's members and managers`,
    );
  }

  /** Entries for a digest, as its audience sees them (never private ones). */
  async digestEntries(audienceTeam: string | undefined, week: string): Promise<EntryRow[]> {
    return this.read(audienceScope(audienceTeam), { week, limit: 500 });
  }

  /** Entries the scope admits. */
  private async read(scope: ContextScope, q: EntryQuery): Promise<EntryRow[]> {
    const rows = await this.repo.entries(scope, q);
    // Belt and braces: the SQL applied the scope; check every row again in code.
    return rows.filter((e) => canSee(scope, e));
  }
}
