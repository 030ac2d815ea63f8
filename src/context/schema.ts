/**
 * Context: weekly check-ins, the experiment log, comments and reactions.
 * These schemas are the one definition of what may be written; the service
 * parses every write with them (whatever the entry point: HTTP, CLI, demo),
 * so length limits and allowed values hold everywhere.
 *
 * Text is stored as written (Markdown allowed) and only ever rendered through
 * `src/context/render.ts`, which sanitises it.
 */
import { z } from 'zod';

export const VISIBILITIES = ['private', 'team', 'organisation'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const OUTCOMES = ['worked', 'partly', 'failed', 'abandoned'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const KINDS = ['checkin', 'experiment'] as const;
export type EntryKind = (typeof KINDS)[number];

export const LIMITS = {
  title: 200,
  text: 4000,
  comment: 2000,
  tags: 10,
  tag: 40,
  links: 10,
  url: 500,
  names: 10,
  name: 100,
  sessions: 50,
  session: 200,
  /** Whole request body, bytes. */
  body: 64 * 1024,
} as const;

const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(s), 'must not contain control characters');

const optText = (max: number) =>
  text(max)
    .optional()
    .transform((s) => (s ? s : undefined));

export const TagsSchema = z
  .array(
    z
      .string()
      .trim()
      .toLowerCase()
      .min(1, 'must not be empty')
      .max(LIMITS.tag, `must be at most ${LIMITS.tag} characters`)
      .regex(/^[\p{L}\p{N}][\p{L}\p{N}._-]*$/u, 'letters, digits, ".", "_" and "-" only'),
  )
  .max(LIMITS.tags, `at most ${LIMITS.tags} tags`)
  .default([])
  .transform((t) => [...new Set(t)]);

const names = z
  .array(z.string().trim().min(1, 'must not be empty').max(LIMITS.name, `must be at most ${LIMITS.name} characters`))
  .max(LIMITS.names, `at most ${LIMITS.names} entries`)
  .default([]);

/** Links must be http(s): no javascript:, data: or file: URLs reach a page. */
export const LinkSchema = z
  .string()
  .trim()
  .max(LIMITS.url, `must be at most ${LIMITS.url} characters`)
  .refine((u) => {
    try {
      const p = new URL(u);
      return p.protocol === 'https:' || p.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');

const isoDate = z
  .string()
  .refine((v) => Number.isFinite(Date.parse(v)), 'must be an ISO 8601 date or time')
  .transform((v) => Date.parse(v));

export const VisibilitySchema = z.enum(VISIBILITIES, { error: `must be one of ${VISIBILITIES.join(', ')}` });

/** The weekly answer: what did we try new — for ourselves, the team, the company — and what did we learn? */
export const CheckinInputSchema = z
  .object({
    tried: optText(LIMITS.text),
    triedForTeam: optText(LIMITS.text),
    triedForCompany: optText(LIMITS.text),
    learned: optText(LIMITS.text),
    tags: TagsSchema,
    visibility: VisibilitySchema.default('team'),
    /** Any day of the week the check-in is about (default: this week). */
    week: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
      .refine((v) => Number.isFinite(Date.parse(v)), 'must be a valid date')
      .optional(),
  })
  .strict()
  .refine((c) => c.tried || c.triedForTeam || c.triedForCompany || c.learned, {
    message: 'write at least one of tried, triedForTeam, triedForCompany or learned',
    path: ['tried'],
  });
export type CheckinInput = z.input<typeof CheckinInputSchema>;
export type Checkin = z.output<typeof CheckinInputSchema>;

/** The usage that went into an experiment: a date range and tool (and optionally the sessions). */
export const UsageLinkSchema = z
  .object({
    from: isoDate,
    to: isoDate,
    tool: z.string().trim().min(1).max(LIMITS.name, `must be at most ${LIMITS.name} characters`).optional(),
    model: z.string().trim().min(1).max(LIMITS.name, `must be at most ${LIMITS.name} characters`).optional(),
    sessions: z
      .array(z.string().trim().min(1).max(LIMITS.session, `must be at most ${LIMITS.session} characters`))
      .max(LIMITS.sessions, `at most ${LIMITS.sessions} sessions`)
      .optional(),
  })
  .strict()
  .refine((u) => u.to > u.from, { message: 'must be after from', path: ['to'] })
  .refine((u) => u.to - u.from <= 92 * 86_400_000, { message: 'a linked range may span at most 92 days', path: ['to'] });
export type UsageLink = z.output<typeof UsageLinkSchema>;

export const ExperimentInputSchema = z
  .object({
    title: text(LIMITS.title).pipe(z.string().min(1, 'must not be empty')),
    goal: optText(LIMITS.text),
    tools: names,
    models: names,
    outcome: z.enum(OUTCOMES, { error: `must be one of ${OUTCOMES.join(', ')}` }),
    learned: optText(LIMITS.text),
    links: z.array(LinkSchema).max(LIMITS.links, `at most ${LIMITS.links} links`).default([]),
    tags: TagsSchema,
    visibility: VisibilitySchema.default('team'),
    usage: UsageLinkSchema.optional(),
  })
  .strict();
export type ExperimentInput = z.input<typeof ExperimentInputSchema>;
export type Experiment = z.output<typeof ExperimentInputSchema>;

export const CommentInputSchema = z
  .object({ body: text(LIMITS.comment).pipe(z.string().min(1, 'must not be empty')) })
  .strict();
export type CommentInput = z.input<typeof CommentInputSchema>;

export const WebhookInputSchema = z
  .object({
    /** Which digest: a team's, or the organisation's (team omitted). */
    team: z.string().trim().min(1).max(LIMITS.title).optional(),
    url: LinkSchema,
    format: z.enum(['slack', 'teams'], { error: 'must be slack or teams' }).default('slack'),
  })
  .strict();
export type WebhookInput = z.input<typeof WebhookInputSchema>;

export const FeedFilterSchema = z.object({
  feed: z.enum(['organisation', 'team', 'mine'], { error: 'must be organisation, team or mine' }).default('organisation'),
  team: z.string().trim().min(1).max(LIMITS.title).optional(),
  q: z.string().trim().max(LIMITS.title, `must be at most ${LIMITS.title} characters`).optional(),
  tag: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean) : [])),
  kind: z.enum(KINDS, { error: 'must be checkin or experiment' }).optional(),
  outcome: z.enum(OUTCOMES, { error: `must be one of ${OUTCOMES.join(', ')}` }).optional(),
  week: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Keyset paging: entries with an id below this. */
  before: z.coerce.number().int().min(1).optional(),
});
export type FeedFilter = z.output<typeof FeedFilterSchema>;

/** The first problem of a failed parse, as `{ field, reason }` for a 400 answer. */
export function firstIssue(err: z.ZodError): { field: string; reason: string } {
  const issue = err.issues[0]!;
  return { field: issue.path.join('.') || '(body)', reason: issue.message };
}
