/** Directory API: import (CSV or JSON, with dry run), people, the team tree, team moves. Admin only. */
import { createRoute, z } from '@hono/zod-openapi';
import { parseDirectoryCsv } from '../../directory/csv.js';
import { importDirectory } from '../../directory/import.js';
import { PersonInputSchema, toPersonInput } from '../../directory/schema.js';
import { ErrorSchema, json, type App, type AppDeps } from '../context.js';
import { viewerOf } from '../context.js';
import { adminOnly } from './admin.js';
import { validJson, validQuery } from './validate.js';
import type { RowError } from '../../directory/csv.js';
import type { PersonInput } from '../../store/types.js';
import { guard } from '../../auth/guard.js';

/** 100,000 people is about 15 MB of CSV. */
export const MAX_DIRECTORY_BYTES = 64 * 1024 * 1024;

const date = z.string().refine((v) => Number.isFinite(Date.parse(v)), 'must be an ISO 8601 date');

const ImportQuery = z.object({
  dryRun: z.enum(['true', 'false']).optional().openapi({ description: 'report what would change, change nothing' }),
  effectiveFrom: date.optional().openapi({ description: 'team changes apply from this date (default today); earlier usage stays with the old team' }),
  deactivateMissing: z.enum(['true', 'false']).optional().openapi({ description: 'mark people missing from this import as left' }),
});

const RowErrorSchema = z.object({ line: z.number(), field: z.string(), reason: z.string() });
const ImportReportSchema = z
  .object({
    dryRun: z.boolean(),
    rows: z.number(),
    created: z.number(),
    updated: z.number(),
    unchanged: z.number(),
    moved: z.number(),
    deactivated: z.number(),
    teamsCreated: z.array(z.string()),
    errors: z.array(RowErrorSchema),
    warnings: z.array(RowErrorSchema),
    changes: z.array(z.object({ line: z.number().optional(), email: z.string(), action: z.enum(['create', 'update']), changes: z.record(z.string(), z.object({ from: z.string().nullable(), to: z.string().nullable() })) })),
  })
  .openapi('DirectoryImportReport');

export function registerDirectoryRoutes(app: App, deps: AppDeps): void {
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/api/v1/directory/import',
    summary: 'Import people from CSV (text/csv) or JSON ({"people": [...]}); ?dryRun=true shows the changes only',
    description:
      'CSV columns: email (required), name, title, function (or department), team, parent_team, manager_email, location, start_date, ' +
      'end_date, status (active | left), team_since, external_id, aliases (`;`-separated). Bad rows are reported with their line ' +
      'number and skipped. A team change applies from team_since, else from effectiveFrom, else from today.',
    request: { query: ImportQuery, body: { content: { 'text/csv': { schema: z.string() }, 'application/json': { schema: z.object({ people: z.array(PersonInputSchema) }) } } } },
    responses: { 200: json(ImportReportSchema, 'What changed (or would change)'), 400: json(ErrorSchema, 'Malformed body'), 403: json(ErrorSchema, 'Admin only'), 413: json(ErrorSchema, 'Too large') },
  });
  app.post('/api/v1/directory/import', guard('directory:write'), async (c) => {
    const denied = adminOnly(c, deps);
    if (denied) return denied;
    const q = validQuery(c, ImportQuery);
    if (!q.ok) return q.response;
    if (Number(c.req.header('content-length') ?? 0) > MAX_DIRECTORY_BYTES) return c.json({ error: `directory too large: at most ${MAX_DIRECTORY_BYTES} bytes` }, 413);
    const body = Buffer.from(await c.req.arrayBuffer());
    if (body.byteLength > MAX_DIRECTORY_BYTES) return c.json({ error: `directory too large: at most ${MAX_DIRECTORY_BYTES} bytes` }, 413);
    const opts = {
      dryRun: q.data.dryRun === 'true',
      effectiveFrom: q.data.effectiveFrom ? Date.parse(q.data.effectiveFrom) : undefined,
      deactivateMissing: q.data.deactivateMissing === 'true',
    };
    let parsed: { people: (PersonInput & { line?: number })[]; errors: RowError[]; rows: number };
    if ((c.req.header('content-type') ?? '').includes('json')) {
      let raw: unknown;
      try {
        raw = JSON.parse(body.toString('utf8'));
      } catch (e) {
        return c.json({ error: `body is not valid JSON: ${(e as Error).message}`, field: '(body)', reason: 'invalid JSON' }, 400);
      }
      const items = (raw as { people?: unknown })?.people;
      if (!Array.isArray(items)) return c.json({ error: 'body must be {"people": [...]}', field: 'people', reason: 'must be an array' }, 400);
      const people: (PersonInput & { line?: number })[] = [];
      const errors: RowError[] = [];
      items.forEach((item, i) => {
        const r = PersonInputSchema.safeParse(item);
        if (r.success) people.push({ ...toPersonInput(r.data), line: i });
        else errors.push({ line: i, field: `people[${i}].${r.error.issues[0]!.path.join('.')}`, reason: r.error.issues[0]!.message });
      });
      parsed = { people, errors, rows: items.length };
    } else {
      parsed = parseDirectoryCsv(body);
    }
    const report = await importDirectory(deps.store, parsed, opts);
    if (!opts.dryRun) {
      const r = report as unknown as Record<string, unknown>;
      await deps.governance?.audit.record(viewerOf(c), 'import', { detail: { kind: 'directory', rows: parsed.rows, errors: parsed.errors.length, created: r.created, updated: r.updated } });
    }
    return c.json(report, 200);
  });

  const peopleRoute = createRoute({
    method: 'get',
    path: '/api/v1/directory/people',
    summary: 'Everyone in the directory (admin only)',
    responses: { 200: json(z.object({ people: z.array(z.record(z.string(), z.unknown())) }), 'People'), 403: json(ErrorSchema, 'Admin only') },
  });
  app.openAPIRegistry.registerPath(peopleRoute);
  app.get(peopleRoute.path, guard('directory:write'), async (c) => {
    const denied = adminOnly(c, deps);
    if (denied) return denied;
    return c.json({ people: await deps.store.listPeople() }, 200);
  });

  const teamsRoute = createRoute({
    method: 'get',
    path: '/api/v1/directory/teams',
    summary: 'The team tree: every team with its parent and current head count (admin only)',
    responses: { 200: json(z.object({ teams: z.array(z.record(z.string(), z.unknown())) }), 'Teams'), 403: json(ErrorSchema, 'Admin only') },
  });
  app.openAPIRegistry.registerPath(teamsRoute);
  app.get(teamsRoute.path, guard('directory:read'), async (c) => {
    const denied = adminOnly(c, deps);
    if (denied) return denied;
    const [teams, people] = await Promise.all([deps.store.listTeams(), deps.store.listPeople()]);
    const count = new Map<string, number>();
    for (const p of people) if (p.team && p.status === 'active') count.set(p.team, (count.get(p.team) ?? 0) + 1);
    const byId = new Map(teams.map((t) => [t.id, t]));
    const path = (id: number | null): string[] => {
      const out: string[] = [];
      for (let t = id === null ? undefined : byId.get(id); t && out.length < 50; t = t.parentId === null ? undefined : byId.get(t.parentId)) out.unshift(t.name);
      return out;
    };
    return c.json({ teams: teams.map((t) => ({ ...t, parent: t.parentId === null ? null : (byId.get(t.parentId)?.name ?? null), path: path(t.id), people: count.get(t.name) ?? 0 })) }, 200);
  });

  const MoveBody = z
    .object({
      emails: z.array(z.string().trim().toLowerCase().email()).min(1).max(10_000),
      team: z.string().trim().min(1).max(100).nullable(),
      effectiveFrom: date.optional().openapi({ description: 'default today' }),
      retroactive: z.boolean().optional().openapi({ description: 'move all past usage too' }),
    })
    .strict();
  const moveRoute = createRoute({
    method: 'post',
    path: '/api/v1/directory/moves',
    summary: 'Move people to a team from a date; earlier usage stays with the old team unless retroactive',
    request: { body: { content: { 'application/json': { schema: MoveBody } } } },
    responses: { 200: json(z.object({ moved: z.number(), unknown: z.array(z.string()) }), 'Moved'), 400: json(ErrorSchema, 'Bad body'), 403: json(ErrorSchema, 'Admin only') },
  });
  app.openAPIRegistry.registerPath(moveRoute);
  app.post(moveRoute.path, guard('directory:write'), async (c) => {
    const denied = adminOnly(c, deps);
    if (denied) return denied;
    const v = await validJson(c, MoveBody);
    if (!v.ok) return v.response;
    const b = v.data;
    const teamId = b.team === null ? null : (await deps.store.upsertTeam({ name: b.team })).id;
    const ids: number[] = [];
    const unknown: string[] = [];
    for (const e of b.emails) {
      const p = await deps.store.getPerson({ email: e });
      if (p) ids.push(p.id);
      else unknown.push(e);
    }
    const from = b.retroactive ? 0 : b.effectiveFrom ? Date.parse(b.effectiveFrom) : Date.now();
    return c.json({ moved: await deps.store.moveToTeam(ids, teamId, from), unknown }, 200);
  });

  app.get('/api/v1/directory/people/:email/history', guard('directory:write'), async (c) => {
    const denied = adminOnly(c, deps);
    if (denied) return denied;
    const p = await deps.store.getPerson({ email: c.req.param('email') });
    if (!p) return c.json({ error: `no person with email ${c.req.param('email')}` }, 404);
    return c.json({ person: p, memberships: await deps.store.teamHistory(p.id) }, 200);
  });
}
