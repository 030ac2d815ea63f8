/** Collector settings: flags, then environment, then the config file written by --install. */
import os from 'node:os';
import path from 'node:path';
import { readJson, writeFileAtomic } from './state.js';

export interface CollectorConfig {
  server?: string;
  key?: string;
  email?: string;
  sources?: string;
  plainProjects?: boolean;
}

export function defaultConfigFile(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'tokenboard', 'collector.json');
}

export function loadConfig(file: string): CollectorConfig {
  return readJson<CollectorConfig>(file, {});
}

/** Saved with mode 0600: it holds the ingest key. */
export function saveConfig(file: string, c: CollectorConfig): void {
  writeFileAtomic(file, JSON.stringify(c, null, 2) + '\n', 0o600);
}

export function resolveConfig(flags: CollectorConfig, env: NodeJS.ProcessEnv, file: CollectorConfig): CollectorConfig {
  return {
    server: flags.server ?? env.TOKENBOARD_SERVER ?? file.server,
    key: flags.key ?? env.TOKENBOARD_INGEST_KEY ?? file.key,
    email: flags.email ?? env.TOKENBOARD_EMAIL ?? file.email,
    sources: flags.sources ?? file.sources,
    plainProjects: flags.plainProjects ?? file.plainProjects,
  };
}
