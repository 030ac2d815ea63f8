/**
 * The dashboard web app (built by Vite into dist/web) at /, with a fallback to
 * index.html for client-side routes. When the app has not been built (a
 * `tsc`-only build), the plain server-rendered overview is served instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Context } from 'hono';
import { guard } from '../../auth/guard.js';
import { viewerOf, type App, type AppDeps } from '../context.js';
import { overviewPage } from '../overview.js';

/** dist/web next to the compiled server (dist/server/routes -> dist/web), or the repo's dist/web when run from src. */
export function webRoot(): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const dir of [path.resolve(here, '../../web'), path.resolve(here, '../../../dist/web')]) {
    if (fs.existsSync(path.join(dir, 'index.html'))) return dir;
  }
  return null;
}

export function registerWebRoutes(app: App, deps: AppDeps, root = webRoot()): void {
  if (!root) {
    app.get('/', guard('usage:read'), async (c) => c.html(await overviewPage(deps.query, viewerOf(c, deps))));
    return;
  }
  const index = fs.readFileSync(path.join(root, 'index.html'), 'utf8');
  // Hashed file names never change content: cache them for a year.
  // The built files are public (they hold no data); pages need a signed-in reader, so
  // a browser without a session is sent to the sign-in page.
  app.use('/assets/*', guard('public'), async (c, next) => {
    await next();
    if (c.res.status === 200) c.res.headers.set('cache-control', 'public, max-age=31536000, immutable');
  });
  app.use('/assets/*', serveStatic({ root }));
  app.get('/favicon.svg', guard('public'), serveStatic({ root }));
  app.get('/favicon.ico', guard('public'), (c) => c.redirect('/favicon.svg', 301));
  // The app's client-side routes (web/src/App.tsx), each declared with the permission it needs.
  const page = (c: Context) => c.html(index);
  for (const p of CLIENT_ROUTES) app.get(p, guard('usage:read'), page);
}

/** Client-side routes of the web app; keep in step with web/src/App.tsx. */
export const CLIENT_ROUTES = [
  '/',
  '/adoption',
  '/distribution',
  '/mix',
  '/outcomes',
  '/spend',
  '/teams',
  '/teams/:team',
  '/people',
  '/people/:email',
  '/unattributed',
  '/context',
  '/leaderboards',
  '/settings',
] as const;
