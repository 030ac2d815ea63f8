/**
 * SCIM 2.0 endpoints so an identity provider (Entra ID, Okta, ...) keeps the
 * directory in sync: /scim/v2/Users and /scim/v2/Groups with create, replace,
 * patch, deactivate (DELETE keeps the person and their history, marked left)
 * and filters such as `userName eq "ana@example.com"`. Bearer: the admin token.
 */
import type { Context } from 'hono';
import { filter as scimFilter, parse as parseFilter } from 'scim2-parse-filter';
import {
  groupToScim,
  memberIdsOf,
  patchOps,
  patchUser,
  SCIM,
  ScimError,
  scimToPerson,
  userToScim,
  type ScimObject,
} from '../../directory/scim.js';
import type { PersonRecord } from '../../store/types.js';
import type { App, AppDeps } from '../context.js';
import { guard } from '../../auth/guard.js';

const BASE = '/scim/v2';

function scimJson(c: Context, body: unknown, status = 200) {
  return c.body(JSON.stringify(body), status as 200, { 'content-type': 'application/scim+json' });
}

function scimError(c: Context, status: number, detail: string, scimType?: string) {
  return scimJson(c, { schemas: [SCIM.error], status: String(status), detail, ...(scimType ? { scimType } : {}) }, status);
}

async function body(c: Context): Promise<ScimObject> {
  try {
    const b = await c.req.json();
    if (b && typeof b === 'object' && !Array.isArray(b)) return b as ScimObject;
  } catch {
    // fall through
  }
  throw new ScimError(400, 'body must be a JSON object', 'invalidSyntax');
}

function id(c: Context): number {
  const n = Number(c.req.param('id'));
  if (!Number.isSafeInteger(n) || n <= 0) throw new ScimError(404, `no resource ${c.req.param('id')}`);
  return n;
}

function list(c: Context, all: ScimObject[], alreadyFiltered = false) {
  const f = alreadyFiltered ? undefined : c.req.query('filter');
  let items = all;
  if (f) {
    try {
      items = all.filter(scimFilter(parseFilter(f)));
    } catch (e) {
      throw new ScimError(400, `filter: ${(e as Error).message}`, 'invalidFilter');
    }
  }
  const start = Math.max(1, Number(c.req.query('startIndex') ?? 1) || 1);
  const count = Math.min(1000, Math.max(0, Number(c.req.query('count') ?? 100) || 0));
  const page = items.slice(start - 1, start - 1 + count);
  return scimJson(c, { schemas: [SCIM.list], totalResults: items.length, startIndex: start, itemsPerPage: page.length, Resources: page });
}

/** Route handler wrapper: a ScimError becomes a SCIM error response (RFC 7644 section 3.12). */
function scimRoute(fn: (c: Context) => Promise<Response>) {
  return async (c: Context): Promise<Response> => {
    try {
      return await fn(c);
    } catch (e) {
      if (e instanceof ScimError) return scimError(c, e.status, e.message, e.scimType);
      throw e;
    }
  };
}

export function registerScimRoutes(app: App, deps: AppDeps): void {
  const store = deps.store;

  // SCIM clients (Entra, Okta) send a bearer token: an admin token or an API token with directory:write.
  app.use(`${BASE}/*`, guard('directory:write', { deny: (c, status, message) => scimError(c, status, message) }));

  const managerIdOf = async (p: PersonRecord) => (p.managerEmail ? ((await store.getPerson({ email: p.managerEmail }))?.id ?? null) : null);
  const userJson = async (p: PersonRecord) => userToScim(p, await managerIdOf(p), BASE);
  const managerEmails = async () => {
    const people = await store.listPeople();
    const byId = new Map(people.map((p) => [String(p.id), p.email]));
    return (ref: string) => byId.get(ref) ?? (ref.includes('@') ? ref.toLowerCase() : undefined);
  };
  const personOr404 = async (n: number) => {
    const p = await store.getPerson({ id: n });
    if (!p) throw new ScimError(404, `no user ${n}`);
    return p;
  };

  app.get(`${BASE}/ServiceProviderConfig`, scimRoute(async (c) =>
    scimJson(c, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
      filter: { supported: true, maxResults: 1000 },
      changePassword: { supported: false },
      sort: { supported: false },
      etag: { supported: false },
      authenticationSchemes: [{ type: 'oauthbearertoken', name: 'Bearer token', description: 'The tokenboard admin token' }],
    }),
  ));
  app.get(`${BASE}/ResourceTypes`, scimRoute(async (c) =>
    scimJson(c, {
      schemas: [SCIM.list],
      totalResults: 2,
      Resources: [
        { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'User', name: 'User', endpoint: '/Users', schema: SCIM.user, schemaExtensions: [{ schema: SCIM.enterprise, required: false }] },
        { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'Group', name: 'Group', endpoint: '/Groups', schema: SCIM.group },
      ],
    }),
  ));

  // ---- Users
  app.get(`${BASE}/Users`, scimRoute(async (c) => {
    const f = c.req.query('filter');
    // The filter every identity provider sends before creating a user: answer it without listing everyone.
    const m = f ? /^\s*(userName|externalId)\s+eq\s+"([^"]*)"\s*$/i.exec(f) : null;
    if (m) {
      const p = await store.getPerson(m[1]!.toLowerCase() === 'username' ? { email: m[2]! } : { externalId: m[2]! });
      return list(c, p ? [await userJson(p)] : [], true);
    }
    const people = await store.listPeople();
    const idByEmail = new Map(people.map((p) => [p.email, p.id]));
    return list(c, people.map((p) => userToScim(p, p.managerEmail ? (idByEmail.get(p.managerEmail) ?? null) : null, BASE)));
  }));

  app.get(`${BASE}/Users/:id`, scimRoute(async (c) => scimJson(c, await userJson(await personOr404(id(c))))));

  app.post(`${BASE}/Users`, scimRoute(async (c) => {
    const input = scimToPerson(await body(c), await managerEmails());
    if (await store.getPerson({ email: input.email })) throw new ScimError(409, `userName ${input.email} already exists`, 'uniqueness');
    await store.upsertPeople([input]);
    const p = (await store.getPerson({ email: input.email }))!;
    return scimJson(c, await userJson(p), 201);
  }));

  const replaceUser = async (c: Context, current: PersonRecord, next: ScimObject) => {
    const input = scimToPerson(next, await managerEmails());
    if (input.email !== current.email) {
      const clash = await store.getPerson({ email: input.email });
      if (clash && clash.id !== current.id) throw new ScimError(409, `userName ${input.email} already exists`, 'uniqueness');
      // A renamed user keeps their history: the old address becomes an alias.
      input.aliases = [...(input.aliases ?? []), { kind: 'email', value: current.email }];
      await store.renamePerson(current.id, input.email);
    }
    await store.upsertPeople([input]);
    return scimJson(c, await userJson((await store.getPerson({ id: current.id }))!));
  };

  app.put(`${BASE}/Users/:id`, scimRoute(async (c) => {
    const current = await personOr404(id(c));
    return replaceUser(c, current, await body(c));
  }));

  app.patch(`${BASE}/Users/:id`, scimRoute(async (c) => {
    const current = await personOr404(id(c));
    const ops = patchOps(await body(c));
    return replaceUser(c, current, patchUser(await userJson(current), ops));
  }));

  app.delete(`${BASE}/Users/:id`, scimRoute(async (c) => {
    const p = await personOr404(id(c));
    // Deprovisioning marks the person as left; their usage history stays attributed to them.
    await store.setPersonStatus(p.id, 'inactive', new Date().toISOString().slice(0, 10));
    return c.body(null, 204);
  }));

  // ---- Groups (teams)
  const groupJson = async (teamId: number) => {
    const [teams, people] = await Promise.all([store.listTeams(), store.listPeople()]);
    const t = teams.find((x) => x.id === teamId);
    if (!t) throw new ScimError(404, `no group ${teamId}`);
    return groupToScim(t, people.filter((p) => p.team === t.name && p.status === 'active'), BASE);
  };
  const setMembers = async (teamId: number, add: string[], remove: string[]) => {
    const now = Date.now();
    const ids = (xs: string[]) => xs.map(Number).filter((n) => Number.isSafeInteger(n) && n > 0);
    if (add.length) await store.moveToTeam(ids(add), teamId, now);
    if (remove.length) {
      const team = (await store.listTeams()).find((t) => t.id === teamId)!;
      const inTeam: number[] = [];
      for (const n of ids(remove)) if ((await store.getPerson({ id: n }))?.team === team.name) inTeam.push(n);
      await store.moveToTeam(inTeam, null, now);
    }
  };

  app.get(`${BASE}/Groups`, scimRoute(async (c) => {
    const [teams, people] = await Promise.all([store.listTeams(), store.listPeople()]);
    const byTeam = new Map<string, PersonRecord[]>();
    for (const p of people) if (p.team && p.status === 'active') byTeam.set(p.team, [...(byTeam.get(p.team) ?? []), p]);
    const excluded = c.req.query('excludedAttributes')?.includes('members');
    return list(c, teams.map((t) => {
      const g = groupToScim(t, byTeam.get(t.name) ?? [], BASE);
      if (excluded) delete g.members;
      return g;
    }));
  }));

  app.get(`${BASE}/Groups/:id`, scimRoute(async (c) => scimJson(c, await groupJson(id(c)))));

  app.post(`${BASE}/Groups`, scimRoute(async (c) => {
    const b = await body(c);
    const name = typeof b.displayName === 'string' ? b.displayName.trim() : '';
    if (!name) throw new ScimError(400, 'displayName is required', 'invalidValue');
    if ((await store.listTeams()).some((t) => t.name === name && t.externalId)) throw new ScimError(409, `group ${name} already exists`, 'uniqueness');
    const team = await store.upsertTeam({ name, externalId: typeof b.externalId === 'string' ? b.externalId : null });
    await setMembers(team.id, memberIdsOf({ op: 'add', value: b.members ?? [] }), []);
    return scimJson(c, await groupJson(team.id), 201);
  }));

  app.put(`${BASE}/Groups/:id`, scimRoute(async (c) => {
    const current = await groupJson(id(c));
    const b = await body(c);
    const want = new Set(memberIdsOf({ op: 'replace', value: b.members ?? [] }));
    const have = new Set((current.members as { value: string }[]).map((m) => m.value));
    await setMembers(id(c), [...want].filter((x) => !have.has(x)), [...have].filter((x) => !want.has(x)));
    return scimJson(c, await groupJson(id(c)));
  }));

  app.patch(`${BASE}/Groups/:id`, scimRoute(async (c) => {
    const teamId = id(c);
    await groupJson(teamId);
    for (const op of patchOps(await body(c))) {
      const path = op.path?.toLowerCase() ?? '';
      if (path === 'displayname' || (!op.path && op.value && typeof op.value === 'object' && 'displayName' in op.value)) {
        const name = String(path ? op.value : (op.value as { displayName: unknown }).displayName);
        if ((await store.listTeams()).some((t) => t.name === name && t.id !== teamId)) throw new ScimError(409, `a team named ${name} exists`, 'uniqueness');
        await store.renameTeam(teamId, name);
        continue;
      }
      if (!path.startsWith('members') && op.path) continue; // attributes tokenboard does not keep
      if (op.op === 'add') await setMembers(teamId, memberIdsOf(op), []);
      else if (op.op === 'remove') {
        const ids = memberIdsOf(op);
        const all = ids.length ? ids : ((await groupJson(teamId)).members as { value: string }[]).map((m) => m.value);
        await setMembers(teamId, [], all);
      } else {
        const want = new Set(memberIdsOf(op));
        const have = new Set(((await groupJson(teamId)).members as { value: string }[]).map((m) => m.value));
        await setMembers(teamId, [...want].filter((x) => !have.has(x)), [...have].filter((x) => !want.has(x)));
      }
    }
    return scimJson(c, await groupJson(teamId));
  }));

  app.delete(`${BASE}/Groups/:id`, scimRoute(async (c) => {
    const g = await groupJson(id(c));
    // The team stays for history; its members are moved out from today and the IdP link is dropped.
    await setMembers(id(c), [], (g.members as { value: string }[]).map((m) => m.value));
    await store.detachTeam(id(c));
    return c.body(null, 204);
  }));
}
