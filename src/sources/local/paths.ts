/** Finding local log directories and their JSONL files. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Existing directories among `candidates`, each once, in order. */
export function existingDirs(candidates: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const c of candidates) {
    const abs = path.resolve(c);
    if (seen.has(abs)) continue;
    seen.add(abs);
    try {
      if (statSync(abs).isDirectory()) out.push(abs);
    } catch {
      /* missing: not an error, the tool may simply not be installed */
    }
  }
  return out;
}

/** Split a list-valued environment variable (comma separated, as CLAUDE_CONFIG_DIR allows). */
export function envList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export interface LogFile {
  path: string;
  root: string;
  size: number;
  mtimeMs: number;
  /** Inode: a replaced file has a new one. */
  ino: number;
}

/** Every *.jsonl file below `root`, sorted by path for reproducible order. */
export function listJsonl(root: string): LogFile[] {
  if (!existsSync(root)) return [];
  const out: LogFile[] = [];
  const walk = (dir: string) => {
    let items;
    try {
      items = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const it of items) {
      const p = path.join(dir, it.name);
      if (it.isDirectory()) walk(p);
      else if (it.name.endsWith('.jsonl') && (it.isFile() || it.isSymbolicLink())) {
        try {
          const st = statSync(p);
          out.push({ path: p, root, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
        } catch {
          /* vanished between listing and stat */
        }
      }
    }
  };
  walk(root);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
