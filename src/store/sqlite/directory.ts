/**
 * SQLite side of the directory: people, the team tree, effective-dated team
 * memberships, services, identity rules and assignments. Resolution itself is
 * dialect-free (src/identity/resolve.ts); this file only feeds it lookups.
 */
import type Database from 'better-sqlite3';
import type {
  Alias,
  AliasKind,
  AssignmentTarget,
  IdentityRecord,
  IdentityRule,
  IdentityRuleInput,
  MembershipRecord,
  ServiceRecord,
  TeamInput,
  TeamRecord,
} from '../../domain/directory.js';
import { DirectoryError } from '../../domain/directory.js';
import { compileRules, resolveIdentity, type CompiledRules, type DirectoryLookup, type IdentityFields, type Resolution } from '../../identity/resolve.js';
import type { PersonInput, PersonRecord, UpsertPeopleOptions, UpsertPeopleResult } from '../types.js';

const DAY_SEC = 86_400;

/** Team moves take effect from the start of a UTC day, so hourly and daily rollups attribute alike. */
export function effectiveDaySec(ms: number): number {
  const s = Math.floor(ms / 1000);
  return s <= 0 ? 0 : s - (s % DAY_SEC);
}

const PERSON_SELECT = `SELECT p.id, p.email, p.name, t.name team, p.function, m.email managerEmail, p.title, p.status,
  p.start_date startDate, p.end_date endDate, p.location, p.external_id externalId
  FROM person p LEFT JOIN team t ON t.id = p.team_id LEFT JOIN person m ON m.id = p.manager_id`;

const IDENTITY_SELECT = `SELECT id, canonical, email, account_id accountId, user_id userId, api_key_id apiKeyId, machine_id machineId,
  person_id personId, service_id serviceId, resolved_by resolvedBy FROM identity`;

export class SqliteDirectory {
  private rules: CompiledRules | null = null;
  private readonly s;
  readonly lookup: DirectoryLookup;

  constructor(private readonly db: Database.Database) {
    this.s = {
      personByEmail: db.prepare('SELECT id FROM person WHERE email = ?').pluck(),
      personByAlias: db.prepare('SELECT person_id FROM identity_alias WHERE kind = ? AND value = ?').pluck(),
      serviceByName: db.prepare('SELECT id FROM service WHERE name = ?').pluck(),
      teamByName: db.prepare('SELECT id FROM team WHERE name = ?').pluck(),
      insTeam: db.prepare('INSERT INTO team (name, function, parent_id) VALUES (?, ?, ?)'),
      setTeamParent: db.prepare('UPDATE team SET parent_id = ? WHERE id = ?'),
      personRow: db.prepare('SELECT id, team_id, function, status FROM person WHERE email = ?'),
      insPerson: db.prepare(
        `INSERT INTO person (email, name, team_id, function, title, status, start_date, end_date, location, external_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updPerson: db.prepare(
        `UPDATE person SET name = coalesce(?, name), title = coalesce(?, title), status = coalesce(?, status),
         start_date = coalesce(?, start_date), end_date = coalesce(?, end_date), location = coalesce(?, location),
         external_id = coalesce(?, external_id) WHERE id = ?`,
      ),
      setManager: db.prepare('UPDATE person SET manager_id = ? WHERE id = ?'),
      insAlias: db.prepare(
        'INSERT INTO identity_alias (kind, value, person_id) VALUES (?, ?, ?) ON CONFLICT (kind, value) DO UPDATE SET person_id = excluded.person_id',
      ),
      delAliases: db.prepare('DELETE FROM identity_alias WHERE person_id = ?'),
      delLaterSpans: db.prepare('DELETE FROM team_membership WHERE person_id = ? AND valid_from >= ?'),
      closeSpan: db.prepare(
        'UPDATE team_membership SET valid_to = ? WHERE person_id = ? AND valid_from < ? AND (valid_to IS NULL OR valid_to > ?)',
      ),
      insSpan: db.prepare('INSERT INTO team_membership (person_id, valid_from, valid_to, team_id, function) VALUES (?, ?, NULL, ?, ?)'),
      setCurrent: db.prepare(
        `UPDATE person SET team_id = (SELECT team_id FROM team_membership WHERE person_id = person.id AND valid_to IS NULL),
         function = coalesce((SELECT function FROM team_membership WHERE person_id = person.id AND valid_to IS NULL), function) WHERE id = ?`,
      ),
      updIdentity: db.prepare('UPDATE identity SET person_id = ?, service_id = ?, resolved_by = ? WHERE id = ?'),
      assignment: db.prepare('SELECT person_id personId, service_id serviceId FROM identity_assignment WHERE identity_id = ?'),
      affected: {
        byPerson: db.prepare('SELECT id FROM identity WHERE person_id = ?').pluck(),
        byEmail: db.prepare('SELECT id FROM identity WHERE email = ?').pluck(),
        email: db.prepare('SELECT id FROM identity WHERE email = ?').pluck(),
        accountId: db.prepare('SELECT id FROM identity WHERE account_id = ?').pluck(),
        userId: db.prepare('SELECT id FROM identity WHERE user_id = ?').pluck(),
        apiKeyId: db.prepare('SELECT id FROM identity WHERE api_key_id = ?').pluck(),
        machineId: db.prepare('SELECT id FROM identity WHERE machine_id = ?').pluck(),
        unresolved: db.prepare("SELECT id FROM identity WHERE (person_id IS NULL AND service_id IS NULL) OR resolved_by LIKE 'rule:%'").pluck(),
      },
    };
    const s = this.s;
    this.lookup = {
      personByEmail: (e) => s.personByEmail.get(e) as number | undefined,
      personByAlias: (k, v) => s.personByAlias.get(k, k === 'email' ? v.toLowerCase() : v) as number | undefined,
      serviceByName: (n) => s.serviceByName.get(n) as number | undefined,
    };
  }

  compiledRules(): CompiledRules {
    this.rules ??= compileRules(this.listRules());
    return this.rules;
  }

  /** Resolution for a new identity arriving on an event (no assignment can exist yet). */
  resolveNew(identity: IdentityFields): Resolution {
    return resolveIdentity(identity, this.compiledRules(), this.lookup);
  }

  private teamId(name: string, parent: string | null | undefined, fn: string | null | undefined): number {
    let id = this.s.teamByName.get(name) as number | undefined;
    const parentId = parent ? this.teamId(parent, undefined, undefined) : parent === null ? null : undefined;
    if (id === undefined) {
      id = Number(this.s.insTeam.run(name, fn ?? null, parentId ?? null).lastInsertRowid);
    } else if (parentId !== undefined && parentId !== id) {
      this.s.setTeamParent.run(parentId, id);
    }
    return id;
  }

  /** Place a person in a team (and function) from `fromSec` on; earlier spans are kept, later ones replaced. */
  private place(personId: number, teamId: number | null, fn: string | null, fromSec: number): void {
    this.s.delLaterSpans.run(personId, fromSec);
    this.s.closeSpan.run(fromSec, personId, fromSec, fromSec);
    this.s.insSpan.run(personId, fromSec, teamId, fn);
    this.s.setCurrent.run(personId);
  }

  upsertPeople(people: PersonInput[], opts: UpsertPeopleOptions = {}): UpsertPeopleResult {
    const defaultFrom = effectiveDaySec(opts.effectiveFrom ?? Date.now());
    const res: UpsertPeopleResult = { created: 0, updated: 0, moved: 0, deactivated: 0 };
    this.db.transaction(() => {
      const ids = new Map<string, number>();
      for (const p of people) {
        const email = p.email.trim().toLowerCase();
        const teamId = p.team ? this.teamId(p.team, p.parentTeam, p.function) : null;
        const cur = this.s.personRow.get(email) as { id: number; team_id: number | null; function: string | null; status: string } | undefined;
        let id: number;
        if (!cur) {
          id = Number(
            this.s.insPerson.run(email, p.name ?? null, teamId, p.function ?? null, p.title ?? null, p.status ?? 'active', p.startDate ?? null,
              p.endDate ?? null, p.location ?? null, p.externalId ?? null).lastInsertRowid,
          );
          // A new person's first placement covers their whole history.
          this.s.insSpan.run(id, 0, teamId, p.function ?? null);
          res.created++;
        } else {
          id = cur.id;
          this.s.updPerson.run(p.name ?? null, p.title ?? null, p.status ?? null, p.startDate ?? null, p.endDate ?? null, p.location ?? null,
            p.externalId ?? null, id);
          const newTeam = p.team === undefined || p.team === null ? cur.team_id : teamId;
          const newFn = p.function ?? cur.function;
          if (newTeam !== cur.team_id || newFn !== cur.function) {
            this.place(id, newTeam, newFn, p.teamSince != null ? effectiveDaySec(p.teamSince) : defaultFrom);
            res.moved++;
          }
          res.updated++;
        }
        ids.set(email, id);
        if (p.replaceAliases) this.s.delAliases.run(id);
        for (const a of p.aliases ?? []) this.s.insAlias.run(a.kind, a.kind === 'email' ? a.value.toLowerCase() : a.value, id);
      }
      for (const p of people) {
        if (p.managerEmail === undefined) continue;
        const me = ids.get(p.email.trim().toLowerCase())!;
        const mid = p.managerEmail ? (ids.get(p.managerEmail.toLowerCase()) ?? this.lookup.personByEmail(p.managerEmail.toLowerCase())) : null;
        if (mid !== undefined && mid !== me) this.s.setManager.run(mid, me);
      }
      if (opts.deactivateMissing) {
        const active = this.db.prepare("SELECT id, email FROM person WHERE status = 'active'").all() as { id: number; email: string }[];
        const deact = this.db.prepare("UPDATE person SET status = 'inactive' WHERE id = ?");
        for (const a of active) {
          if (ids.has(a.email)) continue;
          deact.run(a.id);
          res.deactivated++;
        }
      }
      // Small batches (SCIM sends one person per request) only touch the identities they can affect.
      if (people.length <= 500 && !opts.deactivateMissing) this.reresolveAffected([...ids.values()], people);
      else this.reresolve();
    })();
    return res;
  }

  /**
   * Re-resolve the identities a change to these people can affect: those
   * attributed to them, those matching their emails or aliases exactly, and
   * the unattributed ones and those resolved by a rule (a rule may now find
   * its target, or an exact match may now beat it).
   */
  private reresolveAffected(personIds: number[], people: PersonInput[]): number {
    const ids = new Set<number>();
    const q = this.s.affected;
    for (const pid of personIds) for (const id of q.byPerson.all(pid) as number[]) ids.add(id);
    for (const p of people) {
      for (const id of q.byEmail.all(p.email.trim().toLowerCase()) as number[]) ids.add(id);
      for (const a of p.aliases ?? []) {
        const stmt = q[a.kind];
        for (const id of stmt.all(a.kind === 'email' ? a.value.toLowerCase() : a.value) as number[]) ids.add(id);
      }
    }
    for (const id of q.unresolved.all() as number[]) ids.add(id);
    let changed = 0;
    for (const id of ids) changed += this.reresolveOne(id) ? 1 : 0;
    return changed;
  }

  listPeople(): PersonRecord[] {
    const rows = this.db.prepare(`${PERSON_SELECT} ORDER BY p.id`).all() as PersonRecord[];
    const aliases = new Map<number, Alias[]>();
    for (const a of this.db.prepare('SELECT person_id, kind, value FROM identity_alias').all() as { person_id: number; kind: AliasKind; value: string }[]) {
      const l = aliases.get(a.person_id);
      if (l) l.push({ kind: a.kind, value: a.value });
      else aliases.set(a.person_id, [{ kind: a.kind, value: a.value }]);
    }
    for (const r of rows) r.aliases = aliases.get(r.id) ?? [];
    return rows;
  }

  getPerson(ref: { id?: number; email?: string; externalId?: string }): PersonRecord | null {
    const [col, v] = ref.id !== undefined ? ['p.id', ref.id] : ref.email !== undefined ? ['p.email', ref.email.toLowerCase()] : ['p.external_id', ref.externalId];
    const r = this.db.prepare(`${PERSON_SELECT} WHERE ${col} = ?`).get(v) as PersonRecord | undefined;
    if (!r) return null;
    r.aliases = this.db.prepare('SELECT kind, value FROM identity_alias WHERE person_id = ? ORDER BY kind, value').all(r.id) as Alias[];
    return r;
  }

  setPersonStatus(id: number, status: 'active' | 'inactive', endDate?: string | null): void {
    this.db.prepare('UPDATE person SET status = ?, end_date = CASE WHEN ? = 1 THEN ? ELSE end_date END WHERE id = ?').run(status, endDate === undefined ? 0 : 1, endDate ?? null, id);
  }

  listTeams(): TeamRecord[] {
    return this.db.prepare('SELECT id, name, parent_id parentId, function, external_id externalId FROM team ORDER BY name').all() as TeamRecord[];
  }

  upsertTeam(t: TeamInput): TeamRecord {
    return this.db.transaction(() => {
      const id = this.teamId(t.name, t.parent, t.function);
      if (t.function !== undefined) this.db.prepare('UPDATE team SET function = ? WHERE id = ?').run(t.function, id);
      if (t.externalId !== undefined) this.db.prepare('UPDATE team SET external_id = ? WHERE id = ?').run(t.externalId, id);
      return this.db.prepare('SELECT id, name, parent_id parentId, function, external_id externalId FROM team WHERE id = ?').get(id) as TeamRecord;
    })();
  }

  renameTeam(id: number, name: string): void {
    this.db.prepare('UPDATE team SET name = ? WHERE id = ?').run(name, id);
  }

  renamePerson(id: number, email: string): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE person SET email = ? WHERE id = ?').run(email.toLowerCase(), id);
      this.reresolve();
    })();
  }

  detachTeam(id: number): void {
    this.db.prepare('UPDATE team SET external_id = NULL WHERE id = ?').run(id);
  }

  moveToTeam(personIds: number[], teamId: number | null, effectiveFrom: number): number {
    const from = effectiveDaySec(effectiveFrom);
    const fnOf = this.db.prepare('SELECT function FROM team WHERE id = ?').pluck();
    const cur = this.db.prepare('SELECT team_id, function FROM person WHERE id = ?');
    let moved = 0;
    this.db.transaction(() => {
      for (const pid of personIds) {
        const c = cur.get(pid) as { team_id: number | null; function: string | null } | undefined;
        if (!c || c.team_id === teamId) continue;
        const fn = teamId === null ? c.function : ((fnOf.get(teamId) as string | null) ?? c.function);
        this.place(pid, teamId, fn, from);
        moved++;
      }
    })();
    return moved;
  }

  teamHistory(personId: number): MembershipRecord[] {
    const rows = this.db
      .prepare(
        `SELECT m.person_id personId, t.name team, m.function, m.valid_from validFrom, m.valid_to validTo
         FROM team_membership m LEFT JOIN team t ON t.id = m.team_id WHERE m.person_id = ? ORDER BY m.valid_from`,
      )
      .all(personId) as MembershipRecord[];
    return rows.map((r) => ({ ...r, validFrom: r.validFrom * 1000, validTo: r.validTo === null ? null : r.validTo * 1000 }));
  }

  listServices(): ServiceRecord[] {
    return this.db.prepare('SELECT id, name, description FROM service ORDER BY name').all() as ServiceRecord[];
  }

  upsertService(name: string, description?: string | null): ServiceRecord {
    this.db
      .prepare('INSERT INTO service (name, description) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET description = coalesce(excluded.description, description)')
      .run(name, description ?? null);
    const r = this.db.prepare('SELECT id, name, description FROM service WHERE name = ?').get(name) as ServiceRecord;
    this.reresolve();
    return r;
  }

  listRules(): IdentityRule[] {
    return this.db.prepare('SELECT id, kind, field, match, target, priority FROM identity_rule ORDER BY priority, id').all() as IdentityRule[];
  }

  addRule(r: IdentityRuleInput): IdentityRule {
    return this.db.transaction(() => {
      const id = Number(
        this.db.prepare('INSERT INTO identity_rule (kind, field, match, target, priority, created_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(r.kind, r.field, r.match, r.target, r.priority, Date.now()).lastInsertRowid,
      );
      this.rules = null;
      this.reresolve();
      return { id, ...r };
    })();
  }

  deleteRule(id: number): boolean {
    return this.db.transaction(() => {
      const n = this.db.prepare('DELETE FROM identity_rule WHERE id = ?').run(id).changes;
      this.rules = null;
      if (n) this.reresolve();
      return n > 0;
    })();
  }

  getIdentity(ref: { id?: number; canonical?: string }): IdentityRecord | null {
    const r = ref.id !== undefined
      ? this.db.prepare(`${IDENTITY_SELECT} WHERE id = ?`).get(ref.id)
      : this.db.prepare(`${IDENTITY_SELECT} WHERE canonical = ?`).get(ref.canonical);
    return (r as IdentityRecord | undefined) ?? null;
  }

  assign(identityId: number, target: AssignmentTarget, by?: string): IdentityRecord {
    return this.db.transaction(() => {
      if (target === null) {
        this.db.prepare('DELETE FROM identity_assignment WHERE identity_id = ?').run(identityId);
      } else {
        let personId: number | null = null;
        let serviceId: number | null = null;
        if ('personEmail' in target) {
          personId = this.lookup.personByEmail(target.personEmail.toLowerCase()) ?? null;
          if (personId === null) throw new DirectoryError(`no person with email ${target.personEmail}`, 'person');
        } else {
          serviceId = this.upsertServiceRow(target.service);
        }
        this.db
          .prepare(
            `INSERT INTO identity_assignment (identity_id, person_id, service_id, assigned_at, assigned_by) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (identity_id) DO UPDATE SET person_id = excluded.person_id, service_id = excluded.service_id,
             assigned_at = excluded.assigned_at, assigned_by = excluded.assigned_by`,
          )
          .run(identityId, personId, serviceId, Date.now(), by ?? null);
      }
      this.reresolveOne(identityId);
      return this.getIdentity({ id: identityId })!;
    })();
  }

  private upsertServiceRow(name: string): number {
    this.db.prepare('INSERT INTO service (name) VALUES (?) ON CONFLICT (name) DO NOTHING').run(name);
    return this.lookup.serviceByName(name)!;
  }

  private reresolveOne(identityId: number): boolean {
    const i = this.getIdentity({ id: identityId });
    if (!i) throw new DirectoryError(`no identity ${identityId}`, 'identity', 404);
    const a = this.s.assignment.get(identityId) as { personId: number | null; serviceId: number | null } | undefined;
    const r = resolveIdentity(i, this.compiledRules(), this.lookup, a);
    if (r.personId === i.personId && r.serviceId === i.serviceId && r.resolvedBy === i.resolvedBy) return false;
    this.s.updIdentity.run(r.personId, r.serviceId, r.resolvedBy, identityId);
    return true;
  }

  /** Re-resolve every identity; attribution happens at query time, so this re-attributes all history. */
  reresolve(): number {
    const rules = this.compiledRules();
    const rows = this.db
      .prepare(
        `SELECT i.id, i.email, i.account_id accountId, i.user_id userId, i.api_key_id apiKeyId, i.machine_id machineId,
         i.person_id personId, i.service_id serviceId, i.resolved_by resolvedBy, a.person_id aPerson, a.service_id aService
         FROM identity i LEFT JOIN identity_assignment a ON a.identity_id = i.id`,
      )
      .all() as (IdentityRecord & { aPerson: number | null; aService: number | null })[];
    let changed = 0;
    for (const i of rows) {
      const r = resolveIdentity(i, rules, this.lookup, i.aPerson !== null || i.aService !== null ? { personId: i.aPerson, serviceId: i.aService } : null);
      if (r.personId !== i.personId || r.serviceId !== i.serviceId || r.resolvedBy !== i.resolvedBy) {
        this.s.updIdentity.run(r.personId, r.serviceId, r.resolvedBy, i.id);
        changed++;
      }
    }
    return changed;
  }
}
