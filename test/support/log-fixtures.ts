/** A writable copy of the local-log fixtures (test/fixtures: Claude Code config dirs and a Codex home), and the environment that points reports and the collector at it. */
import { cpSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function copyLogFixtures(prefix: string): { work: string; env: NodeJS.ProcessEnv } {
  const work = mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const dir of ['claude-code', 'codex']) cpSync(path.resolve('test/fixtures', dir), path.join(work, dir), { recursive: true });
  return { work, env: { CLAUDE_CONFIG_DIR: `${work}/claude-code/config-a,${work}/claude-code/config-b`, CODEX_HOME: `${work}/codex/home` } };
}
