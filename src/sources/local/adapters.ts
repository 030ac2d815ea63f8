import { claudeCode } from '../claude-code/adapter.js';
import { codex } from '../codex/adapter.js';
import type { LocalSource, SourceAdapter } from './entry.js';

export const ADAPTERS: Record<LocalSource, SourceAdapter> = { 'claude-code': claudeCode, codex };
export const LOCAL_SOURCES = Object.keys(ADAPTERS) as LocalSource[];
