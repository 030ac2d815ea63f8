/**
 * Directory import: compare incoming people with the stored directory, report
 * what would change (dry run), and apply it. Used by the CLI, the HTTP import
 * API and (per person) by SCIM.
 */
import type { PersonInput, PersonRecord, Store } from '../store/types.js';
import type { RowError } from './csv.js';

export interface FieldChange {
  from: string | null;
  to: string | null;
}

export interface PersonChange {
  line?: number;
  email: string;
  action: 'create' | 'update';
  changes: Record<string, FieldChange>;
}

export interface ImportReport {
  dryRun: boolean;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  moved: number;
  deactivated: number;
  teamsCreated: string[];
  errors: RowError[];
  warnings: RowError[];
  /** Every person that would change (or did), with field-level differences. */
  changes: PersonChange[];
}

export interface ImportOptions {
  dryRun?: boolean;
  /** When team changes apply from (epoch ms); default now. */
  effectiveFrom?: number;
  /** Mark people missing from the import inactive (a full sync). */
  deactivateMissing?: boolean;
}

type Incoming = PersonInput & { line?: number };

const COMPARED: [keyof PersonInput, keyof PersonRecord][] = [
  ['name', 'name'],
  ['title', 'title'],
  ['function', 'function'],
  ['team', 'team'],
  ['managerEmail', 'managerEmail'],
  ['location', 'location'],
  ['startDate', 'startDate'],
  ['endDate', 'endDate'],
  ['status', 'status'],
  ['externalId', 'externalId'],
];

/** What applying `incoming` to `current` would change. Pure. */
export function planImport(current: PersonRecord[], teamNames: Set<string>, incoming: Incoming[], opts: ImportOptions = {}): Omit<ImportReport, 'rows' | 'errors'> & { accepted: Incoming[] } {
  const byEmail = new Map(current.map((p) => [p.email, p]));
  const seen = new Map<string, number | undefined>();
  const report = { dryRun: !!opts.dryRun, created: 0, updated: 0, unchanged: 0, moved: 0, deactivated: 0, teamsCreated: [] as string[], warnings: [] as RowError[], changes: [] as PersonChange[], accepted: [] as Incoming[] };
  const newTeams = new Set<string>();
  const incomingEmails = new Set(incoming.map((p) => p.email));
  for (const p of incoming) {
    if (seen.has(p.email)) {
      report.warnings.push({ line: p.line ?? 0, field: 'email', reason: `duplicate of line ${seen.get(p.email)}; this row is skipped` });
      continue;
    }
    seen.set(p.email, p.line);
    if (p.managerEmail && !byEmail.has(p.managerEmail) && !incomingEmails.has(p.managerEmail)) {
      report.warnings.push({ line: p.line ?? 0, field: 'manager_email', reason: `${p.managerEmail} is not in the directory or this file; manager left unset` });
    }
    if (p.managerEmail === p.email) report.warnings.push({ line: p.line ?? 0, field: 'manager_email', reason: 'a person cannot manage themselves; ignored' });
    for (const t of [p.team, p.parentTeam]) if (t && !teamNames.has(t) && !newTeams.has(t)) newTeams.add(t);
    report.accepted.push(p);
    const cur = byEmail.get(p.email);
    if (!cur) {
      const changes: Record<string, FieldChange> = {};
      for (const [k] of COMPARED) if (p[k] != null) changes[k] = { from: null, to: String(p[k]) };
      report.changes.push({ line: p.line, email: p.email, action: 'create', changes });
      report.created++;
      continue;
    }
    const changes: Record<string, FieldChange> = {};
    for (const [k, rk] of COMPARED) {
      const to = p[k];
      if (to === undefined || to === null) continue;
      const from = (cur[rk] as string | null | undefined) ?? null;
      if (String(to) !== from) changes[k] = { from, to: String(to) };
    }
    const aliasesNow = new Set((cur.aliases ?? []).map((a) => `${a.kind}:${a.value}`));
    const added = (p.aliases ?? []).map((a) => `${a.kind}:${a.value}`).filter((a) => !aliasesNow.has(a));
    if (added.length) changes.aliases = { from: null, to: added.join('; ') };
    if (changes.team || changes.function) report.moved++;
    if (Object.keys(changes).length) {
      report.changes.push({ line: p.line, email: p.email, action: 'update', changes });
      report.updated++;
    } else report.unchanged++;
  }
  if (opts.deactivateMissing) {
    for (const c of current) {
      if (c.status !== 'active' || seen.has(c.email)) continue;
      report.deactivated++;
      report.changes.push({ email: c.email, action: 'update', changes: { status: { from: 'active', to: 'inactive' } } });
    }
  }
  report.teamsCreated = [...newTeams].sort();
  return report;
}

/** Plan, and unless it is a dry run, apply. */
export async function importDirectory(store: Store, parsed: { people: Incoming[]; errors: RowError[]; rows: number }, opts: ImportOptions = {}): Promise<ImportReport> {
  const [current, teams] = await Promise.all([store.listPeople(), store.listTeams()]);
  const plan = planImport(current, new Set(teams.map((t) => t.name)), parsed.people, opts);
  const { accepted, ...report } = plan;
  if (!opts.dryRun && (accepted.length || opts.deactivateMissing)) {
    await store.upsertPeople(
      accepted.map(({ line: _line, ...p }) => p),
      { effectiveFrom: opts.effectiveFrom, deactivateMissing: opts.deactivateMissing },
    );
  }
  return { ...report, rows: parsed.rows, errors: parsed.errors };
}
