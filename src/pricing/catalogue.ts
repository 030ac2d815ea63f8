/**
 * The price catalogue: a snapshot of @pydantic/genai-prices bundled with the
 * app (catalogue.snapshot.json, refreshed by `npm run prices:refresh`), so
 * pricing works offline and totals are reproducible.
 *
 * Model matching uses the library's own matcher (calcPrice against the
 * snapshot provider), cached per (provider, model); rates are then evaluated
 * here because the ingest path prices every event and must stay cheap.
 */
import { calcPrice, updatePrices, type ModelInfo, type ModelPrice, type Provider } from '@pydantic/genai-prices';
import snapshot from './catalogue.snapshot.json' with { type: 'json' };

export interface Snapshot {
  source: string;
  generatedAt: string;
  providers: Provider[];
}

/** A rate in USD per million tokens, possibly tiered by prompt size (total input tokens per request). */
export interface TieredRate {
  base: number;
  tiers: { start: number; price: number }[];
}

/** The six rates tokenboard prices with, in USD per million tokens. */
export interface Rates<R = TieredRate> {
  input: R;
  output: R;
  cacheRead: R;
  cacheWrite: R;
  cacheWrite1h: R;
  /** Reasoning tokens are part of output; this is their rate (the output rate unless a contract says otherwise). */
  reasoning: R;
}
export const RATE_KEYS = ['input', 'output', 'cacheRead', 'cacheWrite', 'cacheWrite1h', 'reasoning'] as const;

export interface CatalogueModel {
  provider: string;
  id: string;
  name: string;
}

/** Our provider names (from inferProvider and sources) mapped to the catalogue's ids. */
const PROVIDER_ALIASES: Record<string, string> = {
  xai: 'x-ai',
  grok: 'x-ai',
  bedrock: 'aws',
  'amazon-bedrock': 'aws',
  vertex: 'google',
  'vertex-ai': 'google',
  gemini: 'google',
  'azure-openai': 'azure',
  copilot: 'github-copilot',
  meta: 'together',
};
// The library's own provider data (used where a provider lists fallback providers) is the
// snapshot too, so one catalogue decides every price (and the CLI bundle can leave the library's
// built-in copy out: scripts/bundle-cli.mjs).
updatePrices(({ setProviderData }) => setProviderData((snapshot as unknown as Snapshot).providers));

/** Tried in this order when the event's provider is unknown or has no such model. */
const FALLBACK_ORDER = ['anthropic', 'openai', 'google', 'mistral', 'deepseek', 'x-ai', 'cohere', 'moonshotai', 'zai'];

export function snapshotInfo(): { source: string; generatedAt: string; providers: number; models: number } {
  const s = snapshot as unknown as Snapshot;
  return { source: s.source, generatedAt: s.generatedAt, providers: s.providers.length, models: s.providers.reduce((n, p) => n + p.models.length, 0) };
}

function toTiered(v: ModelPrice[string]): TieredRate | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return { base: v, tiers: [] };
  return { base: v.base, tiers: [...v.tiers].sort((a, b) => a.start - b.start) };
}

/** The catalogue's prices for a model at a time (conditional prices by start date or time of day). */
const DAY_MS = 86_400_000;

function pricesAt(model: ModelInfo, time: number): ModelPrice {
  if (!Array.isArray(model.prices)) return model.prices;
  for (let i = model.prices.length - 1; i >= 0; i--) {
    const c = model.prices[i]!;
    const k = c.constraint;
    if (!k) return c.prices;
    if (k.type === 'start_date') {
      if (time >= startOf(k)) return c.prices;
    } else {
      // Seconds since UTC midnight (no Date: pricing runs for every event).
      const sec = Math.floor((((time % DAY_MS) + DAY_MS) % DAY_MS) / 1000);
      const s = hms(k.start_time);
      const e = hms(k.end_time);
      if (e < s ? sec >= s || sec < e : sec >= s && sec < e) return c.prices;
    }
  }
  return model.prices[0]!.prices;
}

/** Start dates parsed once per constraint (pricing runs for every event). */
const starts = new WeakMap<object, number>();
function startOf(k: { start_date: string }): number {
  let t = starts.get(k);
  if (t === undefined) starts.set(k, (t = Date.parse(k.start_date)));
  return t;
}

function hms(s: string): number {
  const [h, m, sec] = s.split(':').map(Number);
  return (h ?? 0) * 3600 + (m ?? 0) * 60 + (sec ?? 0);
}

export class Catalogue {
  private readonly providers = new Map<string, Provider>();
  /** Per provider name, per model name (nested: no key string to build per event). */
  private readonly resolved = new Map<string, Map<string, { provider: Provider; model: ModelInfo } | null>>();
  /** Rates per catalogue price object: pricing runs for every ingested event, so build them once. */
  private readonly ratesOf = new WeakMap<ModelPrice, Rates>();

  constructor(readonly snap: Snapshot = snapshot as unknown as Snapshot) {
    for (const p of snap.providers) this.providers.set(p.id, p);
  }

  /** Find the catalogue model for an event's provider and model name, or null when it is unknown. */
  resolve(provider: string, model: string): { provider: Provider; model: ModelInfo } | null {
    let byModel = this.resolved.get(provider);
    if (byModel === undefined) this.resolved.set(provider, (byModel = new Map()));
    const hit = byModel.get(model);
    if (hit !== undefined) return hit;
    const name = model.trim().replace(/^[a-z0-9_-]+\//i, '').replace(/@.*$/, '');
    const first = PROVIDER_ALIASES[provider.toLowerCase()] ?? provider.toLowerCase();
    let found: { provider: Provider; model: ModelInfo } | null = null;
    for (const id of [first, ...FALLBACK_ORDER.filter((p) => p !== first)]) {
      const p = this.providers.get(id);
      if (!p) continue;
      const r = calcPrice({ input_tokens: 1 }, name, { provider: p, timestamp: new Date(0) });
      if (r) {
        found = { provider: p, model: r.model };
        break;
      }
    }
    byModel.set(model, found);
    return found;
  }

  /** List rates for a model at a time; missing cache rates fall back as the vendors bill them. */
  rates(model: ModelInfo, time: number): Rates {
    const p = pricesAt(model, time);
    const hit = this.ratesOf.get(p);
    if (hit) return hit;
    const input = toTiered(p.input_mtok) ?? { base: 0, tiers: [] };
    const output = toTiered(p.output_mtok) ?? { base: 0, tiers: [] };
    const cacheWrite = toTiered(p.cache_write_mtok) ?? input;
    const rates: Rates = {
      input,
      output,
      cacheRead: toTiered(p.cache_read_mtok) ?? input,
      cacheWrite,
      cacheWrite1h: toTiered(p.cache_write_1h_mtok) ?? cacheWrite,
      reasoning: output,
    };
    this.ratesOf.set(p, rates);
    return rates;
  }
}

/** The rate that applies to a request with `promptTokens` total input tokens (tier when above its start). */
export function rateAt(r: TieredRate, promptTokens: number): number {
  let rate = r.base;
  for (const t of r.tiers) if (promptTokens > t.start) rate = t.price;
  return rate;
}
