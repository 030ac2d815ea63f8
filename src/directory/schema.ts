/** JSON shapes of directory people for the HTTP API (the CSV columns, camel-cased). */
import { z } from '@hono/zod-openapi';
import { ALIAS_KINDS } from '../domain/directory.js';
import type { PersonInput } from '../store/types.js';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-03-01').refine((v) => Number.isFinite(Date.parse(v)), 'is not a real date');
const text = (max: number) => z.string().trim().min(1).max(max);

export const PersonInputSchema = z
  .object({
    email: z.string().trim().toLowerCase().email('must be an email address').max(320),
    name: text(200).nullish(),
    title: text(200).nullish(),
    function: text(100).nullish(),
    team: text(100).nullish(),
    parentTeam: text(100).nullish(),
    managerEmail: z.string().trim().toLowerCase().email('must be an email address').nullish(),
    location: text(100).nullish(),
    startDate: date.nullish(),
    endDate: date.nullish(),
    status: z.enum(['active', 'inactive', 'left']).transform((s) => (s === 'left' ? 'inactive' : s)).optional(),
    teamSince: date.nullish(),
    externalId: text(200).nullish(),
    aliases: z.array(z.object({ kind: z.enum(ALIAS_KINDS), value: text(320) }).strict()).max(100).optional(),
  })
  .strict()
  .openapi('PersonInput');

export function toPersonInput(p: z.output<typeof PersonInputSchema>): PersonInput {
  const { teamSince, aliases, ...rest } = p;
  return {
    ...rest,
    teamSince: teamSince ? Date.parse(teamSince) : undefined,
    aliases: aliases?.map((a) => ({ kind: a.kind, value: a.kind === 'email' ? a.value.toLowerCase() : a.value })),
  };
}
