/**
 * `tokenboard collect --install`: run the collector periodically for the
 * current user with whatever scheduler the machine has: a systemd user timer,
 * a launchd agent (macOS), or a crontab line. Claude Code deletes transcripts
 * after 30 days, so usage not collected before then is gone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export type Scheduler = 'systemd' | 'launchd' | 'cron';
export const UNIT = 'tokenboard-collect';
export const LAUNCHD_LABEL = 'dev.tokenboard.collect';
const CRON_MARK = '# tokenboard-collect';

export function detectScheduler(platform = process.platform): Scheduler {
  if (platform === 'darwin') return 'launchd';
  const r = spawnSync('systemctl', ['--user', 'show-environment'], { stdio: 'ignore' });
  return r.status === 0 ? 'systemd' : 'cron';
}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface ScheduleFiles {
  files: { path: string; content: string }[];
  /** Commands that activate the schedule. */
  activate: string[][];
}

/** What to write and run for a scheduler; `command` is argv of `tokenboard collect`. */
export function schedule(kind: Scheduler, command: string[], home: string, everyMinutes: number, existingCrontab = ''): ScheduleFiles {
  const line = command.map(shellQuote).join(' ');
  if (kind === 'systemd') {
    const dir = path.join(home, '.config', 'systemd', 'user');
    return {
      files: [
        {
          path: path.join(dir, `${UNIT}.service`),
          content: `[Unit]\nDescription=tokenboard: upload local AI usage counters\n\n[Service]\nType=oneshot\nExecStart=${line}\n`,
        },
        {
          path: path.join(dir, `${UNIT}.timer`),
          content: `[Unit]\nDescription=tokenboard collector every ${everyMinutes} minutes\n\n[Timer]\nOnBootSec=2min\nOnUnitActiveSec=${everyMinutes}min\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n`,
        },
      ],
      activate: [
        ['systemctl', '--user', 'daemon-reload'],
        ['systemctl', '--user', 'enable', '--now', `${UNIT}.timer`],
      ],
    };
  }
  if (kind === 'launchd') {
    const file = path.join(home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
    const args = command.map((a) => `    <string>${xml(a)}</string>`).join('\n');
    return {
      files: [
        {
          path: file,
          content: `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n<dict>\n  <key>Label</key>\n  <string>${LAUNCHD_LABEL}</string>\n  <key>ProgramArguments</key>\n  <array>\n${args}\n  </array>\n  <key>StartInterval</key>\n  <integer>${everyMinutes * 60}</integer>\n  <key>RunAtLoad</key>\n  <true/>\n</dict>\n</plist>\n`,
        },
      ],
      activate: [['launchctl', 'load', '-w', file]],
    };
  }
  const kept = existingCrontab.split('\n').filter((l) => l && !l.endsWith(CRON_MARK));
  const crontab = [...kept, `*/${everyMinutes} * * * * ${line} >/dev/null 2>&1 ${CRON_MARK}`].join('\n') + '\n';
  return { files: [{ path: '-', content: crontab }], activate: [['crontab', '-']] };
}

/** Write the files and run the activation commands (crontab gets its content on stdin). */
export function install(kind: Scheduler, s: ScheduleFiles): void {
  for (const f of s.files) {
    if (f.path === '-') continue;
    mkdirSync(path.dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.content);
  }
  for (const argv of s.activate) {
    const input = kind === 'cron' ? s.files[0]!.content : undefined;
    execFileSync(argv[0]!, argv.slice(1), { input, stdio: input ? ['pipe', 'inherit', 'inherit'] : 'inherit' });
  }
}

export function currentCrontab(): string {
  const r = spawnSync('crontab', ['-l'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : '';
}
