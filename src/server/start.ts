/** Wire a store, the ingest pipeline, the query layer and the HTTP app together and listen. */
import path from 'node:path';
import { serve } from '@hono/node-server';
import { Ingestor } from '../ingest/pipeline.js';
import { defaultPricer } from '../pricing/default.js';
import { QueryService } from '../query/service.js';
import { SqliteStore } from '../store/sqlite/store.js';
import type { Store } from '../store/types.js';
import { oidcSettingsFromEnv } from '../auth/oidc.js';
import { buildGovernance } from '../governance/index.js';
import { createApp, sha256Hex, type AppDeps } from './app.js';

import { VERSION } from '../version.js';

export { VERSION };

export function openStore(dataDir: string): Store {
  return new SqliteStore({ file: dataDir === ':memory:' ? ':memory:' : path.join(dataDir, 'tokenboard.db') });
}

export function buildDeps(store: Store, opts: { adminToken?: string; governance?: Parameters<typeof buildGovernance>[1] } = {}): AppDeps {
  const governance = buildGovernance(store, { adminToken: opts.adminToken, oidc: oidcSettingsFromEnv(), ...opts.governance });
  return {
    store,
    ingestor: new Ingestor(store, defaultPricer()),
    // The query layer shares the app's policy settings and audit log.
    query: new QueryService(store, { policy: () => governance.settings.get(), audit: governance.audit, secret: () => governance.cookieSecret() }),
    adminToken: opts.adminToken,
    governance,
    version: VERSION,
  };
}

export async function registerIngestKey(store: Store, key: string, name = 'cli'): Promise<void> {
  await store.addIngestKey(name, sha256Hex(key));
}

export interface Running {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function listen(deps: AppDeps, port: number, host = '127.0.0.1'): Promise<Running> {
  const app = createApp(deps);
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
      const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      resolve({
        url: `http://${shown}:${info.port}`,
        port: info.port,
        close: () => new Promise<void>((res) => server.close(() => res())),
      });
    });
  });
}
