/**
 * The provider a model name belongs to, inferred when an event does not say.
 * Kept apart from event.ts (which needs zod) so the local usage reports, which
 * price every entry, load it without the event schema.
 */
export function inferProvider(model: string): string {
  const m = model.toLowerCase();
  if (m.includes('claude')) return 'anthropic';
  if (/^(gpt|o\d|chatgpt|codex|text-embedding|davinci|whisper|dall-e)/.test(m) || m.includes('gpt')) return 'openai';
  if (m.includes('gemini') || m.includes('gemma')) return 'google';
  if (m.includes('mistral') || m.includes('codestral')) return 'mistral';
  if (m.includes('llama')) return 'meta';
  if (m.includes('deepseek')) return 'deepseek';
  if (m.includes('grok')) return 'xai';
  return 'unknown';
}
