/**
 * `tokenboard checkin`: post this week's check-in to a tokenboard server.
 *
 *   tokenboard checkin --tried "Codex on flaky tests" --learned "give it the CI log"
 *   tokenboard checkin < notes.md          # sections: ## Tried, ## Team, ## Company, ## Learned, ## Tags
 *   tokenboard checkin                     # opens $VISUAL / $EDITOR on that template
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';

export interface CheckinOptions {
  server: string;
  token?: string;
  tried?: string;
  team?: string;
  company?: string;
  learned?: string;
  tag?: string[];
  visibility: string;
  week?: string;
  json?: boolean;
}

export interface CheckinIO {
  stdin: Readable & { isTTY?: boolean };
  out: (s: string) => void;
  err: (s: string) => void;
  env: NodeJS.ProcessEnv;
}

const SECTIONS: Record<string, 'tried' | 'triedForTeam' | 'triedForCompany' | 'learned' | 'tags'> = {
  tried: 'tried',
  team: 'triedForTeam',
  company: 'triedForCompany',
  learned: 'learned',
  tags: 'tags',
};

export const TEMPLATE = `# Weekly check-in. Lines starting with a single # are ignored; leave a section empty to skip it.
# Failed experiments count: what did you learn?
## Tried (for yourself)

## Team (what you tried for your team)

## Company (for the company)

## Learned

## Tags (comma-separated)

`;

export class CheckinParseError extends Error {}

/** Parse the sectioned text; `source` names the file (or stdin) in errors. */
export function parseCheckinText(text: string, source: string): Record<string, unknown> {
  const out: Record<string, string[]> = {};
  let current: string | undefined;
  const lines = text.split(/\r?\n/);
  const hasSections = lines.some((l) => /^##\s/.test(l));
  if (!hasSections) return text.trim() ? { learned: text.trim() } : {};
  lines.forEach((line, i) => {
    const h = /^##\s+(\w+)/.exec(line);
    if (h) {
      const key = SECTIONS[h[1]!.toLowerCase()];
      if (!key) throw new CheckinParseError(`${source}:${i + 1}: unknown section "${h[1]}"; expected one of Tried, Team, Company, Learned, Tags`);
      current = key;
      out[current] ??= [];
      return;
    }
    if (/^#(?!#)/.test(line)) return;
    if (!current) {
      if (line.trim()) throw new CheckinParseError(`${source}:${i + 1}: text before the first section; start with "## Tried" or "## Learned"`);
      return;
    }
    out[current]!.push(line);
  });
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(out)) {
    const t = v.join('\n').trim();
    if (!t) continue;
    body[k] = k === 'tags' ? t.split(/[,\s]+/).filter(Boolean) : t;
  }
  return body;
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks).toString('utf8');
}

function fromEditor(env: NodeJS.ProcessEnv): { text: string; file: string } {
  const editor = env.VISUAL || env.EDITOR;
  if (!editor) throw new CheckinParseError('nothing to post: pass --tried/--team/--company/--learned, pipe text on stdin, or set $EDITOR');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenboard-checkin-'));
  const file = path.join(dir, 'CHECKIN.md');
  fs.writeFileSync(file, TEMPLATE);
  // The editor may be a command with arguments ("code --wait"), so run it through the shell.
  const r = spawnSync(`${editor} "${file}"`, { shell: true, stdio: 'inherit', env });
  if (r.status !== 0) throw new CheckinParseError(`editor "${editor}" exited with ${r.status ?? r.signal}; nothing posted`);
  const text = fs.readFileSync(file, 'utf8');
  fs.rmSync(dir, { recursive: true, force: true });
  return { text, file };
}

/** Build the body, post it, print the answer. Returns the exit code. */
export async function runCheckin(opts: CheckinOptions, io: CheckinIO): Promise<number> {
  let body: Record<string, unknown>;
  try {
    const flags = { tried: opts.tried, triedForTeam: opts.team, triedForCompany: opts.company, learned: opts.learned };
    if (Object.values(flags).some((v) => v !== undefined)) {
      body = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
    } else if (!io.stdin.isTTY) {
      body = parseCheckinText(await readAll(io.stdin), 'stdin');
    } else {
      const { text } = fromEditor(io.env);
      body = parseCheckinText(text, 'CHECKIN.md');
    }
  } catch (err) {
    if (err instanceof CheckinParseError) {
      io.err(`tokenboard checkin: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const tags = [...((body.tags as string[] | undefined) ?? []), ...(opts.tag ?? []).flatMap((t) => t.split(','))].map((t) => t.trim()).filter(Boolean);
  body = { ...body, tags, visibility: opts.visibility, ...(opts.week ? { week: opts.week } : {}) };
  if (!['tried', 'triedForTeam', 'triedForCompany', 'learned'].some((k) => body[k])) {
    io.err('tokenboard checkin: nothing to post (every section is empty)');
    return 2;
  }
  if (!opts.token) {
    io.err('tokenboard checkin: a token is required (--token or TOKENBOARD_TOKEN)');
    return 2;
  }
  let res: Response;
  const url = new URL('/api/v1/context/checkins', opts.server).toString();
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.token}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    io.err(`tokenboard checkin: cannot reach ${url}: ${(err as Error).cause ?? (err as Error).message}`);
    return 1;
  }
  const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    io.err(`tokenboard checkin: ${res.status} ${String(answer.error ?? res.statusText)}`);
    return 1;
  }
  if (opts.json) io.out(JSON.stringify(answer, null, 2));
  else {
    const who = answer.visibility === 'private' ? 'kept private' : answer.visibility === 'team' ? `shared with ${String(answer.team)}` : 'shared with the organisation';
    io.out(`check-in #${String(answer.id)} for the week of ${String(answer.week)}: ${who}`);
  }
  return 0;
}

export function registerCheckin(program: Command): void {
  program
    .command('checkin')
    .description("post this week's check-in: what did you try new (for yourself, your team, the company), and what did you learn?")
    .option('--server <url>', 'tokenboard server (or TOKENBOARD_URL)', process.env.TOKENBOARD_URL ?? 'http://127.0.0.1:3000')
    .option('--token <token>', 'your API token (or TOKENBOARD_TOKEN)', process.env.TOKENBOARD_TOKEN)
    .option('--tried <text>', 'what you tried new for yourself')
    .option('--team <text>', 'what you tried for your team')
    .option('--company <text>', 'what you tried for the company')
    .option('--learned <text>', 'what you learned (failures count)')
    .option('--tag <tags...>', 'tags (repeat or comma-separate)')
    .option('--visibility <who>', 'private, team or organisation', 'team')
    .option('--week <date>', 'a day of the week the check-in is about (default this week)')
    .option('--json', 'print the stored check-in as JSON')
    .action(async (opts: CheckinOptions) => {
      process.exitCode = await runCheckin(opts, {
        stdin: process.stdin,
        out: (s) => console.log(s),
        err: (s) => console.error(s),
        env: process.env,
      });
    });
}
