/**
 * Role x route x expected status, including changed object ids (another
 * person, another manager's team). Bodies are valid so a 2xx means the
 * request really went through.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { makeOrg, RANGE, type Org } from './helpers.js';

type Caller = 'anonymous' | 'member' | 'manager' | 'analyst' | 'admin' | 'ingest';
const CALLERS: Caller[] = ['anonymous', 'member', 'manager', 'analyst', 'admin', 'ingest'];

interface Case {
  name: string;
  method?: string;
  path: string;
  body?: unknown;
  expect: Record<Caller, number>;
}

const event = { time: '2026-01-06T10:00:00Z', source: 'api', model: 'gpt-5', identity: { email: 'ann@ex.com' }, tokens: { input: 1, output: 1 } };

const CASES: Case[] = [
  { name: 'org summary', path: `/api/v1/usage/summary?${RANGE}`, expect: { anonymous: 401, member: 200, manager: 200, analyst: 200, admin: 200, ingest: 403 } },
  { name: 'own data', path: `/api/v1/usage/summary?${RANGE}&person=ann@ex.com`, expect: { anonymous: 401, member: 200, manager: 403, analyst: 403, admin: 403, ingest: 403 } },
  { name: "another person's data", path: `/api/v1/usage/summary?${RANGE}&person=eng3@ex.com`, expect: { anonymous: 401, member: 403, manager: 403, analyst: 403, admin: 403, ingest: 403 } },
  { name: 'group by person', path: `/api/v1/usage/breakdown?${RANGE}&groupBy=person`, expect: { anonymous: 401, member: 200, manager: 403, analyst: 403, admin: 403, ingest: 403 } },
  { name: 'breakdown by function', path: `/api/v1/usage/breakdown?${RANGE}&groupBy=function`, expect: { anonymous: 401, member: 200, manager: 200, analyst: 200, admin: 200, ingest: 403 } },
  { name: "own manager's team", path: `/api/v1/usage/summary?${RANGE}&manager=mia@ex.com`, expect: { anonymous: 401, member: 200, manager: 200, analyst: 200, admin: 200, ingest: 403 } },
  { name: "another manager's team", path: `/api/v1/usage/summary?${RANGE}&manager=sam@ex.com`, expect: { anonymous: 401, member: 200, manager: 403, analyst: 200, admin: 200, ingest: 403 } },
  { name: 'CSV export', path: `/api/v1/usage/breakdown.csv?${RANGE}&groupBy=function`, expect: { anonymous: 401, member: 200, manager: 200, analyst: 200, admin: 200, ingest: 403 } },
  { name: 'series', path: `/api/v1/usage/series?${RANGE}&bucket=day`, expect: { anonymous: 401, member: 200, manager: 200, analyst: 200, admin: 200, ingest: 403 } },
  { name: 'overview page', path: '/', expect: { anonymous: 401, member: 200, manager: 200, analyst: 200, admin: 200, ingest: 403 } },
  { name: 'ingest', method: 'POST', path: '/api/v1/events', body: { events: [event] }, expect: { anonymous: 401, member: 403, manager: 403, analyst: 403, admin: 200, ingest: 200 } },
  { name: 'me', path: '/api/v1/auth/me', expect: { anonymous: 401, member: 200, manager: 200, analyst: 200, admin: 200, ingest: 403 } },
  { name: 'own export', path: '/api/v1/me/export', expect: { anonymous: 401, member: 200, manager: 200, analyst: 200, admin: 200, ingest: 403 } },
  { name: "another person's export", path: '/api/v1/admin/people/eng3@ex.com/export', expect: { anonymous: 401, member: 403, manager: 403, analyst: 403, admin: 200, ingest: 403 } },
  { name: 'accounts', path: '/api/v1/admin/accounts', expect: { anonymous: 401, member: 403, manager: 403, analyst: 403, admin: 200, ingest: 403 } },
  { name: 'create token', method: 'POST', path: '/api/v1/admin/tokens', body: { name: 'ci', role: 'analyst' }, expect: { anonymous: 401, member: 403, manager: 403, analyst: 403, admin: 201, ingest: 403 } },
  { name: 'ingest keys', path: '/api/v1/admin/ingest-keys', expect: { anonymous: 401, member: 403, manager: 403, analyst: 403, admin: 200, ingest: 403 } },
  { name: 'policy change', method: 'PUT', path: '/api/v1/admin/policy', body: { minGroupSize: 6 }, expect: { anonymous: 401, member: 403, manager: 403, analyst: 403, admin: 200, ingest: 403 } },
  { name: 'audit log', path: '/api/v1/audit', expect: { anonymous: 401, member: 403, manager: 403, analyst: 403, admin: 200, ingest: 403 } },
  { name: 'retention', method: 'POST', path: '/api/v1/admin/retention/run', body: {}, expect: { anonymous: 401, member: 403, manager: 403, analyst: 403, admin: 200, ingest: 403 } },
  { name: 'end another account’s sessions', method: 'POST', path: '/api/v1/admin/accounts/1/sessions/end', body: {}, expect: { anonymous: 401, member: 403, manager: 403, analyst: 403, admin: 200, ingest: 403 } },
  { name: 'privacy notice', path: '/privacy', expect: { anonymous: 200, member: 200, manager: 200, analyst: 200, admin: 200, ingest: 200 } },
  { name: 'health', path: '/healthz', expect: { anonymous: 200, member: 200, manager: 200, analyst: 200, admin: 200, ingest: 200 } },
];

describe('role x route x status', () => {
  let org: Org;
  beforeAll(async () => {
    org = await makeOrg();
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const got: Record<string, number> = {};
      for (const who of CALLERS) {
        // Sessions are re-created per call: some cases (ending sessions) sign people out.
        const headers = who === 'anonymous' || who === 'ingest' ? org.callers[who] : await org.session(who === 'admin' ? 'root@ex.com' : who === 'analyst' ? 'ana@ex.com' : who === 'manager' ? 'mia@ex.com' : 'ann@ex.com', who);
        const res = await org.req(c.path, { method: c.method, headers, body: c.body });
        got[who] = res.status;
      }
      expect(got).toEqual(c.expect);
    });
  }

  it('the admin bearer token (TOKENBOARD_ADMIN_TOKEN) is an admin; a wrong one is 401', async () => {
    expect((await org.req('/api/v1/admin/accounts', { headers: { authorization: 'Bearer test-admin-token-0123456789abcdef' } })).status).toBe(200);
    expect((await org.req('/api/v1/admin/accounts', { headers: { authorization: 'Bearer test-admin-token-0123456789abcdeX' } })).status).toBe(401);
  });
});
