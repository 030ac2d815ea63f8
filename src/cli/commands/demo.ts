import path from 'node:path';
import type { Command } from 'commander';
import { seedDemo } from '../../demo/seed.js';
import { registerIngestKey } from '../../server/start.js';
import { defaultDataDir, serveOptions, startServing, type ServeOptions } from './serve.js';

export const DEMO_INGEST_KEY = 'tb_demo_ingest_key';
export const DEMO_ADMIN = 'demo-admin@example.com';

export function registerDemo(program: Command): void {
  serveOptions(program.command('demo').description('seed a synthetic organisation (once) and serve it'), path.join(defaultDataDir(), 'demo'))
    .option('--no-serve', 'seed only, then exit')
    .action(async (opts: ServeOptions & { serve: boolean }) => {
      const key = opts.ingestKey ?? DEMO_INGEST_KEY;
      const start = Date.now();
      let link = '';
      const running = await startServing({ ...opts, ingestKey: key }, async (deps) => {
        const r = await seedDemo(deps.ingestor, { log: (s) => console.log(s) });
        if (r.seeded) console.log(`seeded in ${((Date.now() - start) / 1000).toFixed(1)} s`);
        else console.log(`demo data already present in ${opts.data} (${r.people} people); delete it to reseed`);
        await registerIngestKey(deps.store, key, 'demo');
        // The newcomer signs in as a demo admin through a one-time link (valid 24 hours).
        link = await deps.governance!.auth.issueOneTimeToken('sign-in', DEMO_ADMIN, 'admin', 24 * 3_600_000);
        if (!opts.serve) {
          await deps.store.close();
          process.exit(0);
        }
      });
      console.log(
        [
          `ingest key: ${key}`,
          `try: curl -H 'Authorization: Bearer ${key}' -H 'content-type: application/json' \\`,
          `       -d '{"events":[{"time":"${new Date().toISOString()}","source":"api","model":"gpt-5","identity":{"email":"you@example.com"},"tokens":{"input":1200,"output":300}}]}' ${running.url}/api/v1/events`,
          `tokenboard demo listening on ${running.url}`,
          `sign in as the demo admin (${DEMO_ADMIN}): ${running.url}/auth/link?token=${link}`,
        ].join('\n'),
      );
    });
}
