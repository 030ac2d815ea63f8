import path from 'node:path';
import type { Command } from 'commander';
import { seedDemo } from '../../demo/seed.js';
import { registerIngestKey } from '../../server/start.js';
import { defaultDataDir, serveOptions, startServing, type ServeOptions } from './serve.js';

export const DEMO_INGEST_KEY = 'tb_demo_ingest_key';

export function registerDemo(program: Command): void {
  serveOptions(program.command('demo').description('seed a synthetic organisation (once) and serve it'), path.join(defaultDataDir(), 'demo'))
    .option('--no-serve', 'seed only, then exit')
    .action(async (opts: ServeOptions & { serve: boolean }) => {
      const key = opts.ingestKey ?? DEMO_INGEST_KEY;
      const start = Date.now();
      const running = await startServing({ ...opts, ingestKey: key }, async (deps) => {
        const r = await seedDemo(deps.ingestor, { log: (s) => console.log(s) });
        if (r.seeded) console.log(`seeded in ${((Date.now() - start) / 1000).toFixed(1)} s`);
        else console.log(`demo data already present in ${opts.data} (${r.people} people); delete it to reseed`);
        await registerIngestKey(deps.store, key, 'demo');
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
        ].join('\n'),
      );
    });
}
