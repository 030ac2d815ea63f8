/**
 * A starter price table used until the maintained catalogue is wired in.
 * USD per million tokens, public list prices.
 */
import { TablePricer, type Pricer } from './pricer.js';

export function defaultPricer(): Pricer {
  return new TablePricer({
    'claude-opus-4': { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
    'claude-sonnet-4': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
    'claude-3-5-haiku': { input: 0.8, output: 4, cacheRead: 0.08, cacheWrite: 1 },
    'claude-haiku-4': { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
    'gpt-5': { input: 1.25, output: 10, cacheRead: 0.125 },
    'gpt-5-mini': { input: 0.25, output: 2, cacheRead: 0.025 },
    'gpt-4.1': { input: 2, output: 8, cacheRead: 0.5 },
    'gpt-4o': { input: 2.5, output: 10, cacheRead: 1.25 },
    'gpt-4o-mini': { input: 0.15, output: 0.6, cacheRead: 0.075 },
    'o3': { input: 2, output: 8, cacheRead: 0.5 },
    'gemini-2.5-pro': { input: 1.25, output: 10, cacheRead: 0.31 },
    'gemini-2.5-flash': { input: 0.3, output: 2.5, cacheRead: 0.075 },
  });
}
