/**
 * Every sign-in, failed sign-in, failed authorisation, key change, role and
 * policy change, person-level view and export leaves exactly one audit record,
 * with the right actor, subject and detail, and nothing secret in it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/crypto.js';
import type { AuditView } from '../../src/governance/audit.js';
import { FAST_SCRYPT, makeOrg, RANGE, type Org } from './helpers.js';

describe('audit log', () => {
  let org: Org;
  /** Run `fn` and return the audit records it added (oldest first). */
  async function added(fn: () => Promise<unknown>): Promise<AuditView[]> {
    const before = (await org.gov.audit.list({ limit: 1 }))[0]?.id ?? 0;
    await fn();
    return (await org.gov.audit.list({ limit: 100 })).filter((r) => r.id > before).reverse();
  }
  const one = async (fn: () => Promise<unknown>) => {
    const recs = await added(fn);
    expect(recs.map((r) => r.action)).toHaveLength(1);
    return recs[0]!;
  };

  beforeAll(async () => {
    org = await makeOrg();
    await org.store.governance.createAccount({ email: 'pat@ex.com', role: 'analyst', passwordHash: await hashPassword('correct horse battery', FAST_SCRYPT) }, 0);
  });

  it('sign-in and failed sign-in', async () => {
    const ok = await one(() => org.req('/auth/sign-in', { method: 'POST', body: { email: 'pat@ex.com', password: 'correct horse battery' } }));
    expect(ok).toMatchObject({ action: 'auth.sign-in', outcome: 'ok', actorEmail: 'pat@ex.com', actorRole: 'analyst', detail: { method: 'password' } });
    const bad = await one(() => org.req('/auth/sign-in', { method: 'POST', body: { email: 'pat@ex.com', password: 'wrong password!!' } }));
    expect(bad).toMatchObject({ action: 'auth.sign-in-failed', outcome: 'failed', subjectEmail: 'pat@ex.com' });
    const unknown = await one(() => org.req('/auth/sign-in', { method: 'POST', body: { email: 'nobody@ex.com', password: 'whatever123456' } }));
    expect(unknown.subject).toBeNull(); // strangers' typed-in addresses are not kept
  });

  it('failed authorisation: missing permission and a refused query', async () => {
    const denied = await one(() => org.req('/api/v1/audit', { headers: org.callers.member }));
    expect(denied).toMatchObject({ action: 'authz.denied', outcome: 'denied', actorEmail: 'ann@ex.com', detail: { path: '/api/v1/audit', permission: 'audit:read' } });
    const refused = await one(() => org.req(`/api/v1/usage/summary?${RANGE}&person=eng3@ex.com`, { headers: org.callers.analyst }));
    expect(refused).toMatchObject({ action: 'authz.denied', actorEmail: 'ana@ex.com' });
    expect(String(refused.detail!.reason)).toMatch(/filtering by person/);
  });

  it('a directory import (not a dry run) leaves one record', async () => {
    const body = { people: [{ email: 'new.hire@ex.com', name: 'New Hire', function: 'Engineering', team: 'Platform' }] };
    const dry = await added(() => org.req('/api/v1/directory/import?dryRun=true', { method: 'POST', headers: org.callers.admin, body }));
    expect(dry).toHaveLength(0);
    const rec = await one(() => org.req('/api/v1/directory/import', { method: 'POST', headers: org.callers.admin, body }));
    expect(rec).toMatchObject({ action: 'import', actorEmail: 'root@ex.com', detail: { kind: 'directory', rows: 1, errors: 0 } });
  });

  it('key and token changes, with no secret in the log', async () => {
    let key = '';
    const created = await one(async () => {
      const res = await org.req('/api/v1/admin/ingest-keys', { method: 'POST', headers: org.callers.admin, body: { name: 'laptops', sources: ['claude-code'] } });
      key = ((await res.json()) as { key: string; id: string }).key;
    });
    expect(created).toMatchObject({ action: 'ingest-key.created', actorEmail: 'root@ex.com', detail: { name: 'laptops', sources: ['claude-code'] } });
    const id = created.detail!.id as string;
    const revoked = await one(() => org.req(`/api/v1/admin/ingest-keys/${id}`, { method: 'DELETE', headers: org.callers.admin }));
    expect(revoked).toMatchObject({ action: 'ingest-key.revoked', detail: { id } });
    let token = '';
    const t = await one(async () => {
      const res = await org.req('/api/v1/admin/tokens', { method: 'POST', headers: org.callers.admin, body: { name: 'ci', role: 'analyst', scopes: ['usage:read'] } });
      token = ((await res.json()) as { token: string }).token;
    });
    expect(t).toMatchObject({ action: 'token.created', detail: { name: 'ci', role: 'analyst', scopes: ['usage:read'] } });
    const dump = JSON.stringify(org.store.db.prepare('SELECT * FROM audit_log').all());
    expect(dump).not.toContain(key);
    expect(dump).not.toContain(token);
    expect(dump).not.toContain('test-admin-token');
    expect(dump).not.toContain('correct horse');
  });

  it('role change and policy change record old and new values', async () => {
    const pat = (await org.store.governance.getAccount({ email: 'pat@ex.com' }))!;
    const role = await one(() => org.req(`/api/v1/admin/accounts/${pat.id}`, { method: 'PATCH', headers: org.callers.admin, body: { role: 'manager' } }));
    expect(role).toMatchObject({ action: 'account.changed', subjectEmail: 'pat@ex.com', detail: { oldRole: 'analyst', newRole: 'manager' } });
    const policy = await one(() => org.req('/api/v1/admin/policy', { method: 'PUT', headers: org.callers.admin, body: { minGroupSize: 7, exclude: { people: ['sam@ex.com'] } } }));
    expect(policy).toMatchObject({ action: 'policy.changed', actorEmail: 'root@ex.com', detail: { old: { minGroupSize: 5 }, new: { minGroupSize: 7 } } });
    // Excluded people are logged by ref, never by email.
    expect(JSON.stringify(policy.detail)).not.toContain('sam@ex.com');
    await org.req('/api/v1/admin/policy', { method: 'PUT', headers: org.callers.admin, body: { minGroupSize: 5, exclude: { people: [] } } });
  });

  it('person-level views by someone else and every export', async () => {
    await org.req('/api/v1/admin/policy', { method: 'PUT', headers: org.callers.admin, body: { individualViewers: ['admin'] } });
    const view = await one(() => org.req(`/api/v1/usage/summary?${RANGE}&person=eng3@ex.com`, { headers: org.callers.admin }));
    expect(view).toMatchObject({ action: 'person.viewed', actorEmail: 'root@ex.com', subjectEmail: 'eng3@ex.com' });
    const many = await one(() => org.req(`/api/v1/usage/breakdown?${RANGE}&groupBy=person`, { headers: org.callers.admin }));
    expect(many.action).toBe('people.viewed');
    // Your own data is yours: not logged as a view.
    expect(await added(() => org.req(`/api/v1/usage/summary?${RANGE}`, { headers: org.callers.member }))).toEqual([]);
    const exp = await one(() => org.req('/api/v1/admin/people/eng3@ex.com/export', { headers: org.callers.admin }));
    expect(exp).toMatchObject({ action: 'person.exported', subjectEmail: 'eng3@ex.com' });
    const own = await one(() => org.req('/api/v1/me/export', { headers: org.callers.member }));
    expect(own).toMatchObject({ action: 'person.exported', actorEmail: 'ann@ex.com', subjectEmail: 'ann@ex.com' });
    await org.req('/api/v1/admin/policy', { method: 'PUT', headers: org.callers.admin, body: { individualViewers: [] } });
    const csv = await one(() => org.req(`/api/v1/usage/breakdown.csv?${RANGE}&groupBy=function`, { headers: org.callers.analyst }));
    expect(csv).toMatchObject({ action: 'usage.exported', actorEmail: 'ana@ex.com', detail: { groupBy: ['function'], rows: 3 } });
  });

  it('is append-only and exportable as CSV (the export itself audited)', async () => {
    expect(() => org.store.db.prepare('UPDATE audit_log SET action = ?').run('x')).toThrow(/append-only/);
    expect(() => org.store.db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    let csv = '';
    const exp = await one(async () => {
      const res = await org.req('/api/v1/audit?format=csv', { headers: org.callers.admin });
      expect(res.headers.get('content-type')).toMatch(/text\/csv/);
      csv = await res.text();
    });
    expect(exp.action).toBe('audit.exported');
    expect(csv.split('\r\n')[0]).toBe('"id","time","action","outcome","actorRole","actor","actorEmail","subject","subjectEmail","detail"');
    expect(csv).toContain('"policy.changed"');
  });
});
