/**
 * SCIM 2.0 (RFC 7643/7644) mapping between directory people/teams and SCIM
 * User/Group resources, and PATCH application. Identity providers differ in
 * small ways (Entra ID sends `"op": "Replace"` and `"value": "False"`; Okta
 * sends path-less replaces with an object value); both are accepted.
 * Groups map to teams: a person is in at most one team, the last group wins.
 */
import { z } from 'zod';
import type { PersonInput, PersonRecord } from '../store/types.js';
import type { TeamRecord } from '../domain/directory.js';

export const SCIM = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterprise: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  list: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patch: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
} as const;

export class ScimError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
    readonly scimType?: string,
  ) {
    super(message);
  }
}

export type ScimObject = Record<string, unknown>;

export function userToScim(p: PersonRecord, managerId: number | null, base: string): ScimObject {
  const emails = [{ value: p.email, type: 'work', primary: true }, ...(p.aliases ?? []).filter((a) => a.kind === 'email').map((a) => ({ value: a.value, type: 'other', primary: false }))];
  return {
    schemas: [SCIM.user, SCIM.enterprise],
    id: String(p.id),
    ...(p.externalId ? { externalId: p.externalId } : {}),
    userName: p.email,
    ...(p.name ? { name: { formatted: p.name }, displayName: p.name } : {}),
    ...(p.title ? { title: p.title } : {}),
    active: p.status === 'active',
    emails,
    ...(p.location ? { addresses: [{ type: 'work', locality: p.location }] } : {}),
    [SCIM.enterprise]: {
      ...(p.function ? { department: p.function } : {}),
      ...(managerId !== null ? { manager: { value: String(managerId), ...(p.managerEmail ? { displayName: p.managerEmail } : {}) } } : {}),
    },
    meta: { resourceType: 'User', location: `${base}/Users/${p.id}` },
  };
}

export function groupToScim(t: TeamRecord, members: PersonRecord[], base: string): ScimObject {
  return {
    schemas: [SCIM.group],
    id: String(t.id),
    ...(t.externalId ? { externalId: t.externalId } : {}),
    displayName: t.name,
    members: members.map((m) => ({ value: String(m.id), display: m.email, $ref: `${base}/Users/${m.id}` })),
    meta: { resourceType: 'Group', location: `${base}/Groups/${t.id}` },
  };
}

const bool = (v: unknown): boolean => (typeof v === 'string' ? v.toLowerCase() === 'true' : Boolean(v));
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
const email = z.string().trim().toLowerCase().email();

/** A SCIM User body -> directory fields. managerOf resolves a manager's SCIM id to an email. */
export function scimToPerson(u: ScimObject, managerOf: (id: string) => string | undefined): PersonInput {
  const emails = Array.isArray(u.emails) ? (u.emails as { value?: unknown; primary?: unknown }[]) : [];
  const primary = str(emails.find((e) => bool(e.primary))?.value) ?? str(emails[0]?.value);
  const userName = str(u.userName);
  const parsed = email.safeParse(userName);
  const mail = parsed.success ? parsed.data : email.safeParse(primary).success ? primary!.toLowerCase() : undefined;
  if (!userName) throw new ScimError(400, 'userName is required', 'invalidValue');
  if (!mail) throw new ScimError(400, 'userName (or a primary email) must be an email address', 'invalidValue');
  const name = u.name as { formatted?: unknown; givenName?: unknown; familyName?: unknown } | undefined;
  const fullName = str(name?.formatted) ?? ([str(name?.givenName), str(name?.familyName)].filter(Boolean).join(' ') || undefined) ?? str(u.displayName);
  const ent = (u[SCIM.enterprise] ?? {}) as { department?: unknown; manager?: { value?: unknown } | string | null };
  const managerRef = typeof ent.manager === 'string' ? ent.manager : str(ent.manager?.value);
  const addresses = Array.isArray(u.addresses) ? (u.addresses as { locality?: unknown; formatted?: unknown }[]) : [];
  return {
    email: mail,
    name: fullName ?? null,
    title: str(u.title) ?? null,
    status: u.active === undefined || bool(u.active) ? 'active' : 'inactive',
    externalId: str(u.externalId) ?? null,
    function: str(ent.department) ?? null,
    location: str(addresses[0]?.locality) ?? str(addresses[0]?.formatted) ?? null,
    managerEmail: managerRef ? (managerOf(managerRef) ?? null) : ent.manager === null ? null : undefined,
    aliases: emails
      .map((e) => str(e.value)?.toLowerCase())
      .filter((v): v is string => !!v && v !== mail && email.safeParse(v).success)
      .map((value) => ({ kind: 'email' as const, value })),
    replaceAliases: true,
  };
}

export interface PatchOp {
  op: string;
  path?: string;
  value?: unknown;
}

export function patchOps(body: unknown): PatchOp[] {
  const ops = (body as { Operations?: unknown })?.Operations;
  if (!Array.isArray(ops) || ops.length === 0) throw new ScimError(400, 'Operations must be a non-empty array', 'invalidSyntax');
  return ops.map((o, i) => {
    const op = String((o as PatchOp).op ?? '').toLowerCase();
    if (!['add', 'replace', 'remove'].includes(op)) throw new ScimError(400, `Operations[${i}].op must be add, replace or remove`, 'invalidSyntax');
    return { op, path: (o as PatchOp).path, value: (o as PatchOp).value };
  });
}

/** Apply PATCH operations to a SCIM User object (the subset of paths tokenboard stores). */
export function patchUser(user: ScimObject, ops: PatchOp[]): ScimObject {
  const u = structuredClone(user);
  const set = (path: string, value: unknown) => {
    let p = path;
    let target: Record<string, unknown> = u;
    if (p.startsWith(`${SCIM.enterprise}:`)) {
      target = (u[SCIM.enterprise] ??= {}) as Record<string, unknown>;
      p = p.slice(SCIM.enterprise.length + 1);
    } else if (p === SCIM.enterprise && value && typeof value === 'object') {
      Object.assign((u[SCIM.enterprise] ??= {}) as object, value);
      return;
    }
    const filtered = /^(emails|addresses)\[[^\]]*\](?:\.(\w+))?$/.exec(p);
    if (filtered) {
      const list = ((u[filtered[1]!] as Record<string, unknown>[] | undefined) ?? [{ type: 'work', primary: true }]).slice();
      const first = { ...(list[0] ?? {}) };
      if (filtered[2]) first[filtered[2]] = value;
      else if (value && typeof value === 'object') Object.assign(first, value);
      list[0] = first;
      u[filtered[1]!] = list;
      return;
    }
    const parts = p.split('.');
    for (const k of parts.slice(0, -1)) target = (target[k] ??= {}) as Record<string, unknown>;
    target[parts[parts.length - 1]!] = value;
  };
  for (const op of ops) {
    if (!op.path) {
      if (!op.value || typeof op.value !== 'object') throw new ScimError(400, 'an operation without a path needs an object value', 'invalidSyntax');
      for (const [k, v] of Object.entries(op.value as object)) set(k, op.op === 'remove' ? null : v);
    } else {
      set(op.path, op.op === 'remove' ? null : op.value);
    }
  }
  return u;
}

/** Member ids named by a Group PATCH path such as `members[value eq "12"]`. */
export function memberIdsOf(op: PatchOp): string[] {
  const m = op.path ? /^members\[value eq "([^"]+)"\]$/i.exec(op.path) : null;
  if (m) return [m[1]!];
  const v = op.value;
  const list = Array.isArray(v) ? v : v && typeof v === 'object' && Array.isArray((v as { members?: unknown }).members) ? (v as { members: unknown[] }).members : [];
  return list.map((x) => String((x as { value?: unknown }).value ?? '')).filter(Boolean);
}
