/** Chart building blocks on recharts, themed for light and dark, with accessible colours and labels. */
import type { ReactNode } from 'react';
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { seriesColor } from '../lib/colors';
import { compact, shortDay } from '../lib/format';
import { useTheme } from '../lib/hooks';

export interface SeriesDef {
  key: string;
  label: string;
}

/** Legend labels in the text colour: some series colours are too light to read as text. */
export const legendText = (v: unknown) => <span style={{ color: 'var(--text)' }}>{String(v)}</span>;

function axisColor(dark: boolean) {
  return dark ? '#b8c0cc' : '#4a5261';
}

function Frame({ label, height = 260, children }: { label: string; height?: number; children: ReactNode }) {
  return (
    <div className="chart" role="img" aria-label={label} style={{ height }}>
      <ResponsiveContainer width="100%" height="100%">
        {children as never}
      </ResponsiveContainer>
    </div>
  );
}

/** Several series over time (x is a bucket start in epoch ms). */
export function TimeChart({
  data,
  series,
  label,
  kind = 'area',
  stacked = false,
  format = compact,
  height,
}: {
  data: Record<string, number | null>[];
  series: SeriesDef[];
  label: string;
  kind?: 'area' | 'line';
  stacked?: boolean;
  format?: (n: number) => string;
  height?: number;
}) {
  const { dark } = useTheme();
  const ax = axisColor(dark);
  const common = (
    <>
      <CartesianGrid strokeDasharray="3 3" stroke={dark ? '#333b48' : '#e3e6eb'} />
      <XAxis dataKey="t" tickFormatter={(t: number) => shortDay(t)} stroke={ax} fontSize={12} minTickGap={24} />
      <YAxis tickFormatter={(v: number) => format(v)} stroke={ax} fontSize={12} width={64} />
      <Tooltip
        labelFormatter={(t) => shortDay(Number(t))}
        formatter={(v) => format(Number(v))}
        contentStyle={{ background: dark ? '#1c222b' : '#fff', border: `1px solid ${dark ? '#3a4352' : '#d5d9e0'}`, color: dark ? '#e8ebf0' : '#1d2433' }}
      />
      {series.length > 1 && <Legend wrapperStyle={{ fontSize: 12 }} formatter={legendText} />}
    </>
  );
  return (
    <Frame label={label} height={height}>
      {kind === 'area' ? (
        <AreaChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          {common}
          {series.map((s, i) => (
            <Area key={s.key} type="monotone" dataKey={s.key} name={s.label} stackId={stacked ? 'a' : undefined} stroke={seriesColor(i, dark, s.key)} fill={seriesColor(i, dark, s.key)} fillOpacity={stacked ? 0.75 : 0.2} isAnimationActive={false} />
          ))}
        </AreaChart>
      ) : (
        <LineChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          {common}
          {series.map((s, i) => (
            <Line key={s.key} type="monotone" dataKey={s.key} name={s.label} stroke={seriesColor(i, dark, s.key)} strokeWidth={2} dot={false} isAnimationActive={false} connectNulls />
          ))}
        </LineChart>
      )}
    </Frame>
  );
}

/** Horizontal bars for a ranked breakdown. */
export function BarList({ data, label, format = compact, height }: { data: { name: string; value: number }[]; label: string; format?: (n: number) => string; height?: number }) {
  const { dark } = useTheme();
  const ax = axisColor(dark);
  return (
    <Frame label={label} height={height ?? Math.max(120, data.length * 30 + 30)}>
      <BarChart data={data} layout="vertical" margin={{ top: 4, right: 16, bottom: 4, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" horizontal={false} stroke={dark ? '#333b48' : '#e3e6eb'} />
        <XAxis type="number" tickFormatter={(v: number) => format(v)} stroke={ax} fontSize={12} />
        <YAxis type="category" dataKey="name" width={170} stroke={ax} fontSize={12} interval={0} />
        <Tooltip formatter={(v) => format(Number(v))} contentStyle={{ background: dark ? '#1c222b' : '#fff', color: dark ? '#e8ebf0' : '#1d2433' }} />
        <Bar dataKey="value" name={label} fill={seriesColor(0, dark)} isAnimationActive={false} />
      </BarChart>
    </Frame>
  );
}

/** Stacked horizontal bars (e.g. cohorts per function as shares). */
export function StackedBars({ data, series, colors, label, format }: { data: Record<string, string | number>[]; series: SeriesDef[]; colors: string[]; label: string; format: (n: number) => string }) {
  const { dark } = useTheme();
  const ax = axisColor(dark);
  return (
    <Frame label={label} height={Math.max(160, data.length * 30 + 60)}>
      <BarChart data={data} layout="vertical" margin={{ top: 4, right: 16, bottom: 4, left: 8 }}>
        <XAxis type="number" domain={[0, 1]} tickFormatter={(v: number) => format(v)} stroke={ax} fontSize={12} />
        <YAxis type="category" dataKey="name" width={150} stroke={ax} fontSize={12} interval={0} />
        <Tooltip formatter={(v) => format(Number(v))} contentStyle={{ background: dark ? '#1c222b' : '#fff', color: dark ? '#e8ebf0' : '#1d2433' }} />
        <Legend wrapperStyle={{ fontSize: 12 }} formatter={legendText} />
        {series.map((s, i) => (
          <Bar key={s.key} dataKey={s.key} name={s.label} stackId="s" fill={colors[i]} isAnimationActive={false} />
        ))}
      </BarChart>
    </Frame>
  );
}

/** Pivot bucketed rows into chart points: one point per bucket, one key per group. */
export function pivot<R extends { bucket?: number }>(rows: R[], keyOf: (r: R) => string, valueOf: (r: R) => number | null): { data: Record<string, number | null>[]; keys: string[] } {
  const byT = new Map<number, Record<string, number | null>>();
  const totals = new Map<string, number>();
  for (const r of rows) {
    const t = r.bucket!;
    const k = keyOf(r);
    const v = valueOf(r);
    const point = byT.get(t) ?? { t };
    point[k] = v;
    byT.set(t, point);
    totals.set(k, (totals.get(k) ?? 0) + (v ?? 0));
  }
  const keys = [...totals.entries()].sort((a, b) => (a[0] === '(other)' ? 1 : b[0] === '(other)' ? -1 : b[1] - a[1])).map(([k]) => k);
  const data = [...byT.values()].sort((a, b) => a.t! - b.t!);
  for (const p of data) for (const k of keys) if (!(k in p)) p[k] = 0;
  return { data, keys };
}
