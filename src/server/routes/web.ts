/**
 * The dashboard web app (built by Vite into dist/web) at /, with a fallback to
 * index.html for client-side routes. When the app has not been built (a
 * `tsc`-only build), the plain server-rendered overview is served instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
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
    app.get('/', async (c) => c.html(await overviewPage(deps.query, viewerOf(c, deps))));
    return;
  }
  const index = fs.readFileSync(path.join(root, 'index.html'), 'utf8');
  // Hashed file names never change content: cache them for a year.
  app.use('/assets/*', async (c, next) => {
    await next();
    if (c.res.status === 200) c.res.headers.set('cache-control', 'public, max-age=31536000, immutable');
  });
  app.use('*', serveStatic({ root }));
  app.get('*', (c) => {
    const p = c.req.path;
    if (p.startsWith('/api/') || p === '/healthz' || p.startsWith('/assets/')) return c.json({ error: `not found: ${p}` }, 404);
    return c.html(index);
  });
}
