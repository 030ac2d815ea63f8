/**
 * The HTTP application. Each route module in ./routes declares its routes
 * (with OpenAPI schemas); the work happens in src/ingest (writes) and
 * src/query (reads, privacy policy). Add a module here to add routes.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { ZodError } from 'zod';
import { authenticate, denyUnguarded, guard } from '../auth/guard.js';
import { AuthError } from '../auth/service.js';
import { buildGovernance } from '../governance/index.js';
import { PolicyError } from '../query/policy.js';
import { viewerOf, type AppDeps } from './context.js';
import { registerContextRoutes } from './routes/context.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerAuditRoutes } from './routes/audit.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerExportRoutes } from './routes/exports.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerIngestRoutes } from './routes/ingest.js';
import { registerOtlpRoutes } from './routes/otlp.js';
import { registerPrivacyRoutes } from './routes/privacy.js';
import { registerUsageRoutes } from './routes/usage.js';
import { registerDirectoryRoutes } from './routes/directory.js';
import { registerScimRoutes } from './routes/scim.js';
import { registerIdentityRoutes } from './routes/identity.js';
import { registerPricingRoutes } from './routes/pricing.js';
import { registerInsightsRoutes } from './routes/insights.js';
import { registerWebRoutes } from './routes/web.js';
import { securityHeaders } from './security.js';

export { sha256Hex, type AppDeps } from './context.js';

export function createApp(deps: AppDeps) {
  deps.governance ??= buildGovernance(deps.store, { adminToken: deps.adminToken });
  const gov = deps.governance;
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0]!;
        const field = issue.path.join('.') || '(query)';
        return c.json({ error: `invalid ${field}: ${issue.message}`, field, reason: issue.message }, 400);
      }
    },
  });

  app.onError(async (err, c) => {
    if (err instanceof PolicyError) {
      if (err.status === 403) await gov.audit.record(viewerOf(c), 'authz.denied', { outcome: 'denied', detail: { method: c.req.method, path: c.req.path, reason: err.message } });
      return c.json({ error: err.message }, err.status);
    }
    if (err instanceof AuthError) {
      if (err.retryAfter) c.header('Retry-After', String(err.retryAfter));
      return c.json({ error: err.message }, err.status);
    }
    if (err instanceof ZodError) {
      const issue = err.issues[0]!;
      const field = issue.path.join('.') || '(body)';
      return c.json({ error: `invalid ${field}: ${issue.message}`, field, reason: issue.message }, 400);
    }
    console.error(err);
    return c.json({ error: 'internal error' }, 500);
  });

  // Order matters: headers, then who is asking (and CSRF), then closed-by-default.
  app.use('*', securityHeaders(), authenticate(gov.auth, gov.audit, deps.adminToken), denyUnguarded);

  // Every route declares a permission with guard(...); see src/auth/guard.ts.
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
  registerAuthRoutes(app, deps);
  registerAdminRoutes(app, deps);
  registerAuditRoutes(app, deps);
  registerPrivacyRoutes(app, deps);
  registerExportRoutes(app, deps);

  app.use('/api/openapi.json', guard('public'));

  app.doc('/api/openapi.json', {
    openapi: '3.0.3',
    info: { title: 'tokenboard API', version: deps.version ?? 'dev', description: 'Self-hosted AI-usage analytics. Usage is a dashboard, not a productivity score.' },
  });

  // Last: the web app answers every other GET with its client-side routes.
  registerWebRoutes(app, deps);

  return app;
}
