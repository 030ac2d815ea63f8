/**
 * Accounts, sessions, API tokens, ingest keys and one-time tokens. Secrets are
 * shown once and stored only as sha256; passwords as scrypt. Every sign-in,
 * failed sign-in, key change and role change is audited.
 */
import { timingSafeEqual } from 'node:crypto';
import type { AuditLog } from '../governance/audit.js';
import type { AccountRecord, IngestKeyRecord } from '../governance/store.js';
import { HUMAN_ROLES, type HumanRole, type Role, type Viewer } from '../query/policy.js';
import type { Store } from '../store/types.js';
import { dummyHash, hashPassword, newSecret, SCRYPT_DEFAULT, secretHash, verifyPassword } from './crypto.js';
import { ALL_PERMISSIONS, ROLE_PERMISSIONS, type Permission } from './permissions.js';
import { FailureLimiter } from './rate-limit.js';

export interface AuthOptions {
  /** A session ends after this long without a request (default 30 minutes). */
  idleTimeoutMs?: number;
  /** A session ends this long after sign-in whatever happens (default 12 hours). */
  absoluteTimeoutMs?: number;
  /** TOKENBOARD_ADMIN_TOKEN: a bearer token with the admin role. */
  adminToken?: string;
  scryptCost?: typeof SCRYPT_DEFAULT;
  limiter?: FailureLimiter;
  clock?: () => number;
}

export class AuthError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 401 | 403 | 404 | 409 | 429,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** Minimum password length (ASVS 5.0: at least 8; we ask for 12). */
export const MIN_PASSWORD = 12;
const SESSION_TOUCH_MS = 60_000;

export class AuthService {
  readonly idleTimeoutMs: number;
  readonly absoluteTimeoutMs: number;
  private readonly adminTokenBuf: Buffer | null;
  private readonly limiter: FailureLimiter;
  private readonly clock: () => number;
  private readonly cost: typeof SCRYPT_DEFAULT;

  constructor(
    private readonly store: Store,
    readonly audit: AuditLog,
    opts: AuthOptions = {},
  ) {
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 30 * 60_000;
    this.absoluteTimeoutMs = opts.absoluteTimeoutMs ?? 12 * 3_600_000;
    this.adminTokenBuf = opts.adminToken ? Buffer.from(opts.adminToken) : null;
    this.limiter = opts.limiter ?? new FailureLimiter();
    this.clock = opts.clock ?? Date.now;
    this.cost = opts.scryptCost ?? SCRYPT_DEFAULT;
  }

  private get gov() {
    return this.store.governance;
  }

  // ---- who is asking -------------------------------------------------------

  /** Resolve a bearer secret: the admin token, an API token, or an ingest key. */
  async viewerFromBearer(token: string, adminToken?: string): Promise<Viewer | null> {
    const admin = adminToken ? Buffer.from(adminToken) : this.adminTokenBuf;
    if (admin) {
      const b = Buffer.from(token);
      if (b.length === admin.length && timingSafeEqual(b, admin)) return { role: 'admin', via: 'admin-token', name: 'admin-token' };
    }
    const hash = secretHash(token);
    if (token.startsWith('tbt_')) {
      const t = await this.gov.getApiToken(hash);
      if (!t || t.revokedAt !== null) return null;
      await this.gov.touchApiToken(t.id, this.clock());
      return { role: t.role, via: 'api-token', tokenId: t.id, name: t.name, scopes: t.scopes };
    }
    const k = await this.gov.getIngestKey(hash);
    if (!k || k.revokedAt !== null) return null;
    return { role: 'ingest', via: 'ingest-key', name: k.name, sources: k.sources };
  }

  /** Resolve a session cookie value, enforcing the idle and absolute timeouts. */
  async viewerFromSession(cookie: string): Promise<Viewer | null> {
    const idHash = secretHash(cookie);
    const s = await this.gov.getSession(idHash);
    if (!s) return null;
    const now = this.clock();
    if (now >= s.expiresAt || now - s.lastSeenAt >= this.idleTimeoutMs) {
      await this.gov.deleteSession(idHash);
      return null;
    }
    const a = await this.gov.getAccount({ id: s.accountId });
    if (!a || a.disabled) return null;
    if (now - s.lastSeenAt >= SESSION_TOUCH_MS) await this.gov.touchSession(idHash, now);
    return { role: a.role, email: a.email, name: a.name ?? a.email, accountId: a.id, via: 'session', sessionHash: idHash, csrf: s.csrf };
  }

  // ---- sessions ------------------------------------------------------------

  /** Start a session; returns the cookie value (shown to the browser only). */
  async startSession(account: AccountRecord, method: string): Promise<{ cookie: string; csrf: string; maxAgeSec: number }> {
    const cookie = newSecret('tbs_');
    const csrf = newSecret('');
    const now = this.clock();
    await this.gov.createSession({ idHash: secretHash(cookie), accountId: account.id, csrf, createdAt: now, lastSeenAt: now, expiresAt: now + this.absoluteTimeoutMs });
    await this.audit.record(this.viewerOf(account), 'auth.sign-in', { detail: { method } });
    return { cookie, csrf, maxAgeSec: Math.floor(this.absoluteTimeoutMs / 1000) };
  }

  async signOut(viewer: Viewer): Promise<void> {
    if (viewer.sessionHash) await this.gov.deleteSession(viewer.sessionHash);
    await this.audit.record(viewer, 'auth.sign-out');
  }

  /** End every session of an account (the person themself, or an admin). */
  async endSessions(actor: Viewer, accountId: number): Promise<number> {
    const target = await this.gov.getAccount({ id: accountId });
    if (!target) throw new AuthError('no such account', 404);
    const n = await this.gov.deleteSessionsOf(accountId);
    await this.audit.record(actor, 'auth.sessions-ended', { subject: target.email, detail: { sessions: n } });
    return n;
  }

  viewerOf(a: AccountRecord): Viewer {
    return { role: a.role, email: a.email, name: a.name ?? a.email, accountId: a.id, via: 'session' };
  }

  // ---- password sign-in ----------------------------------------------------

  async signInWithPassword(emailIn: string, password: string, client: string): Promise<AccountRecord> {
    const email = emailIn.trim().toLowerCase();
    const keys = [`email:${email}`, `client:${client}`];
    const wait = Math.max(...keys.map((k) => this.limiter.retryAfter(k)));
    if (wait > 0) {
      await this.audit.record({ role: 'anonymous' }, 'auth.sign-in-failed', { outcome: 'denied', detail: { reason: 'rate-limited' } });
      throw new AuthError('too many failed sign-ins; try again later', 429, wait);
    }
    const a = await this.gov.getAccount({ email });
    const ok = a?.passwordHash && !a.disabled ? await verifyPassword(password, a.passwordHash) : (await verifyPassword(password, await dummyHash(this.cost)), false);
    if (!ok || !a) {
      keys.forEach((k) => this.limiter.fail(k));
      // The subject is recorded only for real accounts, so the log cannot fill with typed-in strangers' addresses.
      await this.audit.record({ role: 'anonymous' }, 'auth.sign-in-failed', { outcome: 'failed', subject: a ? a.email : null, detail: { method: 'password' } });
      throw new AuthError('wrong email or password', 401);
    }
    keys.forEach((k) => this.limiter.reset(k));
    return a;
  }

  // ---- accounts ------------------------------------------------------------

  async createAccount(actor: Viewer, input: { email: string; name?: string | null; role: HumanRole; password?: string }): Promise<AccountRecord> {
    const email = input.email.trim().toLowerCase();
    if (await this.gov.getAccount({ email })) throw new AuthError(`an account for ${email} exists`, 409);
    if (input.password !== undefined && input.password.length < MIN_PASSWORD) throw new AuthError(`password must be at least ${MIN_PASSWORD} characters`, 400);
    const a = await this.gov.createAccount(
      { email, name: input.name ?? null, role: input.role, passwordHash: input.password ? await hashPassword(input.password, this.cost) : null },
      this.clock(),
    );
    await this.audit.record(actor, 'account.created', { subject: email, detail: { role: a.role } });
    return a;
  }

  async changeAccount(actor: Viewer, id: number, patch: { role?: HumanRole; disabled?: boolean; password?: string }): Promise<AccountRecord> {
    const a = await this.gov.getAccount({ id });
    if (!a) throw new AuthError('no such account', 404);
    if (patch.password !== undefined && patch.password.length < MIN_PASSWORD) throw new AuthError(`password must be at least ${MIN_PASSWORD} characters`, 400);
    await this.gov.updateAccount(id, {
      role: patch.role,
      disabled: patch.disabled,
      passwordHash: patch.password ? await hashPassword(patch.password, this.cost) : undefined,
    });
    // A changed role or password, or a disabled account, ends existing sessions.
    const ended = await this.gov.deleteSessionsOf(id);
    const detail: Record<string, unknown> = { sessionsEnded: ended };
    if (patch.role && patch.role !== a.role) Object.assign(detail, { oldRole: a.role, newRole: patch.role });
    if (patch.disabled !== undefined) Object.assign(detail, { disabled: patch.disabled });
    if (patch.password) detail.passwordChanged = true;
    await this.audit.record(actor, 'account.changed', { subject: a.email, detail });
    return (await this.gov.getAccount({ id }))!;
  }

  // ---- API tokens and ingest keys -----------------------------------------

  async createApiToken(actor: Viewer, input: { name: string; role: HumanRole; scopes?: Permission[] }): Promise<{ id: number; token: string; scopes: Permission[] }> {
    const allowed = ROLE_PERMISSIONS[input.role];
    const scopes = input.scopes ?? [...allowed];
    const bad = scopes.find((s) => !allowed.includes(s));
    if (bad) throw new AuthError(`scope ${bad} is not part of the ${input.role} role`, 400);
    const token = newSecret('tbt_');
    const id = await this.gov.createApiToken({ hash: secretHash(token), name: input.name, role: input.role, scopes, accountId: actor.accountId ?? null }, this.clock());
    await this.audit.record(actor, 'token.created', { detail: { tokenId: id, name: input.name, role: input.role, scopes } });
    return { id, token, scopes };
  }

  async revokeApiToken(actor: Viewer, id: number): Promise<void> {
    if (!(await this.gov.revokeApiToken(id, this.clock()))) throw new AuthError('no such active token', 404);
    await this.audit.record(actor, 'token.revoked', { detail: { tokenId: id } });
  }

  /** A new ingest key (or register a given one, e.g. from --ingest-key), write-only, optionally limited to sources. */
  async createIngestKey(actor: Viewer, input: { name: string; sources?: string[] | null; key?: string }): Promise<{ key: string; record: IngestKeyRecord }> {
    const key = input.key ?? newSecret('tbi_');
    const record = await this.gov.createIngestKey({ hash: secretHash(key), name: input.name, sources: input.sources?.length ? input.sources : null }, this.clock());
    await this.audit.record(actor, 'ingest-key.created', { detail: { id: record.id, name: record.name, sources: record.sources } });
    return { key, record };
  }

  async revokeIngestKey(actor: Viewer, id: string): Promise<void> {
    if (!(await this.gov.revokeIngestKey(id, this.clock()))) throw new AuthError('no such active ingest key', 404);
    await this.audit.record(actor, 'ingest-key.revoked', { detail: { id } });
  }

  // ---- one-time tokens: first-run setup and sign-in links ------------------

  async issueOneTimeToken(purpose: 'setup' | 'sign-in', email: string, role: HumanRole, ttlMs: number): Promise<string> {
    const token = newSecret('tbo_');
    await this.gov.putOneTimeToken({ hash: secretHash(token), purpose, email, role, expiresAt: this.clock() + ttlMs });
    return token;
  }

  /** The first-run token, when there is no account yet (printed by `serve`). */
  async firstRunToken(): Promise<string | null> {
    if ((await this.gov.countAccounts()) > 0) return null;
    return this.issueOneTimeToken('setup', 'first-admin', 'admin', 24 * 3_600_000);
  }

  /** Redeem a sign-in link: the account is created on first use with the token's role. */
  async redeemSignInLink(token: string): Promise<AccountRecord> {
    const t = await this.gov.takeOneTimeToken(secretHash(token), 'sign-in', this.clock());
    if (!t) throw new AuthError('this sign-in link is unknown, used or expired', 401);
    return (await this.gov.getAccount({ email: t.email })) ?? this.createAccount({ role: 'admin', via: 'admin-token', name: 'sign-in-link' }, { email: t.email, role: t.role as HumanRole });
  }

  /** Redeem the first-run token: creates the first admin with a password. */
  async redeemSetup(token: string, input: { email: string; name?: string; password: string }): Promise<AccountRecord> {
    if ((await this.gov.countAccounts()) > 0) throw new AuthError('setup is already done', 409);
    // Check the input before spending the single-use token on it.
    if (input.password.length < MIN_PASSWORD) throw new AuthError(`password must be at least ${MIN_PASSWORD} characters`, 400);
    const t = await this.gov.takeOneTimeToken(secretHash(token), 'setup', this.clock());
    if (!t) throw new AuthError('this setup token is unknown, used or expired; restart `tokenboard serve` for a new one', 401);
    return this.createAccount({ role: 'admin', via: 'admin-token', name: 'first-run setup' }, { email: input.email, name: input.name, role: 'admin', password: input.password });
  }

  /** Find or create the account for an OpenID Connect identity. */
  async oidcAccount(issuer: string, claims: { sub: string; email?: string; email_verified?: boolean; name?: string }, defaultRole: HumanRole): Promise<AccountRecord> {
    const bySub = await this.gov.getAccount({ oidcIssuer: issuer, oidcSubject: claims.sub });
    if (bySub) return bySub;
    if (!claims.email) throw new AuthError('the identity provider sent no email address', 403);
    // Link to an existing account by email only when the provider vouches for the address.
    if (claims.email_verified === false) throw new AuthError('the identity provider has not verified this email address', 403);
    const existing = await this.gov.getAccount({ email: claims.email });
    if (existing) {
      if (existing.oidcIssuer && existing.oidcIssuer !== issuer) throw new AuthError('this account is linked to another identity provider', 403);
      await this.gov.updateAccount(existing.id, { oidcIssuer: issuer, oidcSubject: claims.sub });
      return (await this.gov.getAccount({ id: existing.id }))!;
    }
    const a = await this.gov.createAccount({ email: claims.email, name: claims.name ?? null, role: defaultRole, oidcIssuer: issuer, oidcSubject: claims.sub }, this.clock());
    await this.audit.record({ role: 'anonymous', via: 'session', name: 'oidc' }, 'account.created', { subject: a.email, detail: { role: a.role, method: 'oidc' } });
    return a;
  }
}

export function isHumanRole(r: string): r is HumanRole {
  return (HUMAN_ROLES as readonly string[]).includes(r);
}

export { ALL_PERMISSIONS, type Role };
