/**
 * The HTTP application. Each route module in ./routes declares its routes
 * (with OpenAPI schemas); the work happens in src/ingest (writes) and
 * src/query (reads, privacy policy). Add a module here to add routes.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { PolicyError } from '../query/policy.js';
import type { AppDeps } from './context.js';
import { registerContextRoutes } from './routes/context.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerIngestRoutes } from './routes/ingest.js';
import { registerOtlpRoutes } from './routes/otlp.js';
import { registerUsageRoutes } from './routes/usage.js';
import { registerDirectoryRoutes } from './routes/directory.js';
import { registerScimRoutes } from './routes/scim.js';
import { registerIdentityRoutes } from './routes/identity.js';
import { registerPricingRoutes } from './routes/pricing.js';
import { registerInsightsRoutes } from './routes/insights.js';
import { registerWebRoutes } from './routes/web.js';

export { sha256Hex, type AppDeps } from './context.js';

export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0]!;
        const field = issue.path.join('.') || '(query)';
        return c.json({ error: `invalid ${field}: ${issue.message}`, field, reason: issue.message }, 400);
      }
    },
  });

  app.onError((err, c) => {
    if (err instanceof PolicyError) return c.json({ error: err.message }, err.status);
    console.error(err);
    return c.json({ error: 'internal error' }, 500);
  });

  registerHealthRoutes(app, deps);
  registerIngestRoutes(app, deps);
  registerUsageRoutes(app, deps);
  registerOtlpRoutes(app, deps);
  registerDirectoryRoutes(app, deps);
  registerScimRoutes(app, deps);
  registerIdentityRoutes(app, deps);
  registerPricingRoutes(app, deps);
  registerContextRoutes(app, deps);
  registerInsightsRoutes(app, deps);

  app.doc('/api/openapi.json', {
    openapi: '3.0.3',
    info: { title: 'tokenboard API', version: deps.version ?? 'dev', description: 'Self-hosted AI-usage analytics. Usage is a dashboard, not a productivity score.' },
  });

  // Last: the web app answers every other GET with its client-side routes.
  registerWebRoutes(app, deps);

  return app;
}
