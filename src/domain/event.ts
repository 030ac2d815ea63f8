/**
 * The usage event: one normalised record per model call or per reported usage
 * interval. Every source (Claude Code logs, Codex logs, OTLP, provider admin
 * APIs, CSV, the HTTP API) is mapped to this shape before it reaches the store.
 *
 * Privacy by construction: there is no field for prompt or response text, and
 * free attributes are short strings with a bounded count.
 */
import { z } from 'zod';

export const KNOWN_SOURCES = [
  'claude-code',
  'codex',
  'gemini-cli',
  'otel',
  'openai-api',
  'anthropic-api',
  'copilot',
  'cursor',
  'csv',
  'api',
  'demo',
] as const;

const nonNegInt = z.number().int('must be an integer').nonnegative('must be >= 0').max(Number.MAX_SAFE_INTEGER);
const shortString = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const MAX_ATTRIBUTES = 32;
export const MAX_ATTRIBUTE_LENGTH = 256;

export const TokensSchema = z
  .object({
    /** Input tokens that were not read from cache. */
    input: nonNegInt.default(0),
    /** Output tokens, including reasoning tokens. */
    output: nonNegInt.default(0),
    cacheRead: nonNegInt.default(0),
    cacheWrite: nonNegInt.default(0),
    /** Reasoning tokens: a breakdown of output, never added to it again. */
    reasoning: nonNegInt.default(0),
    /** The part of cacheWrite written with a 1-hour lifetime (priced higher than 5-minute writes); a breakdown, never added again. */
    cacheWrite1h: nonNegInt.optional(),
  })
  .strict()
  .refine((t) => t.cacheWrite1h === undefined || t.cacheWrite1h <= t.cacheWrite, { message: 'must not exceed cacheWrite', path: ['cacheWrite1h'] });

export const IdentitySchema = z
  .object({
    email: z.string().trim().toLowerCase().email('must be an email address').max(320).optional(),
    accountId: shortString(200).optional(),
    apiKeyId: shortString(200).optional(),
    userId: shortString(200).optional(),
    machineId: shortString(200).optional(),
  })
  .strict();

export const ActivitySchema = z
  .object({
    sessions: nonNegInt.optional(),
    linesAdded: nonNegInt.optional(),
    linesRemoved: nonNegInt.optional(),
    commits: nonNegInt.optional(),
    pullRequests: nonNegInt.optional(),
    activeSeconds: nonNegInt.optional(),
    editsAccepted: nonNegInt.optional(),
    editsRejected: nonNegInt.optional(),
  })
  .strict();
export type Activity = z.infer<typeof ActivitySchema>;
export const ACTIVITY_FIELDS = [
  'sessions',
  'linesAdded',
  'linesRemoved',
  'commits',
  'pullRequests',
  'activeSeconds',
  'editsAccepted',
  'editsRejected',
] as const satisfies readonly (keyof Activity)[];

/** Earliest and latest accepted event times (sanity bounds, not policy). */
const MIN_TIME = Date.UTC(2015, 0, 1);
const MAX_FUTURE_MS = 2 * 24 * 3600 * 1000;

export const EventTimeSchema = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? (v < 1e11 ? v * 1000 : v) : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 timestamp or epoch milliseconds' });
    return z.NEVER;
  }
  if (ms < MIN_TIME || ms > Date.now() + MAX_FUTURE_MS) {
    ctx.addIssue({ code: 'custom', message: 'is outside the accepted range (2015 to two days from now)' });
    return z.NEVER;
  }
  return Math.floor(ms);
});

export const UsageEventSchema = z
  .object({
    /** Idempotency key, unique per source. Derived from the content when absent. */
    key: shortString(256).optional(),
    time: EventTimeSchema,
    source: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be a short lowercase name such as claude-code, otel or api'),
    tool: shortString(100).optional(),
    provider: shortString(100).optional(),
    model: shortString(200).default('unknown'),
    identity: IdentitySchema.default({}),
    sessionId: shortString(200).optional(),
    tokens: TokensSchema,
    requests: nonNegInt.default(1),
    /** Cost in USD as reported by the source, if it reports one. */
    reportedCost: z.number().nonnegative('must be >= 0').finite().optional(),
    attributes: z
      .record(z.string().min(1).max(64), z.string().max(MAX_ATTRIBUTE_LENGTH, `values must be at most ${MAX_ATTRIBUTE_LENGTH} characters`))
      .refine((r) => Object.keys(r).length <= MAX_ATTRIBUTES, `must have at most ${MAX_ATTRIBUTES} keys`)
      .optional(),
    activity: ActivitySchema.optional(),
  })
  .strict();

/** What a client sends. */
export type UsageEventInput = z.input<typeof UsageEventSchema>;
/** What the ingest pipeline works with: validated and normalised. */
export type UsageEvent = z.output<typeof UsageEventSchema>;

export interface RejectedItem {
  index: number;
  field: string;
  reason: string;
}

/** Validate one event; returns the normalised event or the first problem found. */
export function parseEvent(input: unknown, index: number): { ok: true; event: UsageEvent } | { ok: false; rejected: RejectedItem } {
  const r = UsageEventSchema.safeParse(input);
  if (r.success) return { ok: true, event: r.data };
  const issue = r.error.issues[0]!;
  const field = issue.path.length ? issue.path.join('.') : '(event)';
  let reason = issue.message;
  if (issue.code === 'unrecognized_keys') {
    reason = `unknown field(s): ${(issue as { keys: string[] }).keys.join(', ')}` +
      ((issue as { keys: string[] }).keys.some((k) => /prompt|response|content|text|message/i.test(k))
        ? ' (tokenboard never stores prompt or response text)'
        : '');
  } else if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
    reason = 'is required';
  }
  return { ok: false, rejected: { index, field, reason } };
}

export { inferProvider } from './provider.js';
