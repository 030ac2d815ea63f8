/** What every route module receives, and request helpers shared by them. */
import { createHash } from 'node:crypto';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AuthService } from '../auth/service.js';
import type { OidcClient } from '../auth/oidc.js';
import type { AuditLog } from '../governance/audit.js';
import type { PolicySettings } from '../governance/settings.js';
import type { Ingestor } from '../ingest/pipeline.js';
import { ANONYMOUS, type Viewer } from '../query/policy.js';
import type { QueryService } from '../query/service.js';
import type { OtlpOptions } from '../sources/otlp/rules.js';
import type { Store } from '../store/types.js';

export interface AppDeps {
  store: Store;
  ingestor: Ingestor;
  query: QueryService;
  /** Bearer token that grants the admin role (TOKENBOARD_ADMIN_TOKEN). */
  adminToken?: string;
  /** Sign-in, audit log and policy settings; built from the store when absent (see buildGovernance). */
  governance?: Governance;
  /** Most ingest batches processed at once before answering 429. */
  maxInFlight?: number;
  /** OTLP receiver settings (which signal counts usage per tool). */
  otlp?: OtlpOptions;
  version?: string;
}

export interface Governance {
  auth: AuthService;
  audit: AuditLog;
  settings: PolicySettings;
  /** Present when OpenID Connect sign-in is configured. */
  oidc?: OidcClient;
  /** Key for signed cookies (the server secret). */
  cookieSecret(): Promise<Buffer>;
}

export type App = OpenAPIHono;

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/**
 * Who is asking: resolved once per request from the session cookie or bearer
 * token by the authenticate middleware (src/auth/guard.ts). Routes still
 * declare a permission with `guard(...)`; the query layer scopes what the
 * viewer sees.
 */
export function viewerOf(c: Context, _deps?: AppDeps): Viewer {
  return c.get('viewer') ?? ANONYMOUS;
}

export const ErrorSchema = z
  .object({ error: z.string(), field: z.string().optional(), reason: z.string().optional() })
  .openapi('Error');

export const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
