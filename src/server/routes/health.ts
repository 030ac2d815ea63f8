/** Liveness and readiness. */
import type { App, AppDeps } from '../context.js';

export function registerHealthRoutes(app: App, deps: AppDeps): void {
  app.get('/healthz', async (c) => {
    await deps.store.getMeta('schema');
    return c.json({ status: 'ok', version: deps.version ?? 'dev', store: deps.store.dialect });
  });
}
