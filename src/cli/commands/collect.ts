/** `tokenboard collect`: upload usage counters from local Claude Code and Codex logs, incrementally. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { collectOnce, scanNew, type ScanOptions } from '../../sources/local/collect/collect.js';
import { defaultConfigFile, loadConfig, resolveConfig, saveConfig, type CollectorConfig } from '../../sources/local/collect/config.js';
import { currentCrontab, detectScheduler, install, schedule } from '../../sources/local/collect/install.js';
import { defaultStateDir } from '../../sources/local/collect/state.js';
import { progressBar } from '../../sources/local/progress.js';
import { parseSources, printWarnings } from './usage.js';

interface CollectFlags {
  server?: string;
  key?: string;
  ingestKey?: string;
  email?: string;
  source?: string;
  stateDir?: string;
  config?: string;
  show?: boolean;
  watch?: boolean;
  interval: string;
  install?: boolean;
  every: string;
  plainProjects?: boolean;
}

export function registerCollect(program: Command): void {
  program
    .command('collect')
    .description('send usage counters from local Claude Code and Codex logs to a tokenboard server (only what is new since the last run)')
    .option('--server <url>', 'tokenboard server, e.g. https://tokenboard.example.com (or TOKENBOARD_SERVER)')
    .option('--key <key>', 'ingest key (or TOKENBOARD_INGEST_KEY)')
    .option('--ingest-key <key>', 'same as --key')
    .option('--email <email>', 'your email, to attribute the usage to you (or TOKENBOARD_EMAIL)')
    .option('--source <list>', 'claude-code, codex or all')
    .option('--plain-projects', 'send project paths as they are instead of hashed')
    .option('--show', 'print the events that would be sent (counters only) and change nothing')
    .option('--watch', 'keep running and send new usage as it appears')
    .option('--interval <seconds>', 'with --watch: seconds between passes', '60')
    .option('--install', 'save these settings and run the collector periodically (systemd user timer, launchd or cron)')
    .option('--every <minutes>', 'with --install: minutes between runs', '30')
    .option('--state-dir <dir>', 'where cursors and the spool live')
    .option('--config <file>', 'settings file written by --install')
    .action(async (f: CollectFlags) => {
      const configFile = f.config ?? defaultConfigFile();
      const flags: CollectorConfig = { server: f.server, key: f.key ?? f.ingestKey, email: f.email, sources: f.source, plainProjects: f.plainProjects };
      const cfg = resolveConfig(flags, process.env, loadConfig(configFile));
      const scan: ScanOptions = {
        sources: parseSources(cfg.sources ?? 'all'),
        stateDir: f.stateDir ?? defaultStateDir(),
        identity: { email: cfg.email?.toLowerCase(), plainProjects: cfg.plainProjects },
      };
      if (f.show) {
        const r = scanNew(scan, (events) => {
          for (const e of events) process.stdout.write(JSON.stringify(e) + '\n');
        }, false);
        printWarnings(r.warnings, r.malformedLines);
        process.stderr.write(`${r.events} event(s) from ${r.filesRead} of ${r.files} file(s) would be sent${r.heldBack ? `; ${r.heldBack} line(s) of a response still being written wait for the next run` : ''}\n`);
        return;
      }
      if (!cfg.server || !cfg.key) throw new Error('collect needs --server URL and --key KEY (or TOKENBOARD_SERVER / TOKENBOARD_INGEST_KEY, or a config saved with --install)');
      if (f.install) {
        saveConfig(configFile, { server: cfg.server, key: cfg.key, email: cfg.email, sources: cfg.sources, plainProjects: cfg.plainProjects });
        const kind = detectScheduler();
        const argv = [process.execPath, process.argv[1]!, 'collect', '--config', configFile, ...(f.stateDir ? ['--state-dir', f.stateDir] : [])];
        const every = Math.max(1, Math.round(Number(f.every) || 30));
        const plan = schedule(kind, argv, (await import('node:os')).homedir(), every, kind === 'cron' ? currentCrontab() : '');
        install(kind, plan);
        console.log(`settings saved to ${configFile} (mode 600)`);
        console.log(`scheduled with ${kind} every ${every} minutes: ${plan.files.map((x) => (x.path === '-' ? 'crontab' : x.path)).join(', ')}`);
      }
      const upload = { server: cfg.server, key: cfg.key, log: (s: string) => process.stderr.write(`${s}\n`) };
      const stop = new AbortController();
      if (f.watch) for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
      do {
        const bar = progressBar('reading logs');
        const r = await collectOnce({ ...scan, upload, onProgress: bar.update });
        bar.end();
        printWarnings(r.scan.warnings, r.scan.malformedLines);
        console.log(
          `${new Date().toISOString()} read ${r.scan.filesRead}/${r.scan.files} file(s), spooled ${r.scan.events} event(s); ` +
            `sent ${r.upload.batches} batch(es): ${r.upload.accepted} new, ${r.upload.duplicates} already known` +
            (r.upload.rejectedItems ? `, ${r.upload.rejectedItems} rejected` : ''),
        );
        if (r.upload.error) {
          process.stderr.write(`${r.upload.error}\n`);
          if (!f.watch) process.exitCode = 1;
        }
        if (!f.watch) break;
        await sleep(Math.max(1, Number(f.interval) || 60) * 1000, undefined, { signal: stop.signal }).catch(() => undefined);
      } while (!stop.signal.aborted);
    });
}
