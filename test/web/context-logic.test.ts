/** Logic of the context forms and the leaderboard page that needs no browser. */
import { describe, expect, it } from 'vitest';
import { exclusiveEnd, inputOf, splitList } from '../../web/src/lib/forms.js';

describe('context forms', () => {
  it('puts an API field error on the input it belongs to', () => {
    expect(inputOf('title')).toBe('title');
    expect(inputOf('tools.2')).toBe('tools');
    expect(inputOf('links.0')).toBe('links');
    expect(inputOf('usage.to')).toBe('usage.to');
    expect(inputOf('usage')).toBe('usage');
  });

  it('splits lists and drops blanks', () => {
    expect(splitList(' Claude Code, ,ChatGPT\nCursor ')).toEqual(['Claude Code', 'ChatGPT', 'Cursor']);
    expect(splitList('https://a.example  https://b.example\nhttps://c.example', /\s+/)).toEqual(['https://a.example', 'https://b.example', 'https://c.example']);
    expect(splitList('')).toEqual([]);
  });

  it('turns the inclusive last day into the exclusive end the API takes', () => {
    expect(exclusiveEnd('2026-06-07')).toBe('2026-06-08');
    expect(exclusiveEnd('2026-12-31')).toBe('2027-01-01');
    expect(exclusiveEnd('')).toBe('');
    expect(exclusiveEnd('soon')).toBe('soon');
  });
});
