import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeApp, send } from './support.js';

const FIX = path.join(import.meta.dirname, '../fixtures/directory/scim');
const fixture = (f: string, userId = '') => fs.readFileSync(path.join(FIX, f), 'utf8').replaceAll('__USER_ID__', userId);
const scim = { 'content-type': 'application/scim+json' };

describe('SCIM 2.0', () => {
  it('refuses requests without the bearer token', async () => {
    const { app } = makeApp();
    const r = await send(app, '/scim/v2/Users', { headers: { authorization: 'Bearer wrong' } });
    expect(r.status).toBe(401);
    expect(r.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
  });

  it('runs an identity-provider flow: look up, create, patch, deactivate, groups', async () => {
    const { app, store } = makeApp();
    // 1. The IdP checks whether the user exists.
    const none = await send(app, '/scim/v2/Users?filter=' + encodeURIComponent('userName eq "gia.rossi@example.com"'));
    expect(none.body).toMatchObject({ totalResults: 0, Resources: [] });
    // 2. Create.
    const created = await send(app, '/scim/v2/Users', { body: fixture('entra-create-user.json'), headers: scim });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toContain('application/scim+json');
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ userName: 'gia.rossi@example.com', active: true, title: 'Engineer', externalId: 'a1b2c3d4-0000-4000-8000-000000000001' });
    expect((await store.getPerson({ email: 'gia.rossi@example.com' }))!).toMatchObject({ name: 'Gia Rossi', function: 'Engineering', location: 'Milan', aliases: [{ kind: 'email', value: 'gia@old-example.com' }] });
    const dup = await send(app, '/scim/v2/Users', { body: fixture('entra-create-user.json'), headers: scim });
    expect(dup).toMatchObject({ status: 409, body: { scimType: 'uniqueness' } });
    // 3. Filter finds it now (case-insensitive userName, and by externalId).
    const found = await send(app, '/scim/v2/Users?filter=' + encodeURIComponent('userName eq "Gia.Rossi@example.com"'));
    expect(found.body.Resources.map((u: { id: string }) => u.id)).toEqual([id]);
    const byExt = await send(app, '/scim/v2/Users?filter=' + encodeURIComponent('externalId eq "a1b2c3d4-0000-4000-8000-000000000001"'));
    expect(byExt.body.totalResults).toBe(1);
    // 4. Patch, Entra style (capitalised ops, filtered paths, enterprise extension).
    const patched = await send(app, `/scim/v2/Users/${id}`, { method: 'PATCH', body: fixture('entra-patch-user.json'), headers: scim });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ title: 'Senior Engineer', addresses: [{ locality: 'Turin' }], 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Platform Engineering' } });
    // 5. Groups are teams.
    const group = await send(app, '/scim/v2/Groups', { body: fixture('create-group.json'), headers: scim });
    expect(group.status).toBe(201);
    await send(app, `/scim/v2/Groups/${group.body.id}`, { method: 'PATCH', body: fixture('entra-add-member.json', id), headers: scim });
    expect((await store.getPerson({ id: Number(id) }))!.team).toBe('Platform');
    const g = await send(app, `/scim/v2/Groups?filter=${encodeURIComponent('displayName eq "Platform"')}`);
    expect(g.body.Resources[0].members.map((m: { value: string }) => m.value)).toEqual([id]);
    await send(app, `/scim/v2/Groups/${group.body.id}`, { method: 'PATCH', body: fixture('entra-remove-member.json', id), headers: scim });
    expect((await store.getPerson({ id: Number(id) }))!.team).toBeNull();
    // 6. Deactivate (Entra sends active "False" as a string), then reactivate the Okta way.
    const off = await send(app, `/scim/v2/Users/${id}`, { method: 'PATCH', body: fixture('entra-disable-user.json'), headers: scim });
    expect(off.body.active).toBe(false);
    expect((await store.getPerson({ id: Number(id) }))!.status).toBe('inactive');
    const on = await send(app, `/scim/v2/Users/${id}`, { method: 'PATCH', body: fixture('okta-patch-user.json'), headers: scim });
    expect(on.body).toMatchObject({ active: true, name: { formatted: 'Gia M. Rossi' } });
    // 7. DELETE keeps the person (and their history), marked as left.
    const del = await app.request(`/scim/v2/Users/${id}`, { method: 'DELETE', headers: { authorization: 'Bearer test-admin-token' } });
    expect(del.status).toBe(204);
    expect((await store.getPerson({ id: Number(id) }))!.status).toBe('inactive');
    expect((await send(app, '/scim/v2/Users/999')).status).toBe(404);
  });

  it('PUT replaces a user and a renamed userName keeps the old address as an alias', async () => {
    const { app, store } = makeApp();
    const created = await send(app, '/scim/v2/Users', { body: fixture('entra-create-user.json'), headers: scim });
    const body = { ...JSON.parse(fixture('entra-create-user.json')), userName: 'gia@example.com', emails: [{ value: 'gia@example.com', primary: true }], title: 'Lead' };
    const put = await send(app, `/scim/v2/Users/${created.body.id}`, { method: 'PUT', body, headers: scim });
    expect(put.body).toMatchObject({ userName: 'gia@example.com', title: 'Lead' });
    expect((await store.getPerson({ email: 'gia@example.com' }))!.aliases).toEqual([{ kind: 'email', value: 'gia.rossi@example.com' }]);
    const bad = await send(app, '/scim/v2/Users', { body: { userName: 'not-an-email' }, headers: scim });
    expect(bad).toMatchObject({ status: 400, body: { scimType: 'invalidValue' } });
    const badFilter = await send(app, '/scim/v2/Users?filter=' + encodeURIComponent('userName zz'));
    expect(badFilter).toMatchObject({ status: 400, body: { scimType: 'invalidFilter' } });
  });
});
