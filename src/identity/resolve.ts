/**
 * Identity resolution: which person or service an arriving identity belongs to.
 *
 * Order, first hit wins:
 *  1. an explicit assignment made by an admin;
 *  2. exact matches: the directory email, then the person's aliases (email,
 *     account, user, API key, machine ids), then `alias` rules;
 *  3. email domain rewrites (`domain` rules), then exact matches again;
 *  4. `pattern` rules, by priority.
 * Pure: the store passes lookups, so the same code serves SQLite and PostgreSQL.
 */
import type { AliasKind, IdentityRule } from '../domain/directory.js';
import { ALIAS_KINDS } from '../domain/directory.js';

export interface IdentityFields {
  email?: string | null;
  accountId?: string | null;
  userId?: string | null;
  apiKeyId?: string | null;
  machineId?: string | null;
}

export interface DirectoryLookup {
  personByEmail(email: string): number | undefined;
  personByAlias(kind: AliasKind, value: string): number | undefined;
  serviceByName(name: string): number | undefined;
}

export interface Resolution {
  personId: number | null;
  serviceId: number | null;
  resolvedBy: string | null;
}

export const UNRESOLVED: Resolution = { personId: null, serviceId: null, resolvedBy: null };

interface CompiledPattern {
  rule: IdentityRule;
  re: RegExp;
}

export interface CompiledRules {
  aliases: Map<string, IdentityRule>;
  domains: Map<string, IdentityRule>;
  patterns: CompiledPattern[];
}

/** `*` is any run of characters, `?` one character; everything else is literal. Case-insensitive. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

export function compileRules(rules: IdentityRule[]): CompiledRules {
  const sorted = [...rules].sort((a, b) => a.priority - b.priority || a.id - b.id);
  const out: CompiledRules = { aliases: new Map(), domains: new Map(), patterns: [] };
  for (const r of sorted) {
    if (r.kind === 'alias') {
      const k = `${r.field}:${r.field === 'email' ? r.match.toLowerCase() : r.match}`;
      if (!out.aliases.has(k)) out.aliases.set(k, r);
    } else if (r.kind === 'domain') {
      const d = r.match.toLowerCase();
      if (!out.domains.has(d)) out.domains.set(d, r);
    } else {
      out.patterns.push({ rule: r, re: globToRegExp(r.match) });
    }
  }
  return out;
}

function target(rule: IdentityRule, lookup: DirectoryLookup): Resolution | null {
  const via = `rule:${rule.id}`;
  if (rule.target.startsWith('service:')) {
    const sid = lookup.serviceByName(rule.target.slice('service:'.length));
    return sid === undefined ? null : { personId: null, serviceId: sid, resolvedBy: via };
  }
  const email = rule.target.toLowerCase();
  const pid = lookup.personByEmail(email) ?? lookup.personByAlias('email', email);
  return pid === undefined ? null : { personId: pid, serviceId: null, resolvedBy: via };
}

function exactEmail(email: string, lookup: DirectoryLookup): Resolution | null {
  const direct = lookup.personByEmail(email);
  if (direct !== undefined) return { personId: direct, serviceId: null, resolvedBy: 'email' };
  const alias = lookup.personByAlias('email', email);
  if (alias !== undefined) return { personId: alias, serviceId: null, resolvedBy: 'alias:email' };
  return null;
}

export function resolveIdentity(
  identity: IdentityFields,
  rules: CompiledRules,
  lookup: DirectoryLookup,
  assignment?: { personId: number | null; serviceId: number | null } | null,
): Resolution {
  if (assignment && (assignment.personId !== null || assignment.serviceId !== null)) {
    return { personId: assignment.personId, serviceId: assignment.serviceId, resolvedBy: 'assignment' };
  }
  const email = identity.email?.toLowerCase() ?? null;
  if (email) {
    const hit = exactEmail(email, lookup);
    if (hit) return hit;
  }
  for (const kind of ALIAS_KINDS) {
    if (kind === 'email') continue;
    const v = identity[kind];
    if (!v) continue;
    const pid = lookup.personByAlias(kind, v);
    if (pid !== undefined) return { personId: pid, serviceId: null, resolvedBy: `alias:${kind}` };
  }
  for (const kind of ALIAS_KINDS) {
    const v = kind === 'email' ? email : identity[kind];
    if (!v) continue;
    const rule = rules.aliases.get(`${kind}:${v}`);
    const hit = rule && target(rule, lookup);
    if (hit) return hit;
  }
  if (email && rules.domains.size) {
    const at = email.lastIndexOf('@');
    const rule = rules.domains.get(email.slice(at + 1));
    if (rule) {
      const hit = exactEmail(`${email.slice(0, at)}@${rule.target.toLowerCase()}`, lookup);
      if (hit) return { ...hit, resolvedBy: `rule:${rule.id}` };
    }
  }
  for (const { rule, re } of rules.patterns) {
    const v = rule.field === 'email' ? email : identity[rule.field];
    if (!v || !re.test(v)) continue;
    const hit = target(rule, lookup);
    if (hit) return hit;
  }
  return UNRESOLVED;
}
