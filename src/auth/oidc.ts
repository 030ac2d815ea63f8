/**
 * OpenID Connect sign-in (authorization code flow with PKCE, state and nonce)
 * through openid-client. The flow's secrets travel in a short-lived signed
 * cookie, so any instance can finish a sign-in another one started.
 */
import * as oidc from 'openid-client';
import type { HumanRole } from '../query/policy.js';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Role for people signing in for the first time (default member). */
  defaultRole?: HumanRole;
  /** Shown on the sign-in button. */
  label?: string;
}

/** From TOKENBOARD_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET, _DEFAULT_ROLE, _LABEL. */
export function oidcSettingsFromEnv(env = process.env): OidcSettings | undefined {
  const { TOKENBOARD_OIDC_ISSUER: issuer, TOKENBOARD_OIDC_CLIENT_ID: clientId, TOKENBOARD_OIDC_CLIENT_SECRET: clientSecret } = env;
  if (!issuer || !clientId || !clientSecret) return undefined;
  return { issuer, clientId, clientSecret, defaultRole: (env.TOKENBOARD_OIDC_DEFAULT_ROLE as HumanRole) ?? 'member', label: env.TOKENBOARD_OIDC_LABEL };
}

export interface PendingFlow {
  state: string;
  nonce: string;
  verifier: string;
}

export interface OidcIdentity {
  issuer: string;
  claims: { sub: string; email?: string; email_verified?: boolean; name?: string };
}

export class OidcClient {
  private config: Promise<oidc.Configuration> | null = null;

  constructor(readonly settings: OidcSettings) {}

  private configuration(): Promise<oidc.Configuration> {
    if (!this.config) {
      const url = new URL(this.settings.issuer);
      // Plain http is allowed only for a provider on this machine (development and tests).
      const local = url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
      this.config = oidc
        .discovery(url, this.settings.clientId, this.settings.clientSecret, undefined, local ? { execute: [oidc.allowInsecureRequests] } : undefined)
        .catch((err: unknown) => {
          this.config = null;
          throw err;
        });
    }
    return this.config;
  }

  async start(redirectUri: string): Promise<{ url: string; flow: PendingFlow }> {
    const config = await this.configuration();
    const flow: PendingFlow = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier() };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    });
    return { url: url.href, flow };
  }

  async finish(currentUrl: URL, flow: PendingFlow): Promise<OidcIdentity> {
    const config = await this.configuration();
    const tokens = await oidc.authorizationCodeGrant(config, currentUrl, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
    const claims = tokens.claims();
    if (!claims) throw new Error('the identity provider returned no ID token');
    let info: Record<string, unknown> = {};
    if (!claims.email && tokens.access_token) info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    const pick = (k: string) => (claims[k] ?? info[k]) as never;
    return {
      issuer: config.serverMetadata().issuer,
      claims: { sub: claims.sub, email: (pick('email') as string | undefined)?.toLowerCase(), email_verified: pick('email_verified'), name: pick('name') },
    };
  }
}
