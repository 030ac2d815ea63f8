/**
 * Directory import benchmark: a 100,000-person CSV (teams in a tree, managers,
 * aliases) imported into a fresh SQLite file, then a dry run and an apply of
 * the same file with 1 % of people changed (title or team). Target: < 30 s.
 *
 *   npm run bench:directory            # 100,000 people
 *   PEOPLE=20000 npm run bench:directory
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDirectoryCsv } from '../src/directory/csv.js';
import { importDirectory } from '../src/directory/import.js';
import { rng } from '../src/demo/org.js';
import { SqliteStore } from '../src/store/sqlite/store.js';

const N = Number(process.env.PEOPLE ?? 100_000);
const FUNCTIONS = ['Engineering', 'Data', 'Product', 'Design', 'Security', 'Marketing', 'Support', 'Sales', 'Operations', 'Finance', 'People', 'Legal'];

function csv(n: number, seed: number, changed = 0): string {
  const r = rng(seed);
  const change = rng(seed + 1);
  const lines = ['email,name,title,function,team,parent_team,manager_email,location,start_date,status,aliases'];
  for (let i = 0; i < n; i++) {
    const fn = FUNCTIONS[i % FUNCTIONS.length]!;
    const team = `${fn} ${1 + Math.floor(r() * 40)}`;
    const mgr = i < 100 ? '' : `p${Math.floor(i / 10)}@example.com`;
    const move = change() < changed;
    const title = move && change() < 0.5 ? 'Senior Engineer' : 'Engineer';
    lines.push(
      [`p${i}@example.com`, `Person ${i}`, title, fn, move && title === 'Engineer' ? `${fn} 41` : team, fn, mgr, ['Berlin', 'Lisbon', 'Austin'][i % 3], '2024-01-15', 'active', `accountId:acc_${i};apiKeyId:key_${i}`].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-bench-dir-'));
const store = new SqliteStore({ file: path.join(dir, 'tokenboard.db') });
const t = () => performance.now();
const sec = (ms: number) => (ms / 1000).toFixed(2);

const text = csv(N, 42);
console.log(`directory import: ${N.toLocaleString('en')} people, ${(text.length / 1e6).toFixed(1)} MB CSV`);
let t0 = t();
const parsed = parseDirectoryCsv(text);
const tParse = t() - t0;
t0 = t();
const first = await importDirectory(store, parsed);
const tFirst = t() - t0;
console.log(`  parse ${sec(tParse)} s, import ${sec(tFirst)} s -> total ${sec(tParse + tFirst)} s (${first.created} created, ${first.errors.length} errors)`);

const again = parseDirectoryCsv(csv(N, 42, 0.01));
t0 = t();
const dry = await importDirectory(store, again, { dryRun: true });
const tDry = t() - t0;
t0 = t();
await importDirectory(store, again);
const tApply = t() - t0;
console.log(`  re-import with 1 % changed: dry run ${sec(tDry)} s (${dry.updated} changes, ${dry.moved} moves), apply ${sec(tApply)} s`);
console.log(`  people ${await store.countPeople()}, database ${((await store.sizeOnDisk()) / 1e6).toFixed(1)} MB`);
await store.close();
fs.rmSync(dir, { recursive: true, force: true });
