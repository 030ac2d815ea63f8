/** Start a real tokenboard HTTP server on a free port over a fresh SQLite file. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildDeps, listen, openStore, registerIngestKey, type Running } from '../../src/server/start.js';
import type { AppDeps } from '../../src/server/app.js';

export const INGEST_KEY = 'test-ingest-key';
export const ADMIN_TOKEN = 'test-admin-token';

export interface TestServer extends Running {
  deps: AppDeps;
  dataDir: string;
  post(pathname: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  get(pathname: string, headers?: Record<string, string>): Promise<Response>;
  stop(): Promise<void>;
}

export async function startTestServer(opts: { maxInFlight?: number; dataDir?: string } = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tb-server-'));
  const store = openStore(dataDir);
  await registerIngestKey(store, INGEST_KEY, 'test');
  const deps = { ...buildDeps(store, { adminToken: ADMIN_TOKEN }), maxInFlight: opts.maxInFlight };
  // Reads need a credential: `get` sends an analyst API token unless told otherwise.
  const analyst = (await deps.governance!.auth.createApiToken({ role: 'admin', via: 'admin-token' }, { name: 'test analyst', role: 'analyst' })).token;
  const running = await listen(deps, 0);
  return {
    ...running,
    deps,
    dataDir,
    post: (p, body, headers = {}) =>
      fetch(running.url + p, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_KEY}`, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    get: (p, headers = { authorization: `Bearer ${analyst}` }) => fetch(running.url + p, { headers }),
    stop: async () => {
      await running.close();
      await store.close();
    },
  };
}
