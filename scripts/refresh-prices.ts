/**
 * Refresh the bundled price catalogue snapshot (src/pricing/catalogue.snapshot.json)
 * from @pydantic/genai-prices.
 *
 *   npm install @pydantic/genai-prices@latest && npm run prices:refresh
 *   npm run prices:refresh -- path/to/data.json   # upstream prices/data.json, same format
 *
 * The snapshot is committed, so totals stay reproducible until someone refreshes
 * it on purpose; then recompute costs (POST /api/v1/pricing/recompute).
 */
import fs from 'node:fs';
import { findProvider, type Provider } from '@pydantic/genai-prices';

/** Providers whose models people use directly; re-hosting marketplaces are left out. */
export const SNAPSHOT_PROVIDERS = [
  'anthropic', 'openai', 'google', 'mistral', 'deepseek', 'x-ai', 'aws', 'azure', 'github-copilot', 'cursor',
  'groq', 'cohere', 'moonshotai', 'zai', 'together', 'fireworks', 'perplexity', 'cerebras', 'minimax', 'voyageai',
];

function slim(p: Provider) {
  return {
    id: p.id,
    name: p.name,
    api_pattern: p.api_pattern,
    ...(p.model_match ? { model_match: p.model_match } : {}),
    ...(p.fallback_model_providers ? { fallback_model_providers: p.fallback_model_providers } : {}),
    models: p.models.map((m) => ({ id: m.id, ...(m.name ? { name: m.name } : {}), match: m.match, ...(m.context_window ? { context_window: m.context_window } : {}), prices: m.prices })),
  };
}

const file = process.argv[2];
const providers: Provider[] = file
  ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Provider[]).filter((p) => SNAPSHOT_PROVIDERS.includes(p.id))
  : SNAPSHOT_PROVIDERS.map((id) => findProvider({ providerId: id })).filter((p): p is Provider => !!p);
const pkg = new URL('../node_modules/@pydantic/genai-prices/package.json', import.meta.url);
const version = (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version;
const out = {
  source: file ? `file:${file}` : `@pydantic/genai-prices@${version}`,
  generatedAt: new Date().toISOString().slice(0, 10),
  providers: providers.map(slim),
};
fs.writeFileSync(new URL('../src/pricing/catalogue.snapshot.json', import.meta.url), JSON.stringify(out) + '\n');
console.log(`wrote ${out.providers.length} providers, ${out.providers.reduce((n, p) => n + p.models.length, 0)} models from ${out.source}`);
