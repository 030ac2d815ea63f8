/**
 * Permissions and what each role holds. Every route declares one permission
 * with `guard(permission)` (see ./guard.ts); a route without a guard is
 * unreachable. What a permitted reader then sees is the privacy policy's job
 * (src/query/policy.ts): `usage:read` lets a member ask, the policy narrows
 * the answer to their own data.
 */
import type { Role, Viewer } from '../query/policy.js';

export const PERMISSIONS = {
  public: 'anyone, signed in or not (health, sign-in, the privacy notice)',
  'account:self': 'any signed-in person: their own account, sessions, privacy choices and data export',
  'usage:read': 'read usage through the privacy policy (scoped by role)',
  'usage:ingest': 'send usage events (ingest keys, scoped to sources)',
  'context:read': 'read check-ins and experiments through the privacy policy',
  'context:write': 'write your own check-ins and experiments',
  'directory:read': 'read the people directory (teams, functions, managers)',
  'directory:write': 'import and change the people directory',
  'pricing:write': 'change the price catalogue and organisation overrides',
  'sources:manage': 'configure provider connections and their keys',
  'accounts:manage': 'create accounts, change roles, end anyone’s sessions',
  'tokens:manage': 'create and revoke API tokens and ingest keys',
  'policy:write': 'change the privacy policy',
  'audit:read': 'view and export the audit log',
  'people:export': 'export one person’s data',
  'people:erase': 'erase one person’s data',
  'retention:run': 'run the retention job',
} as const;

export type Permission = keyof typeof PERMISSIONS;
export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];

const READER: Permission[] = ['account:self', 'usage:read', 'context:read', 'context:write'];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: ALL_PERMISSIONS.filter((p) => p !== 'public'),
  analyst: [...READER, 'directory:read'],
  manager: READER,
  member: READER,
  ingest: ['usage:ingest'],
  anonymous: [],
};

/** Does the viewer hold the permission? API tokens are limited to their scopes. */
export function can(viewer: Viewer, permission: Permission): boolean {
  if (permission === 'public') return true;
  if (!ROLE_PERMISSIONS[viewer.role].includes(permission)) return false;
  return viewer.scopes === undefined || viewer.scopes.includes(permission);
}

export function isPermission(s: string): s is Permission {
  return Object.hasOwn(PERMISSIONS, s);
}
