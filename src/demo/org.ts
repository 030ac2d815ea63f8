/**
 * A deterministic synthetic organisation for `tokenboard demo`: about 1,000
 * people in 12 functions with managers, several tools and models, six months
 * of weekday rhythm, adoption spreading unevenly, a few heavy users and a few
 * automation-like accounts. Same seed and end date, same data.
 */
import type { UsageEventInput } from '../domain/event.js';
import type { PersonInput } from '../store/types.js';

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FunctionSpec {
  name: string;
  size: number;
  teams: string[];
  /** Share of people who have adopted by the end of the period. */
  adoption: number;
  /** How early adoption starts (0 = from day one, 1 = only at the end). */
  lag: number;
  tools: [tool: string, weight: number][];
}

export const FUNCTIONS: FunctionSpec[] = [
  { name: 'Engineering', size: 300, teams: ['Platform', 'Payments', 'Mobile', 'Web', 'Infrastructure', 'Search'], adoption: 0.88, lag: 0.0, tools: [['Claude Code', 5], ['Codex', 2], ['Copilot', 3], ['Gemini CLI', 1], ['ChatGPT', 1]] },
  { name: 'Data', size: 60, teams: ['Analytics', 'ML'], adoption: 0.82, lag: 0.1, tools: [['Claude Code', 3], ['Codex', 2], ['ChatGPT', 2], ['Gemini CLI', 1]] },
  { name: 'Product', size: 60, teams: ['Core Product', 'Growth'], adoption: 0.7, lag: 0.2, tools: [['ChatGPT', 4], ['Claude Code', 1]] },
  { name: 'Design', size: 40, teams: ['Product Design', 'Brand'], adoption: 0.5, lag: 0.3, tools: [['ChatGPT', 4]] },
  { name: 'Security', size: 40, teams: ['AppSec', 'SecOps'], adoption: 0.55, lag: 0.35, tools: [['Claude Code', 2], ['ChatGPT', 2]] },
  { name: 'Marketing', size: 70, teams: ['Content', 'Demand Gen'], adoption: 0.5, lag: 0.25, tools: [['ChatGPT', 5], ['Internal: Copy Studio', 2]] },
  { name: 'Customer Support', size: 120, teams: ['Support EMEA', 'Support Americas', 'Support APAC'], adoption: 0.45, lag: 0.4, tools: [['Internal: Support Assist', 5], ['ChatGPT', 2]] },
  { name: 'Sales', size: 150, teams: ['Enterprise Sales', 'Mid-Market Sales', 'Sales Engineering'], adoption: 0.3, lag: 0.5, tools: [['ChatGPT', 4], ['Internal: Deal Desk', 2]] },
  { name: 'Operations', size: 60, teams: ['Business Operations', 'IT'], adoption: 0.25, lag: 0.55, tools: [['ChatGPT', 3], ['Copilot', 1]] },
  { name: 'Finance', size: 40, teams: ['FP&A', 'Accounting'], adoption: 0.15, lag: 0.6, tools: [['ChatGPT', 3]] },
  { name: 'People', size: 35, teams: ['People Partners', 'Recruiting'], adoption: 0.2, lag: 0.6, tools: [['ChatGPT', 3]] },
  { name: 'Legal', size: 25, teams: ['Legal'], adoption: 0.1, lag: 0.75, tools: [['ChatGPT', 1]] },
];

interface ToolSpec {
  source: string;
  provider?: string;
  models: [model: string, weight: number][];
  /** Typical tokens per call: [input, output, cacheRead, cacheWrite]. */
  shape: [number, number, number, number];
  callsPerSession: number;
  coding: boolean;
}

export const TOOLS: Record<string, ToolSpec> = {
  'Claude Code': { source: 'claude-code', models: [['claude-sonnet-4-5-20250929', 7], ['claude-opus-4-1-20250805', 2], ['claude-haiku-4-5-20251001', 1]], shape: [120, 900, 42_000, 3_500], callsPerSession: 30, coding: true },
  Codex: { source: 'codex', models: [['gpt-5-codex', 7], ['gpt-5', 3]], shape: [6_000, 1_200, 18_000, 0], callsPerSession: 20, coding: true },
  Copilot: { source: 'copilot', models: [['gpt-4.1', 6], ['claude-sonnet-4-20250514', 4]], shape: [2_500, 250, 0, 0], callsPerSession: 40, coding: true },
  'Gemini CLI': { source: 'gemini-cli', models: [['gemini-2.5-pro', 6], ['gemini-2.5-flash', 4]], shape: [9_000, 1_100, 14_000, 0], callsPerSession: 15, coding: true },
  ChatGPT: { source: 'openai-api', models: [['gpt-5', 5], ['gpt-4o', 3], ['gpt-5-mini', 2]], shape: [1_800, 700, 0, 0], callsPerSession: 8, coding: false },
  'Internal: Support Assist': { source: 'otel', models: [['claude-haiku-4-5-20251001', 6], ['gpt-4o-mini', 4]], shape: [3_200, 350, 1_500, 0], callsPerSession: 12, coding: false },
  'Internal: Copy Studio': { source: 'otel', models: [['claude-sonnet-4-5-20250929', 1]], shape: [2_000, 1_500, 0, 0], callsPerSession: 6, coding: false },
  'Internal: Deal Desk': { source: 'anthropic-api', models: [['claude-sonnet-4-5-20250929', 1]], shape: [5_000, 800, 2_000, 500], callsPerSession: 5, coding: false },
};

const FIRST = ['Ana', 'Ben', 'Chloe', 'Dev', 'Elif', 'Farah', 'Goran', 'Hana', 'Ivan', 'Jia', 'Kofi', 'Lena', 'Mateo', 'Nia', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sami', 'Tomas', 'Uma', 'Viktor', 'Wen', 'Xavier', 'Yara', 'Zane', 'Aiko', 'Bruno', 'Carmen', 'Dmitri', 'Esra', 'Felix'];
const LAST = ['Silva', 'Okafor', 'Nguyen', 'Patel', 'Müller', 'Kowalski', 'Haddad', 'Tanaka', 'Johansson', 'García', 'Moreau', 'Rossi', 'Kim', 'Novak', 'Costa', 'Fischer', 'Ahmed', 'Lopez', 'Ivanova', 'Brown', 'Smith', 'Chen', 'Dubois', 'Yilmaz'];

export const DEMO_DOMAIN = 'example.com';

export interface DemoPerson extends PersonInput {
  email: string;
  adoptDay: number;
  /** Day after which the person goes idle (or Infinity). */
  idleFrom: number;
  intensity: number;
  tools: string[];
  heavy: boolean;
}

export interface DemoOrg {
  people: DemoPerson[];
  start: number;
  days: number;
}

function pick<T>(r: () => number, items: [T, number][]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let x = r() * total;
  for (const [v, w] of items) {
    x -= w;
    if (x <= 0) return v;
  }
  return items[items.length - 1]![0];
}

export function buildOrg(seed: number, endMs: number, days = 182): DemoOrg {
  const r = rng(seed);
  const end = Math.floor(endMs / 86_400_000) * 86_400_000;
  const start = end - days * 86_400_000;
  const people: DemoPerson[] = [];
  const used = new Set<string>();
  const email = (first: string, last: string) => {
    const base = `${first}.${last}`.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z.]/g, '');
    let e = `${base}@${DEMO_DOMAIN}`;
    for (let n = 2; used.has(e); n++) e = `${base}${n}@${DEMO_DOMAIN}`;
    used.add(e);
    return e;
  };
  const newPerson = (fn: FunctionSpec, team: string, title: string, manager: string | null): DemoPerson => {
    const first = FIRST[Math.floor(r() * FIRST.length)]!;
    const last = LAST[Math.floor(r() * LAST.length)]!;
    const adopts = r() < fn.adoption;
    // Adoption spreads over the period: earlier for leading functions.
    const adoptDay = adopts ? Math.floor(days * (fn.lag + (1 - fn.lag) * Math.pow(r(), 1.3)) * 0.95) : Infinity;
    const heavy = adopts && r() < 0.03;
    const idleFrom = adopts && r() < 0.08 ? Math.floor(days - 14 - r() * 40) : Infinity;
    const nTools = 1 + (r() < 0.35 ? 1 : 0) + (r() < 0.1 ? 1 : 0);
    const tools = new Set<string>();
    for (let i = 0; i < nTools; i++) tools.add(pick(r, fn.tools));
    return {
      email: email(first, last),
      name: `${first} ${last}`,
      team: `${fn.name} · ${team}`,
      function: fn.name,
      managerEmail: manager,
      title,
      status: 'active',
      startDate: new Date(start - Math.floor(r() * 2000) * 86_400_000).toISOString().slice(0, 10),
      adoptDay,
      idleFrom,
      intensity: heavy ? 6 + r() * 6 : Math.exp((r() - 0.5) * 1.6),
      tools: [...tools],
      heavy,
    };
  };
  const ceo = newPerson(FUNCTIONS[2]!, 'Core Product', 'Chief Executive Officer', null);
  people.push(ceo);
  for (const fn of FUNCTIONS) {
    const head = newPerson(fn, fn.teams[0]!, `Head of ${fn.name}`, ceo.email);
    people.push(head);
    let remaining = fn.size - 1 - (fn === FUNCTIONS[2] ? 1 : 0);
    for (let t = 0; t < fn.teams.length; t++) {
      const teamSize = t === fn.teams.length - 1 ? remaining : Math.round(remaining / (fn.teams.length - t));
      remaining -= teamSize;
      let lead: DemoPerson | null = null;
      for (let i = 0; i < teamSize; i++) {
        if (i === 0 || i % 9 === 0) {
          lead = newPerson(fn, fn.teams[t]!, 'Manager', head.email);
          people.push(lead);
        } else {
          people.push(newPerson(fn, fn.teams[t]!, fn.name === 'Engineering' ? 'Engineer' : 'Specialist', lead!.email));
        }
      }
    }
  }
  return { people, start, days };
}

/** Automation-like accounts: API keys with flat round-the-clock traffic. */
export const AUTOMATION = [
  { apiKeyId: 'svc-ticket-triage', tool: 'Internal: Support Assist', callsPerHour: 40 },
  { apiKeyId: 'svc-nightly-codegen', tool: 'Claude Code', callsPerHour: 25 },
  { apiKeyId: 'svc-doc-summariser', tool: 'ChatGPT', callsPerHour: 15 },
];

/**
 * Yield usage events day by day. One event per person, tool and active hour
 * (a session's calls are summed), like an hourly OTLP export.
 */
export function* demoEvents(org: DemoOrg, seed: number): Generator<UsageEventInput[]> {
  const r = rng(seed ^ 0x5eed);
  for (let d = 0; d < org.days; d++) {
    const dayStart = org.start + d * 86_400_000;
    const dow = new Date(dayStart).getUTCDay();
    const weekend = dow === 0 || dow === 6;
    const batch: UsageEventInput[] = [];
    const growth = 0.6 + 0.4 * (d / org.days);
    for (const p of org.people) {
      if (d < p.adoptDay || d >= p.idleFrom) continue;
      const pActive = (weekend ? 0.06 : 0.72) * (p.heavy ? 1.3 : 1) * Math.min(1, 0.5 + 0.5 * p.intensity);
      if (r() > pActive) continue;
      for (const tool of p.tools) {
        if (p.tools.length > 1 && r() < 0.45) continue;
        const spec = TOOLS[tool]!;
        const sessions = 1 + Math.floor(r() * 2.2 * Math.sqrt(p.intensity));
        for (let s = 0; s < sessions; s++) {
          const hour = 8 + Math.floor(r() * 10);
          const t = dayStart + hour * 3_600_000 + Math.floor(r() * 3_600_000);
          const calls = Math.max(1, Math.round(spec.callsPerSession * p.intensity * growth * (0.4 + r())));
          const model = pick(r, spec.models);
          const [i, o, cr, cw] = spec.shape;
          const jitter = () => 0.6 + r() * 0.8;
          const out = Math.round(o * calls * jitter());
          const ev: UsageEventInput = {
            key: `demo:${p.email}:${d}:${tool}:${s}`,
            time: t,
            source: spec.source,
            tool,
            model,
            identity: { email: p.email },
            sessionId: `${p.email}:${d}:${tool}:${s}`,
            tokens: {
              input: Math.round(i * calls * jitter()),
              output: out,
              cacheRead: Math.round(cr * calls * jitter()),
              cacheWrite: Math.round(cw * calls * jitter()),
              reasoning: model.startsWith('gpt-5') ? Math.round(out * 0.4) : 0,
            },
            requests: calls,
            attributes: { department: p.function! },
          };
          if (spec.coding) {
            const lines = Math.round(calls * (3 + r() * 12));
            ev.activity =
              tool === 'Copilot'
                ? { editsAccepted: Math.round(calls * 0.3), editsRejected: Math.round(calls * 0.6), activeSeconds: calls * 40 }
                : { linesAdded: lines, linesRemoved: Math.round(lines * 0.35), commits: r() < 0.45 ? 1 + Math.floor(r() * 2) : 0, pullRequests: r() < 0.12 ? 1 : 0, activeSeconds: calls * 55 };
          }
          batch.push(ev);
        }
      }
    }
    for (const a of AUTOMATION) {
      const spec = TOOLS[a.tool]!;
      for (let h = 0; h < 24; h++) {
        const calls = Math.round(a.callsPerHour * (0.9 + r() * 0.2));
        const [i, o, cr, cw] = spec.shape;
        batch.push({
          key: `demo:${a.apiKeyId}:${d}:${h}`,
          time: dayStart + h * 3_600_000 + 1_800_000,
          source: spec.source,
          tool: a.tool,
          model: spec.models[0]![0],
          identity: { apiKeyId: a.apiKeyId },
          tokens: { input: i * calls, output: o * calls, cacheRead: cr * calls, cacheWrite: cw * calls, reasoning: 0 },
          requests: calls,
          attributes: { department: 'Automation' },
        });
      }
    }
    yield batch;
  }
}
