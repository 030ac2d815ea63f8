/**
 * Directory CSV: one person per row, parsed with csv-parse. Columns (header
 * row, any order, case-insensitive; only `email` is required):
 *
 *   email, name, title, function (or department), team, parent_team,
 *   manager_email (or manager), location, start_date, end_date,
 *   status (active | inactive | left), team_since (date a team change applies from),
 *   external_id, aliases (`;`-separated: another email, or kind:value with kind
 *   one of email, accountId, userId, apiKeyId, machineId)
 *
 * An empty cell leaves the stored value as it is. A bad row is reported with
 * its line number and skipped; the other rows still import.
 */
import { parse, type CsvError } from 'csv-parse/sync';
import { z } from 'zod';
import { ALIAS_KINDS, type Alias, type AliasKind } from '../domain/directory.js';
import type { PersonInput } from '../store/types.js';

export interface RowError {
  line: number;
  field: string;
  reason: string;
}

export interface ParsedDirectory {
  people: (PersonInput & { line: number })[];
  errors: RowError[];
  rows: number;
}

const HEADER_ALIASES: Record<string, string> = {
  department: 'function',
  manager: 'manager_email',
  'manager email': 'manager_email',
  'parent team': 'parent_team',
  'start date': 'start_date',
  'end date': 'end_date',
  'team since': 'team_since',
  'external id': 'external_id',
  mail: 'email',
};
export const DIRECTORY_COLUMNS = [
  'email', 'name', 'title', 'function', 'team', 'parent_team', 'manager_email', 'location', 'start_date', 'end_date', 'status',
  'team_since', 'external_id', 'aliases',
] as const;

const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-03-01')
  .refine((v) => Number.isFinite(Date.parse(v)), 'is not a real date');
const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);

const RowSchema = z.object({
  email: z.string().toLowerCase().email('must be an email address').max(320),
  name: text(200).optional(),
  title: text(200).optional(),
  function: text(100).optional(),
  team: text(100).optional(),
  parent_team: text(100).optional(),
  manager_email: z.string().toLowerCase().email('must be an email address').optional(),
  location: text(100).optional(),
  start_date: date.optional(),
  end_date: date.optional(),
  status: z
    .string()
    .toLowerCase()
    .transform((v, ctx) => {
      if (v === 'active') return 'active' as const;
      if (['inactive', 'left', 'terminated', 'former', 'deactivated'].includes(v)) return 'inactive' as const;
      ctx.addIssue({ code: 'custom', message: 'must be active or left (inactive)' });
      return z.NEVER;
    })
    .optional(),
  team_since: date.optional(),
  external_id: text(200).optional(),
  aliases: z
    .string()
    .transform((v, ctx) => {
      const out: Alias[] = [];
      for (const raw of v.split(';').map((s) => s.trim()).filter(Boolean)) {
        const m = /^([a-zA-Z]+):(.+)$/.exec(raw);
        if (m && (ALIAS_KINDS as readonly string[]).includes(m[1]!)) {
          out.push({ kind: m[1] as AliasKind, value: m[1] === 'email' ? m[2]!.trim().toLowerCase() : m[2]!.trim() });
        } else if (raw.includes('@') && !raw.includes(':')) {
          out.push({ kind: 'email', value: raw.toLowerCase() });
        } else {
          ctx.addIssue({ code: 'custom', message: `"${raw}" is not an email or kind:value (kinds: ${ALIAS_KINDS.join(', ')})` });
          return z.NEVER;
        }
      }
      return out;
    })
    .optional(),
});

function normaliseHeader(h: string): string {
  const k = h.trim().toLowerCase().replace(/^\ufeff/, '');
  return HEADER_ALIASES[k] ?? k.replace(/[\s-]+/g, '_');
}

export function parseDirectoryCsv(input: string | Buffer): ParsedDirectory {
  const errors: RowError[] = [];
  const people: ParsedDirectory['people'] = [];
  let header: string[] | null = null;
  let skipped = 0;
  const records = parse(input, {
    bom: true,
    trim: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    info: true,
    on_skip: (err: CsvError | undefined) => {
      if (!err) return undefined;
      skipped++;
      const m = /expect (\d+), got (\d+)/.exec(err.message);
      errors.push({ line: Number((err as CsvError & { lines?: number }).lines ?? 0), field: '(row)', reason: m ? `has ${m[2]} columns, the header has ${m[1]}` : err.message });
      return undefined;
    },
  }) as unknown as { record: string[]; info: { lines: number } }[];
  let rows = 0;
  for (const { record, info } of records) {
    if (!header) {
      header = record.map(normaliseHeader);
      if (!header.includes('email')) {
        errors.push({ line: info.lines, field: 'email', reason: 'the header row has no email column' });
        return { people, errors, rows };
      }
      const unknown = header.filter((h) => !(DIRECTORY_COLUMNS as readonly string[]).includes(h));
      if (unknown.length) errors.push({ line: info.lines, field: unknown.join(', '), reason: `unknown column(s), ignored; known: ${DIRECTORY_COLUMNS.join(', ')}` });
      continue;
    }
    rows++;
    const obj: Record<string, string> = {};
    header.forEach((h, i) => {
      const v = record[i];
      if (v !== undefined && v !== '') obj[h] = v;
    });
    const r = RowSchema.safeParse(obj);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      errors.push({ line: info.lines, field: issue.path.join('.') || '(row)', reason: obj[String(issue.path[0])] === undefined && issue.code === 'invalid_type' ? 'is required' : issue.message });
      continue;
    }
    const d = r.data;
    people.push({
      line: info.lines,
      email: d.email,
      name: d.name,
      title: d.title,
      function: d.function,
      team: d.team,
      parentTeam: d.parent_team,
      managerEmail: d.manager_email,
      location: d.location,
      startDate: d.start_date,
      endDate: d.end_date,
      status: d.status,
      teamSince: d.team_since ? Date.parse(d.team_since) : undefined,
      externalId: d.external_id,
      aliases: d.aliases,
    });
  }
  errors.sort((a, b) => a.line - b.line);
  return { people, errors, rows: rows + skipped };
}
