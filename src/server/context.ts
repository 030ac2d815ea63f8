/** What every route module receives, and request helpers shared by them. */
import { createHash } from 'node:crypto';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Ingestor } from '../ingest/pipeline.js';
import type { Viewer } from '../query/policy.js';
import type { QueryService } from '../query/service.js';
import type { Store } from '../store/types.js';

export interface AppDeps {
  store: Store;
  ingestor: Ingestor;
  query: QueryService;
  /** Bearer token that grants the admin role (TOKENBOARD_ADMIN_TOKEN). */
  adminToken?: string;
  /** Most ingest batches processed at once before answering 429. */
  maxInFlight?: number;
  version?: string;
}

export type App = OpenAPIHono;

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

export function bearer(c: Context): string | undefined {
  const h = c.req.header('authorization');
  if (h?.toLowerCase().startsWith('bearer ')) return h.slice(7).trim();
  return undefined;
}

/** Who is asking. Full sign-in arrives with governance; until then admin token or anonymous. */
export function viewerOf(c: Context, deps: AppDeps): Viewer {
  const token = bearer(c);
  if (deps.adminToken && token && token === deps.adminToken) return { role: 'admin', name: 'admin-token' };
  return { role: 'anonymous' };
}

export const ErrorSchema = z
  .object({ error: z.string(), field: z.string().optional(), reason: z.string().optional() })
  .openapi('Error');

export const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
