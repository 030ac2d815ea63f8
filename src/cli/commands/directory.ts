/** `tokenboard directory import FILE [--dry-run]`: load a directory CSV into the data directory's store. */
import fs from 'node:fs';
import type { Command } from 'commander';
import { parseDirectoryCsv } from '../../directory/csv.js';
import { importDirectory, type ImportReport } from '../../directory/import.js';
import { openStore } from '../../server/start.js';
import { defaultDataDir } from './serve.js';

interface ImportOpts {
  data: string;
  dryRun?: boolean;
  effective?: string;
  deactivateMissing?: boolean;
  json?: boolean;
}

function printReport(file: string, r: ImportReport, log: (s: string) => void): void {
  log(`${r.dryRun ? 'dry run: would import' : 'imported'} ${r.rows} rows from ${file}: ${r.created} new, ${r.updated} changed, ${r.unchanged} unchanged, ${r.moved} team moves, ${r.deactivated} marked left`);
  if (r.teamsCreated.length) log(`new teams: ${r.teamsCreated.join(', ')}`);
  for (const c of r.changes.slice(0, r.dryRun ? 200 : 0)) {
    const fields = Object.entries(c.changes).map(([k, v]) => `${k}: ${v.from ?? '-'} -> ${v.to ?? '-'}`).join('; ');
    log(`  ${c.action === 'create' ? '+' : '~'} ${c.email}${c.line ? ` (line ${c.line})` : ''}  ${fields}`);
  }
  if (r.dryRun && r.changes.length > 200) log(`  ... and ${r.changes.length - 200} more (use --json for all)`);
  for (const e of r.errors) log(`${file}:${e.line}: ${e.field}: ${e.reason} (row skipped)`);
  for (const w of r.warnings) log(`${file}:${w.line}: warning: ${w.field}: ${w.reason}`);
}

export function registerDirectory(program: Command): void {
  const dir = program.command('directory').description('the organisation directory: people, teams, managers');
  dir
    .command('import')
    .description('import people from a CSV file (columns: email, name, title, function, team, parent_team, manager_email, location, start_date, end_date, status, team_since, external_id, aliases)')
    .argument('<file>', 'CSV file')
    .option('-d, --data <dir>', 'data directory (SQLite file lives here)', defaultDataDir())
    .option('--dry-run', 'show what would change, change nothing')
    .option('--effective <date>', 'team changes apply from this date (default today); earlier usage stays with the old team')
    .option('--deactivate-missing', 'mark people not in the file as left')
    .option('--json', 'print the full report as JSON')
    .action(async (file: string, opts: ImportOpts) => {
      if (opts.effective !== undefined && !Number.isFinite(Date.parse(opts.effective))) {
        program.error(`--effective must be a date like 2026-03-01, got "${opts.effective}"`);
      }
      let text: Buffer;
      try {
        text = fs.readFileSync(file);
      } catch (e) {
        program.error(`cannot read ${file}: ${(e as Error).message}`);
      }
      const store = openStore(opts.data);
      try {
        const report = await importDirectory(store, parseDirectoryCsv(text!), {
          dryRun: opts.dryRun,
          effectiveFrom: opts.effective ? Date.parse(opts.effective) : undefined,
          deactivateMissing: opts.deactivateMissing,
        });
        if (opts.json) console.log(JSON.stringify(report, null, 2));
        else printReport(file, report, (s) => console.log(s));
        if (report.errors.length) process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
}
