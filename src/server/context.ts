/** What every route module receives, and request helpers shared by them. */
import { createHash } from 'node:crypto';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Ingestor } from '../ingest/pipeline.js';
import type { Viewer } from '../query/policy.js';
import type { QueryService } from '../query/service.js';
import type { OtlpOptions } from '../sources/otlp/rules.js';
import type { Store } from '../store/types.js';

export interface AppDeps {
  store: Store;
  ingestor: Ingestor;
  query: QueryService;
  /** Bearer token that grants the admin role (TOKENBOARD_ADMIN_TOKEN). */
  adminToken?: string;
  /** Most ingest batches processed at once before answering 429. */
  maxInFlight?: number;
  /** OTLP receiver settings (which signal counts usage per tool). */
  otlp?: OtlpOptions;
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

/** The ingest key sent as `Authorization: Bearer KEY` (what OTEL_EXPORTER_OTLP_HEADERS sends) or `X-Tokenboard-Ingest-Key`. */
export function ingestKeyOf(c: Context): string | undefined {
  return bearer(c) ?? c.req.header('x-tokenboard-ingest-key');
}

const knownIngestKeys = new WeakMap<Store, Set<string>>();

/** Check the request's ingest key; returns why it is refused, or null when it is good. */
export async function checkIngestKey(c: Context, deps: AppDeps): Promise<string | null> {
  const key = ingestKeyOf(c);
  if (!key) return 'an ingest key is required (Authorization: Bearer KEY)';
  const h = sha256Hex(key);
  let known = knownIngestKeys.get(deps.store);
  if (!known) knownIngestKeys.set(deps.store, (known = new Set()));
  if (known.has(h)) return null;
  if (!(await deps.store.hasIngestKey(h))) return 'unknown ingest key';
  known.add(h);
  return null;
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
