/** Build the governance bundle (sign-in, audit log, policy settings) for a store. */
import { OidcClient, type OidcSettings } from '../auth/oidc.js';
import { AuthService, type AuthOptions } from '../auth/service.js';
import type { Governance } from '../server/context.js';
import type { Store } from '../store/types.js';
import { AuditLog } from './audit.js';
import { serverSecret } from './secret.js';
import { PolicySettings } from './settings.js';

export interface GovernanceOptions extends AuthOptions {
  oidc?: OidcSettings;
}

export function buildGovernance(store: Store, opts: GovernanceOptions = {}): Governance {
  const audit = new AuditLog(store.governance, opts.clock);
  let secret: Promise<Buffer> | null = null;
  return {
    auth: new AuthService(store, audit, opts),
    audit,
    settings: new PolicySettings(store, opts.clock),
    oidc: opts.oidc ? new OidcClient(opts.oidc) : undefined,
    cookieSecret: () => (secret ??= serverSecret(store)),
  };
}
