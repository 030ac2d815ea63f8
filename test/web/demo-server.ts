/**
 * A real tokenboard HTTP server on a free port, seeded with the demo
 * organisation through the normal ingest pipeline, serving the built web app.
 * ADMIN_TOKEN is the server's admin token: the tests use it only to set up
 * accounts and the policy; the browser signs in like a person.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { seedDemo } from '../../src/demo/seed.js';
import type { AppDeps } from '../../src/server/app.js';
import { buildDeps, listen, type Running } from '../../src/server/start.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';

export const ADMIN_TOKEN = 'test-admin-token';
const ROOT = path.resolve(import.meta.dirname, '../..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'web');

/** Build the web app when dist/web is missing or older than its sources (npm test builds it first). */
export function ensureWebBuilt(): void {
  const index = path.join(ROOT, 'dist/web/index.html');
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((m, e) => Math.max(m, e.isDirectory() ? newest(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs), 0);
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= newest(path.join(ROOT, 'web/src'))) return;
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
}

export interface DemoServer {
  url: string;
  /** Exclusive end of the seeded data (UTC midnight). */
  end: number;
  running: Running;
  store: SqliteStore;
  deps: AppDeps;
  close(): Promise<void>;
}

export async function startDemoServer(): Promise<DemoServer> {
  ensureWebBuilt();
  const store = new SqliteStore({ file: ':memory:' });
  // Cheap password hashing for the test accounts (the default cost is tested in test/governance/auth.test.ts).
  const deps = buildDeps(store, { adminToken: ADMIN_TOKEN, governance: { scryptCost: { N: 1024, r: 8, p: 1 } } });
  const end = Math.floor(Date.now() / 86_400_000) * 86_400_000;
  await seedDemo(deps.ingestor, { end });
  const running = await listen(deps, 0);
  return {
    url: running.url,
    end,
    running,
    store,
    deps,
    close: async () => {
      await running.close();
      await store.close();
    },
  };
}

/** Sign a person in through a one-time link (as `demo` prints one) and return the browser's saved session. */
export async function signInWithLink(
  server: DemoServer,
  browser: import('playwright-core').Browser,
  email: string,
  role: 'admin' | 'analyst' | 'manager' | 'member',
): Promise<Awaited<ReturnType<import('playwright-core').BrowserContext['storageState']>>> {
  const token = await server.deps.governance!.auth.issueOneTimeToken('sign-in', email, role, 3_600_000);
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${server.url}/auth/link?token=${encodeURIComponent(token)}`);
  await Promise.all([page.waitForURL(`${server.url}/`), page.click('#continue')]);
  const state = await ctx.storageState();
  await ctx.close();
  return state;
}

/** Setup only: call the API with the server's admin token; anything but 2xx throws with the answer. */
export async function asServerAdmin(server: DemoServer, p: string, init: { method?: string; body?: unknown } = {}): Promise<any> {
  const res = await fetch(server.url + p, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${p}: ${res.status} ${await res.text()}`);
  return res.json();
}
