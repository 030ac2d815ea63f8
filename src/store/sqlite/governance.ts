/** The SQLite implementation of GovernanceStore (tables from 0800-governance). */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type {
  AccountInput,
  AccountRecord,
  ApiTokenRecord,
  AuditFilter,
  AuditInput,
  AuditRecord,
  ErasureResult,
  GovernanceStore,
  IngestKeyRecord,
  PersonExport,
  PrivacyChoice,
  SessionRecord,
} from '../../governance/store.js';
import type { Role } from '../../query/policy.js';
import { ROLLUP_FIELDS } from '../rollup.js';

type Row = Record<string, unknown>;

const account = (r: Row | undefined): AccountRecord | null =>
  r
    ? {
        id: r.id as number,
        email: r.email as string,
        name: (r.name as string | null) ?? null,
        role: r.role as Role,
        passwordHash: (r.password_hash as string | null) ?? null,
        oidcIssuer: (r.oidc_issuer as string | null) ?? null,
        oidcSubject: (r.oidc_subject as string | null) ?? null,
        disabled: r.disabled === 1,
        createdAt: r.created_at as number,
      }
    : null;

const apiToken = (r: Row | undefined): ApiTokenRecord | null =>
  r
    ? {
        id: r.id as number,
        name: r.name as string,
        role: r.role as Role,
        scopes: JSON.parse(r.scopes as string) as string[],
        accountId: (r.account_id as number | null) ?? null,
        createdAt: r.created_at as number,
        lastUsedAt: (r.last_used_at as number | null) ?? null,
        revokedAt: (r.revoked_at as number | null) ?? null,
      }
    : null;

const ingestKey = (r: Row | undefined): IngestKeyRecord | null =>
  r
    ? {
        id: (r.hash as string).slice(0, 12),
        name: r.name as string,
        sources: r.sources ? (JSON.parse(r.sources as string) as string[]) : null,
        createdAt: r.created_at as number,
        revokedAt: (r.revoked_at as number | null) ?? null,
      }
    : null;

const audit = (r: Row): AuditRecord => ({
  id: r.id as number,
  ts: r.ts as number,
  action: r.action as string,
  actor: (r.actor as string | null) ?? null,
  actorRole: r.actor_role as string,
  subject: (r.subject as string | null) ?? null,
  outcome: r.outcome as AuditRecord['outcome'],
  detail: r.detail ? (JSON.parse(r.detail as string) as Record<string, unknown>) : null,
});

const choice = (r: Row): PrivacyChoice => ({
  email: r.email as string,
  leaderboardOptIn: r.leaderboard_opt_in === null ? null : r.leaderboard_opt_in === 1,
  country: (r.country as string | null) ?? null,
});

const ACCOUNT_COLUMNS: Record<string, string> = {
  role: 'role',
  passwordHash: 'password_hash',
  disabled: 'disabled',
  name: 'name',
  oidcIssuer: 'oidc_issuer',
  oidcSubject: 'oidc_subject',
};

export class SqliteGovernanceStore implements GovernanceStore {
  constructor(private readonly db: Database.Database) {}

  async createAccount(a: AccountInput, now: number): Promise<AccountRecord> {
    const id = this.db
      .prepare('INSERT INTO account (email, name, role, password_hash, oidc_issuer, oidc_subject, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(a.email.toLowerCase(), a.name ?? null, a.role, a.passwordHash ?? null, a.oidcIssuer ?? null, a.oidcSubject ?? null, now).lastInsertRowid;
    return (await this.getAccount({ id: Number(id) }))!;
  }

  async getAccount(by: { id: number } | { email: string } | { oidcIssuer: string; oidcSubject: string }): Promise<AccountRecord | null> {
    if ('id' in by) return account(this.db.prepare('SELECT * FROM account WHERE id = ?').get(by.id) as Row | undefined);
    if ('email' in by) return account(this.db.prepare('SELECT * FROM account WHERE email = ?').get(by.email.toLowerCase()) as Row | undefined);
    return account(this.db.prepare('SELECT * FROM account WHERE oidc_issuer = ? AND oidc_subject = ?').get(by.oidcIssuer, by.oidcSubject) as Row | undefined);
  }

  async listAccounts(): Promise<AccountRecord[]> {
    return (this.db.prepare('SELECT * FROM account ORDER BY id').all() as Row[]).map((r) => account(r)!);
  }

  async updateAccount(id: number, patch: Partial<Pick<AccountRecord, 'role' | 'passwordHash' | 'disabled' | 'name' | 'oidcIssuer' | 'oidcSubject'>>): Promise<void> {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) continue;
      sets.push(`${ACCOUNT_COLUMNS[k]} = ?`);
      values.push(typeof v === 'boolean' ? Number(v) : v);
    }
    if (sets.length) this.db.prepare(`UPDATE account SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
  }

  async countAccounts(): Promise<number> {
    return this.db.prepare('SELECT count(*) FROM account').pluck().get() as number;
  }

  async createSession(s: SessionRecord): Promise<void> {
    this.db
      .prepare('INSERT INTO auth_session (id_hash, account_id, csrf, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(s.idHash, s.accountId, s.csrf, s.createdAt, s.lastSeenAt, s.expiresAt);
  }

  async getSession(idHash: string): Promise<SessionRecord | null> {
    const r = this.db.prepare('SELECT * FROM auth_session WHERE id_hash = ?').get(idHash) as Row | undefined;
    return r
      ? { idHash, accountId: r.account_id as number, csrf: r.csrf as string, createdAt: r.created_at as number, lastSeenAt: r.last_seen_at as number, expiresAt: r.expires_at as number }
      : null;
  }

  async touchSession(idHash: string, lastSeenAt: number): Promise<void> {
    this.db.prepare('UPDATE auth_session SET last_seen_at = ? WHERE id_hash = ?').run(lastSeenAt, idHash);
  }

  async deleteSession(idHash: string): Promise<void> {
    this.db.prepare('DELETE FROM auth_session WHERE id_hash = ?').run(idHash);
  }

  async deleteSessionsOf(accountId: number): Promise<number> {
    return this.db.prepare('DELETE FROM auth_session WHERE account_id = ?').run(accountId).changes;
  }

  async countSessionsOf(accountId: number): Promise<number> {
    return this.db.prepare('SELECT count(*) FROM auth_session WHERE account_id = ?').pluck().get(accountId) as number;
  }

  async createApiToken(t: { hash: string; name: string; role: Role; scopes: string[]; accountId: number | null }, now: number): Promise<number> {
    return Number(
      this.db
        .prepare('INSERT INTO api_token (hash, name, role, scopes, account_id, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(t.hash, t.name, t.role, JSON.stringify(t.scopes), t.accountId, now).lastInsertRowid,
    );
  }

  async getApiToken(hash: string): Promise<ApiTokenRecord | null> {
    return apiToken(this.db.prepare('SELECT * FROM api_token WHERE hash = ?').get(hash) as Row | undefined);
  }

  async listApiTokens(): Promise<ApiTokenRecord[]> {
    return (this.db.prepare('SELECT * FROM api_token ORDER BY id').all() as Row[]).map((r) => apiToken(r)!);
  }

  async revokeApiToken(id: number, now: number): Promise<boolean> {
    return this.db.prepare('UPDATE api_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes > 0;
  }

  async touchApiToken(id: number, now: number): Promise<void> {
    this.db.prepare('UPDATE api_token SET last_used_at = ? WHERE id = ?').run(now, id);
  }

  async createIngestKey(k: { hash: string; name: string; sources: string[] | null }, now: number): Promise<IngestKeyRecord> {
    this.db
      .prepare('INSERT INTO ingest_key (hash, name, created_at, sources) VALUES (?, ?, ?, ?) ON CONFLICT (hash) DO UPDATE SET sources = excluded.sources, revoked_at = NULL')
      .run(k.hash, k.name, now, k.sources ? JSON.stringify(k.sources) : null);
    return (await this.getIngestKey(k.hash))!;
  }

  async getIngestKey(hash: string): Promise<IngestKeyRecord | null> {
    return ingestKey(this.db.prepare('SELECT * FROM ingest_key WHERE hash = ?').get(hash) as Row | undefined);
  }

  async listIngestKeys(): Promise<IngestKeyRecord[]> {
    return (this.db.prepare('SELECT * FROM ingest_key ORDER BY created_at, hash').all() as Row[]).map((r) => ingestKey(r)!);
  }

  async revokeIngestKey(id: string, now: number): Promise<boolean> {
    if (!/^[0-9a-f]{12}$/.test(id)) return false;
    return this.db.prepare("UPDATE ingest_key SET revoked_at = ? WHERE substr(hash, 1, 12) = ? AND revoked_at IS NULL").run(now, id).changes > 0;
  }

  async putOneTimeToken(t: { hash: string; purpose: string; email: string; role: Role; expiresAt: number }): Promise<void> {
    this.db.prepare('INSERT INTO one_time_token (hash, purpose, email, role, expires_at) VALUES (?, ?, ?, ?, ?)').run(t.hash, t.purpose, t.email.toLowerCase(), t.role, t.expiresAt);
  }

  async takeOneTimeToken(hash: string, purpose: string, now: number): Promise<{ email: string; role: Role } | null> {
    const r = this.db.prepare('DELETE FROM one_time_token WHERE hash = ? AND purpose = ? RETURNING email, role, expires_at').get(hash, purpose) as Row | undefined;
    if (!r || (r.expires_at as number) <= now) return null;
    return { email: r.email as string, role: r.role as Role };
  }

  async subjectRef(email: string): Promise<string> {
    const e = email.toLowerCase();
    const found = this.db.prepare('SELECT ref FROM subject WHERE email = ?').pluck().get(e) as string | undefined;
    if (found) return found;
    const ref = `s_${randomBytes(9).toString('base64url')}`;
    this.db.prepare('INSERT INTO subject (ref, email) VALUES (?, ?) ON CONFLICT (email) DO NOTHING').run(ref, e);
    return this.db.prepare('SELECT ref FROM subject WHERE email = ?').pluck().get(e) as string;
  }

  async resolveSubjects(refs: string[]): Promise<Map<string, string>> {
    const rows = this.db.prepare('SELECT ref, email FROM subject WHERE ref IN (SELECT value FROM json_each(?))').all(JSON.stringify(refs)) as { ref: string; email: string }[];
    return new Map(rows.map((r) => [r.ref, r.email]));
  }

  async appendAudit(r: AuditInput): Promise<number> {
    return Number(
      this.db
        .prepare('INSERT INTO audit_log (ts, action, actor, actor_role, subject, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(r.ts, r.action, r.actor, r.actorRole, r.subject, r.outcome, r.detail ? JSON.stringify(r.detail) : null).lastInsertRowid,
    );
  }

  async listAudit(f: AuditFilter): Promise<AuditRecord[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.from !== undefined) (where.push('ts >= ?'), args.push(f.from));
    if (f.to !== undefined) (where.push('ts < ?'), args.push(f.to));
    if (f.action) (where.push('action = ?'), args.push(f.action));
    if (f.subject) (where.push('(subject = ? OR actor = ?)'), args.push(f.subject, f.subject));
    if (f.beforeId !== undefined) (where.push('id < ?'), args.push(f.beforeId));
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, f.limit ?? 1000) as Row[]).map(audit);
  }

  async setPrivacyChoice(email: string, c: { leaderboardOptIn?: boolean | null; country?: string | null }, now: number): Promise<void> {
    const e = email.toLowerCase();
    const cur = await this.getPrivacyChoice(e);
    const optIn = c.leaderboardOptIn === undefined ? (cur?.leaderboardOptIn ?? null) : c.leaderboardOptIn;
    const country = c.country === undefined ? (cur?.country ?? null) : c.country;
    this.db
      .prepare(
        `INSERT INTO privacy_choice (email, leaderboard_opt_in, country, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (email) DO UPDATE SET leaderboard_opt_in = excluded.leaderboard_opt_in, country = excluded.country, updated_at = excluded.updated_at`,
      )
      .run(e, optIn === null ? null : Number(optIn), country?.toUpperCase() ?? null, now);
  }

  async getPrivacyChoice(email: string): Promise<PrivacyChoice | null> {
    const r = this.db.prepare('SELECT * FROM privacy_choice WHERE email = ?').get(email.toLowerCase()) as Row | undefined;
    return r ? choice(r) : null;
  }

  async listPrivacyChoices(): Promise<PrivacyChoice[]> {
    return (this.db.prepare('SELECT * FROM privacy_choice').all() as Row[]).map(choice);
  }

  private identityIdsOf(email: string): number[] {
    return this.db
      .prepare('SELECT i.id FROM identity i LEFT JOIN person p ON p.id = i.person_id WHERE p.email = ? OR i.email = ?')
      .pluck()
      .all(email, email) as number[];
  }

  async exportPerson(email: string): Promise<PersonExport> {
    const e = email.toLowerCase();
    const person = this.db
      .prepare(
        `SELECT p.id, p.email, p.name, t.name team, p.function, m.email managerEmail, p.title, p.status, p.start_date startDate
         FROM person p LEFT JOIN team t ON t.id = p.team_id LEFT JOIN person m ON m.id = p.manager_id WHERE p.email = ?`,
      )
      .get(e) as Row | undefined;
    const ids = JSON.stringify(this.identityIdsOf(e));
    const identities = this.db
      .prepare('SELECT canonical, email, account_id accountId, api_key_id apiKeyId, user_id userId, machine_id machineId FROM identity WHERE id IN (SELECT value FROM json_each(?))')
      .all(ids) as Row[];
    const aliases = person ? (this.db.prepare('SELECT kind, value FROM identity_alias WHERE person_id = ?').all(person.id) as { kind: string; value: string }[]) : [];
    const acct = this.db.prepare('SELECT email, name, role, created_at createdAt, password_hash IS NOT NULL hasPassword, oidc_issuer oidcIssuer FROM account WHERE email = ?').get(e) as Row | undefined;
    const privacy = (await this.getPrivacyChoice(e)) as Row | null;
    const usageByDay = this.db
      .prepare(
        `SELECT strftime('%Y-%m-%d', r.day, 'unixepoch') day, s.source, s.tool, s.provider, s.model, sum(r.events) events, sum(r.requests) requests,
                sum(r.input) input, sum(r.output) output, sum(r.cache_read) cacheRead, sum(r.cache_write) cacheWrite, sum(r.cost_best) / 1e6 cost
         FROM usage_daily r JOIN stream s ON s.id = r.stream_id WHERE r.identity_id IN (SELECT value FROM json_each(?))
         GROUP BY r.day, s.id ORDER BY r.day, s.id`,
      )
      .all(ids) as Row[];
    if (person) delete person.id;
    if (acct) acct.hasPassword = acct.hasPassword === 1;
    return { person: person ?? null, identities, aliases, account: acct ?? null, privacy, usageByDay };
  }

  async erasePerson(email: string): Promise<ErasureResult> {
    const e = email.toLowerCase();
    const db = this.db;
    return db.transaction((): ErasureResult => {
      const personId = db.prepare('SELECT id FROM person WHERE email = ?').pluck().get(e) as number | undefined;
      const ids = this.identityIdsOf(e);
      const idsJson = JSON.stringify(ids);
      let events = 0;
      if (ids.length) {
        // A fresh anonymous identity per erasure keeps distinct-people counts and totals unchanged.
        const anon = Number(db.prepare('INSERT INTO identity (canonical) VALUES (?)').run(`erased:${randomBytes(12).toString('hex')}`).lastInsertRowid);
        for (const [table, col] of [['usage_hourly', 'hour'], ['usage_daily', 'day']] as const) {
          const sums = ROLLUP_FIELDS.map((f) => `sum(${f})`).join(', ');
          const upd = ROLLUP_FIELDS.map((f) => `${f} = ${f} + excluded.${f}`).join(', ');
          db.prepare(
            `INSERT INTO ${table} (${col}, identity_id, stream_id, attrs_id, ${ROLLUP_FIELDS.join(', ')})
             SELECT ${col}, ?, stream_id, attrs_id, ${sums} FROM ${table} WHERE identity_id IN (SELECT value FROM json_each(?))
             GROUP BY ${col}, stream_id, attrs_id
             ON CONFLICT (${col}, identity_id, stream_id, attrs_id) DO UPDATE SET ${upd}`,
          ).run(anon, idsJson);
          db.prepare(`DELETE FROM ${table} WHERE identity_id IN (SELECT value FROM json_each(?))`).run(idsJson);
        }
        // Raw rows stay (anonymous) so a retried event is still recognised as a duplicate.
        events = db.prepare('UPDATE usage_event SET identity_id = ?, session_id = NULL WHERE identity_id IN (SELECT value FROM json_each(?))').run(anon, idsJson).changes;
        // Session keys come from the sources and may embed a name or email: replace them.
        db.prepare("UPDATE session SET identity_id = ?, key = 'erased:' || lower(hex(randomblob(12))) WHERE identity_id IN (SELECT value FROM json_each(?))").run(anon, idsJson);
        db.prepare('DELETE FROM identity_assignment WHERE identity_id IN (SELECT value FROM json_each(?))').run(idsJson);
        db.prepare('DELETE FROM identity_seen WHERE identity_id IN (SELECT value FROM json_each(?))').run(idsJson);
        db.prepare('DELETE FROM identity WHERE id IN (SELECT value FROM json_each(?))').run(idsJson);
        // The anonymous identity's daily facts are rebuilt before the next read (the erased ones' go with their identities).
        db.prepare('INSERT INTO usage_fact_stale (identity_id) VALUES (?) ON CONFLICT DO NOTHING').run(anon);
      }
      const accountName = db.prepare('SELECT name FROM account WHERE email = ?').pluck().get(e) as string | null | undefined;
      // Directory records that name them: assignments made by or to them, rules targeting them, team history.
      db.prepare('UPDATE identity_assignment SET assigned_by = NULL WHERE lower(assigned_by) IN (?, ?)').run(e, (accountName ?? e).toLowerCase());
      db.prepare('DELETE FROM identity_rule WHERE lower(target) = ?').run(e);
      if (personId !== undefined) {
        db.prepare('DELETE FROM identity_assignment WHERE person_id = ?').run(personId);
        db.prepare('DELETE FROM team_membership WHERE person_id = ?').run(personId);
        db.prepare('DELETE FROM identity_alias WHERE person_id = ?').run(personId);
        db.prepare('UPDATE person SET manager_id = NULL WHERE manager_id = ?').run(personId);
        db.prepare('DELETE FROM person WHERE id = ?').run(personId);
      }
      db.prepare("DELETE FROM identity_alias WHERE kind = 'email' AND value = ?").run(e);
      const acct = db.prepare('DELETE FROM account WHERE email = ?').run(e).changes > 0;
      db.prepare('DELETE FROM privacy_choice WHERE email = ?').run(e);
      db.prepare('DELETE FROM one_time_token WHERE email = ?').run(e);
      db.prepare('DELETE FROM subject WHERE email = ?').run(e);
      return { person: personId !== undefined, identities: ids.length, events, account: acct };
    })();
  }

  async purgeExpired(now: number): Promise<number> {
    return (
      this.db.prepare('DELETE FROM auth_session WHERE expires_at <= ?').run(now).changes +
      this.db.prepare('DELETE FROM one_time_token WHERE expires_at <= ?').run(now).changes
    );
  }
}
