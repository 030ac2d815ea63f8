/**
 * The organisation directory and identity resolution: people, teams (a tree),
 * effective-dated team memberships, named services, resolution rules and
 * explicit assignments. Types shared by the store, the importers and the API.
 */
import { z } from 'zod';

export const ALIAS_KINDS = ['email', 'accountId', 'userId', 'apiKeyId', 'machineId'] as const;
export type AliasKind = (typeof ALIAS_KINDS)[number];

export interface Alias {
  kind: AliasKind;
  value: string;
}

export type PersonStatus = 'active' | 'inactive';

export interface TeamRecord {
  id: number;
  name: string;
  parentId: number | null;
  function: string | null;
  externalId: string | null;
}

export interface TeamInput {
  name: string;
  /** Parent team name; created when missing. null detaches, undefined leaves it. */
  parent?: string | null;
  function?: string | null;
  externalId?: string | null;
}

/** One span of a person's placement: [validFrom, validTo) in epoch ms, validTo null = still current. */
export interface MembershipRecord {
  personId: number;
  team: string | null;
  function: string | null;
  validFrom: number;
  validTo: number | null;
}

export interface ServiceRecord {
  id: number;
  name: string;
  description: string | null;
}

export const RULE_KINDS = ['alias', 'domain', 'pattern'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/**
 * A resolution rule.
 * - alias: `field` equals `match` exactly -> `target`
 * - domain: an email at domain `match` is read as the same address at domain `target`
 * - pattern: `field` matches the glob `match` (`*`, `?`) -> `target`
 * `target` is a person's email or `service:NAME` (for domain rules: a domain).
 */
export interface IdentityRule {
  id: number;
  kind: RuleKind;
  field: AliasKind;
  match: string;
  target: string;
  priority: number;
}

export const IdentityRuleInputSchema = z
  .object({
    kind: z.enum(RULE_KINDS),
    field: z.enum(ALIAS_KINDS).default('email'),
    match: z.string().trim().min(1, 'must not be empty').max(200),
    target: z.string().trim().min(1, 'must not be empty').max(320),
    priority: z.number().int().min(0).max(1_000_000).default(100),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.kind === 'domain' && r.field !== 'email') ctx.addIssue({ code: 'custom', path: ['field'], message: 'domain rules apply to email only' });
    if (r.kind === 'domain' && (r.match.includes('@') || r.target.includes('@'))) {
      ctx.addIssue({ code: 'custom', path: ['target'], message: 'domain rules take bare domains such as example.com' });
    }
  });
export type IdentityRuleInput = z.output<typeof IdentityRuleInputSchema>;

/** An identity as the store knows it, with what it resolved to. */
export interface IdentityRecord {
  id: number;
  canonical: string;
  email: string | null;
  accountId: string | null;
  userId: string | null;
  apiKeyId: string | null;
  machineId: string | null;
  personId: number | null;
  serviceId: number | null;
  /** How it resolved: assignment, email, alias:KIND, rule:ID, or null when unattributed. */
  resolvedBy: string | null;
}

export interface UnattributedRow {
  identityId: number;
  canonical: string;
  sources: string[];
  events: number;
  requests: number;
  tokens: number;
  cost: number;
  firstSeen: number;
  lastSeen: number;
}

export type AssignmentTarget = { personEmail: string } | { service: string } | null;

/** A directory request that names something that does not exist or conflicts (HTTP 400/404/409). */
export class DirectoryError extends Error {
  constructor(
    message: string,
    readonly field: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
  }
}
