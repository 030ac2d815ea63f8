/**
 * What governance needs from a store: accounts, sessions, API tokens, scoped
 * ingest keys, the append-only audit log, subject refs, privacy choices, and
 * per-person export and erasure. Every method is plain row access so the
 * PostgreSQL store can implement it with the same tables (0800-governance).
 */
import type { Role } from '../query/policy.js';

export interface AccountRecord {
  id: number;
  email: string;
  name: string | null;
  role: Role;
  passwordHash: string | null;
  oidcIssuer: string | null;
  oidcSubject: string | null;
  disabled: boolean;
  createdAt: number;
}

export interface AccountInput {
  email: string;
  name?: string | null;
  role: Role;
  passwordHash?: string | null;
  oidcIssuer?: string | null;
  oidcSubject?: string | null;
}

export interface SessionRecord {
  idHash: string;
  accountId: number;
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

export interface ApiTokenRecord {
  id: number;
  name: string;
  role: Role;
  scopes: string[];
  accountId: number | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface IngestKeyRecord {
  /** First 12 hex characters of the key's hash: enough to name it, useless to use it. */
  id: string;
  name: string;
  /** Sources the key may write; null means any. */
  sources: string[] | null;
  createdAt: number;
  revokedAt: number | null;
}

export interface AuditRecord {
  id: number;
  ts: number;
  action: string;
  /** Subject ref of the actor (accounts), or a label for machines (`admin-token`, `token:3`). */
  actor: string | null;
  actorRole: string;
  /** Subject ref of the person the action was about. */
  subject: string | null;
  outcome: 'ok' | 'denied' | 'failed';
  detail: Record<string, unknown> | null;
}

export type AuditInput = Omit<AuditRecord, 'id'>;

export interface AuditFilter {
  from?: number;
  to?: number;
  action?: string;
  subject?: string;
  /** Newest first; page with `beforeId`. */
  beforeId?: number;
  limit?: number;
}

export interface PrivacyChoice {
  email: string;
  /** true opted in, false opted out, null no choice yet (the country's default applies). */
  leaderboardOptIn: boolean | null;
  country: string | null;
}

export interface PersonExport {
  person: Record<string, unknown> | null;
  identities: Record<string, unknown>[];
  aliases: { kind: string; value: string }[];
  account: Record<string, unknown> | null;
  privacy: Record<string, unknown> | null;
  usageByDay: Record<string, unknown>[];
}

export interface ErasureResult {
  person: boolean;
  identities: number;
  events: number;
  account: boolean;
}

export interface GovernanceStore {
  createAccount(a: AccountInput, now: number): Promise<AccountRecord>;
  getAccount(by: { id: number } | { email: string } | { oidcIssuer: string; oidcSubject: string }): Promise<AccountRecord | null>;
  listAccounts(): Promise<AccountRecord[]>;
  updateAccount(id: number, patch: Partial<Pick<AccountRecord, 'role' | 'passwordHash' | 'disabled' | 'name' | 'oidcIssuer' | 'oidcSubject'>>): Promise<void>;
  countAccounts(): Promise<number>;

  createSession(s: SessionRecord): Promise<void>;
  getSession(idHash: string): Promise<SessionRecord | null>;
  touchSession(idHash: string, lastSeenAt: number): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Ends every session of the account; returns how many. */
  deleteSessionsOf(accountId: number): Promise<number>;
  countSessionsOf(accountId: number): Promise<number>;

  createApiToken(t: { hash: string; name: string; role: Role; scopes: string[]; accountId: number | null }, now: number): Promise<number>;
  getApiToken(hash: string): Promise<ApiTokenRecord | null>;
  listApiTokens(): Promise<ApiTokenRecord[]>;
  revokeApiToken(id: number, now: number): Promise<boolean>;
  touchApiToken(id: number, now: number): Promise<void>;

  createIngestKey(k: { hash: string; name: string; sources: string[] | null }, now: number): Promise<IngestKeyRecord>;
  getIngestKey(hash: string): Promise<IngestKeyRecord | null>;
  listIngestKeys(): Promise<IngestKeyRecord[]>;
  revokeIngestKey(id: string, now: number): Promise<boolean>;

  putOneTimeToken(t: { hash: string; purpose: string; email: string; role: Role; expiresAt: number }): Promise<void>;
  /** Returns the token and deletes it (single use), or null when unknown or expired. */
  takeOneTimeToken(hash: string, purpose: string, now: number): Promise<{ email: string; role: Role } | null>;

  /** The subject ref for an email, created on first use. */
  subjectRef(email: string): Promise<string>;
  /** Emails for the refs that still resolve (erased people do not). */
  resolveSubjects(refs: string[]): Promise<Map<string, string>>;

  appendAudit(r: AuditInput): Promise<number>;
  listAudit(f: AuditFilter): Promise<AuditRecord[]>;

  /** Set the given fields (undefined leaves a field as it is). */
  setPrivacyChoice(email: string, c: { leaderboardOptIn?: boolean | null; country?: string | null }, now: number): Promise<void>;
  getPrivacyChoice(email: string): Promise<PrivacyChoice | null>;
  listPrivacyChoices(): Promise<PrivacyChoice[]>;

  /** Everything stored about one person (no password hashes, no secrets). */
  exportPerson(email: string): Promise<PersonExport>;
  /**
   * Remove the person, their identities, aliases, account, sessions, tokens,
   * choices and subject ref. Their usage moves to a fresh anonymous identity so
   * organisation totals stay the same and retries stay deduplicated.
   */
  erasePerson(email: string): Promise<ErasureResult>;
  /** Delete expired sessions and one-time tokens. */
  purgeExpired(now: number): Promise<number>;
}
