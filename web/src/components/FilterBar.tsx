import { useId } from 'react';
import { useApi } from '../lib/api';
import { FILTER_KEYS, PRESETS, lastDay, matchPreset, presetRange, type FilterKey } from '../lib/filters';
import { useFilters } from '../lib/hooks';
import type { Dimensions } from '../lib/types';

const LABELS: Record<FilterKey, string> = { function: 'Function', team: 'Team', tool: 'Tool', model: 'Model' };
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Date range (presets or custom) and function, team, tool and model pickers; all kept in the URL. */
export function FilterBar({ hide = [] }: { hide?: FilterKey[] }) {
  const [f, set] = useFilters();
  const dims = useApi<Dimensions>('/api/v1/insights/dimensions');
  const id = useId();
  const now = Date.now();
  const preset = matchPreset(f, now) ?? 'custom';
  const options = (k: FilterKey): string[] => {
    if (dims.state !== 'ready') return f[k] ? [f[k]!] : [];
    const d = dims.data;
    if (k === 'function') return d.functions;
    if (k === 'team') return d.teams.filter((t) => !f.function || t.function === f.function).map((t) => t.name);
    return k === 'tool' ? d.tools : d.models;
  };
  const active = FILTER_KEYS.filter((k) => f[k]);
  return (
    <form className="filters" role="search" aria-label="Filters" onSubmit={(e) => e.preventDefault()} data-testid="filters">
      <div className="field">
        <label htmlFor={`${id}-range`}>Date range</label>
        <select
          id={`${id}-range`}
          value={preset}
          data-testid="filter-range"
          onChange={(e) => {
            const p = PRESETS.find((x) => x.id === e.target.value);
            if (p) set(presetRange(p.days, now));
          }}
        >
          {PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
          <option value="custom" disabled={preset !== 'custom'}>
            Custom
          </option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-from`}>From</label>
        <input id={`${id}-from`} type="date" value={f.from} max={lastDay(f)} data-testid="filter-from" onChange={(e) => e.target.value && set({ from: e.target.value })} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-to`}>To</label>
        <input
          id={`${id}-to`}
          type="date"
          value={lastDay(f)}
          min={f.from}
          data-testid="filter-to"
          onChange={(e) => e.target.value && set({ to: iso(Date.parse(e.target.value) + DAY) })}
        />
      </div>
      {FILTER_KEYS.filter((k) => !hide.includes(k)).map((k) => (
        <div className="field" key={k}>
          <label htmlFor={`${id}-${k}`}>{LABELS[k]}</label>
          <select id={`${id}-${k}`} value={f[k] ?? ''} data-testid={`filter-${k}`} onChange={(e) => set(k === 'function' ? { function: e.target.value, team: undefined } : { [k]: e.target.value })}>
            <option value="">All</option>
            {options(k).map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </div>
      ))}
      {active.length > 0 && (
        <button type="button" className="btn link" onClick={() => set(Object.fromEntries(active.map((k) => [k, undefined])))} data-testid="filter-clear">
          Clear filters
        </button>
      )}
    </form>
  );
}
