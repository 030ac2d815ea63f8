/**
 * The privacy policy as configured by admins: stored in the store's meta
 * table, validated by PrivacyPolicySchema, cached briefly (several instances
 * may share one database), and every change audited with old and new value.
 */
import { DEFAULT_POLICY, PrivacyPolicySchema, type PrivacyPolicy, type Viewer } from '../query/policy.js';
import type { Store } from '../store/types.js';
import type { AuditLog } from './audit.js';

const META_KEY = 'privacy.policy';
const CACHE_MS = 5_000;

export class PolicySettings {
  private cached: { policy: PrivacyPolicy; at: number } | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: () => number = Date.now,
  ) {}

  async get(): Promise<PrivacyPolicy> {
    const now = this.clock();
    if (this.cached && now - this.cached.at < CACHE_MS) return this.cached.policy;
    const raw = await this.store.getMeta(META_KEY);
    const policy = raw ? PrivacyPolicySchema.parse(JSON.parse(raw)) : DEFAULT_POLICY;
    this.cached = { policy, at: now };
    return policy;
  }

  /** Validate, store and audit a change. Throws the zod error on bad input. */
  async update(actor: Viewer, patch: unknown, audit: AuditLog): Promise<PrivacyPolicy> {
    const old = await this.get();
    const next = PrivacyPolicySchema.parse(deepMerge(old, patch));
    await this.store.setMeta(META_KEY, JSON.stringify(next));
    this.cached = { policy: next, at: this.clock() };
    await audit.record(actor, 'policy.changed', { detail: { old: await audit.redactPolicy(old), new: await audit.redactPolicy(next) } });
    return next;
  }
}

function deepMerge(base: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch === undefined ? base : patch;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) out[k] = deepMerge((base as Record<string, unknown>)?.[k], v);
  return out;
}
