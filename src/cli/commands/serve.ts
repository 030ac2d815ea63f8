import type { Command } from 'commander';
import { ContextService, DigestService } from '../../context/service.js';
import { scheduleWeeklyDigests } from '../../context/schedule.js';
import { scheduleRetention } from '../../governance/retention.js';
import { buildDeps, listen, openStore, registerIngestKey } from '../../server/start.js';

/** How often `serve` applies the retention periods of the privacy policy. */
const RETENTION_EVERY_MS = 6 * 3_600_000;

export interface ServeOptions {
  port: string;
  host: string;
  data: string;
  ingestKey?: string;
}

export function defaultDataDir(): string {
  return process.env.TOKENBOARD_DATA ?? '.tokenboard';
}

export function serveOptions(cmd: Command, defaultData: string): Command {
  return cmd
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', process.env.PORT ?? '3000')
    .option('--host <host>', 'address to bind', process.env.TOKENBOARD_HOST ?? '127.0.0.1')
    .option('-d, --data <dir>', 'data directory (SQLite file lives here)', defaultData)
    .option('--ingest-key <key>', 'register this ingest key at start (or TOKENBOARD_INGEST_KEY)', process.env.TOKENBOARD_INGEST_KEY);
}

export async function startServing(opts: ServeOptions, before?: (deps: ReturnType<typeof buildDeps>) => Promise<void>) {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got "${opts.port}"`);
  const store = openStore(opts.data);
  if (opts.ingestKey) await registerIngestKey(store, opts.ingestKey);
  const deps = buildDeps(store, { adminToken: process.env.TOKENBOARD_ADMIN_TOKEN });
  if (before) await before(deps);
  const running = await listen(deps, port, opts.host);
  // The dashboard's first views read the last two months of facts: load them while nobody waits.
  store.warmUp?.().catch((e) => console.error(`warm-up stopped: ${(e as Error).message}`));
  const gov = deps.governance!;
  const stopRetention = scheduleRetention(store, () => gov.settings.get(), gov.audit, RETENTION_EVERY_MS);
  // Weekly team and organisation digests to the configured webhooks (Mondays 08:00 UTC; each week once).
  const digests = scheduleWeeklyDigests(new DigestService(ContextService.forStore(store, deps.query)), { hourUtc: 8, log: (s) => console.log(s) });
  const stop = async () => {
    stopRetention();
    digests.stop();
    await running.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return running;
}

export function registerServe(program: Command): void {
  serveOptions(program.command('serve').description('start the tokenboard server'), defaultDataDir()).action(async (opts: ServeOptions) => {
    let setup: string | null = null;
    const running = await startServing(opts, async (deps) => {
      setup = await deps.governance!.auth.firstRunToken();
    });
    console.log(`tokenboard listening on ${running.url}`);
    if (setup) console.log(`first run: create the first admin at ${running.url}/setup?token=${setup} (valid 24 hours, once)`);
    if (process.env.TOKENBOARD_ADMIN_TOKEN) console.log('TOKENBOARD_ADMIN_TOKEN is set: it is accepted as an admin bearer token');
    if (!opts.ingestKey) console.log('no --ingest-key given: register one (or set TOKENBOARD_INGEST_KEY) before sending events');
  });
}
