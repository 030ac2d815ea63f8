/**
 * The audit log: append-only (the SQLite table refuses UPDATE and DELETE).
 * People appear in it only as subject refs (random ids resolved through the
 * `subject` table), never as emails, so erasing a person makes every record
 * about them anonymous without rewriting the log. Details never hold secrets,
 * tokens, passwords or emails.
 */
import type { PrivacyPolicy, Viewer } from '../query/policy.js';
import type { AuditRecord, GovernanceStore } from './store.js';

export type AuditAction =
  | 'auth.sign-in'
  | 'auth.sign-in-failed'
  | 'auth.sign-out'
  | 'auth.sessions-ended'
  | 'authz.denied'
  | 'account.created'
  | 'account.changed'
  | 'token.created'
  | 'token.revoked'
  | 'ingest-key.created'
  | 'ingest-key.revoked'
  | 'policy.changed'
  | 'privacy.choice-changed'
  | 'person.viewed'
  | 'people.viewed'
  | 'person.exported'
  | 'usage.exported'
  | 'person.erased'
  | 'audit.exported'
  | 'retention.run'
  | 'import';

export interface AuditOptions {
  subject?: string | null;
  outcome?: AuditRecord['outcome'];
  detail?: Record<string, unknown>;
}

/** An audit record as shown to admins: refs resolved to emails where the person still exists. */
export interface AuditView extends AuditRecord {
  actorEmail: string | null;
  subjectEmail: string | null;
}

export class AuditLog {
  constructor(
    private readonly store: GovernanceStore,
    private readonly clock: () => number = Date.now,
  ) {}

  async actorRef(viewer: Viewer): Promise<string | null> {
    if (viewer.email) return this.store.subjectRef(viewer.email);
    if (viewer.via === 'api-token') return `token:${viewer.tokenId}`;
    if (viewer.via === 'admin-token') return 'admin-token';
    if (viewer.via === 'system') return `system:${viewer.name ?? ''}`;
    if (viewer.via === 'ingest-key') return `ingest-key:${viewer.name ?? ''}`;
    return null;
  }

  async record(viewer: Viewer, action: AuditAction, opts: AuditOptions = {}): Promise<number> {
    return this.store.appendAudit({
      ts: this.clock(),
      action,
      actor: await this.actorRef(viewer),
      actorRole: viewer.role,
      subject: opts.subject ? await this.store.subjectRef(opts.subject) : null,
      outcome: opts.outcome ?? 'ok',
      detail: opts.detail ?? null,
    });
  }

  /** A policy as it may appear in the log: excluded people by ref, not email. */
  async redactPolicy(p: PrivacyPolicy): Promise<unknown> {
    const people = await Promise.all(p.exclude.people.map((e) => this.store.subjectRef(e)));
    return { ...p, exclude: { ...p.exclude, people } };
  }

  async list(f: Parameters<GovernanceStore['listAudit']>[0]): Promise<AuditView[]> {
    const rows = await this.store.listAudit(f);
    const refs = [...new Set(rows.flatMap((r) => [r.actor, r.subject]).filter((x): x is string => !!x?.startsWith('s_')))];
    const emails = await this.store.resolveSubjects(refs);
    return rows.map((r) => ({ ...r, actorEmail: (r.actor && emails.get(r.actor)) ?? null, subjectEmail: (r.subject && emails.get(r.subject)) ?? null }));
  }
}
