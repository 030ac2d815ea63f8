/** Liveness and readiness. */
import { guard } from '../../auth/guard.js';
import type { App, AppDeps } from '../context.js';

export function registerHealthRoutes(app: App, deps: AppDeps): void {
  app.get('/healthz', guard('public'), async (c) => {
    await deps.store.getMeta('schema');
    return c.json({ status: 'ok', version: deps.version ?? 'dev', store: deps.store.dialect });
  });
}
