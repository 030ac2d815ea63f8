import { useState } from 'react';
import { Async, Empty } from '../components/States';
import { PageHeader, Panel } from '../components/Panel';
import { DataTable } from '../components/DataTable';
import { TimeChart, pivot } from '../components/charts';
import { useApi } from '../lib/api';
import { apiQuery, rangeDays } from '../lib/filters';
import { compact, day, usd } from '../lib/format';
import { useFilters } from '../lib/hooks';
import { visible, type SeriesRes } from '../lib/types';

function MixPanel({ dim, title, metric, bucket }: { dim: 'tool' | 'model'; title: string; metric: 'tokens' | 'cost'; bucket: string }) {
  const [f] = useFilters();
  const res = useApi<SeriesRes>(`/api/v1/usage/series?${apiQuery(f, { groupBy: dim, bucket, top: 7, sort: metric })}`);
  const fmt = metric === 'cost' ? usd : compact;
  return (
    <Panel id={`mix-${dim}`} title={title} subtitle={`${metric === 'cost' ? 'Cost' : 'Tokens'} per ${bucket}, top 7 and the rest as "(other)"`}>
      <Async result={res}>
        {(s) => {
          const rows = s.rows.filter(visible);
          if (rows.length === 0) return <Empty>No usage in this range.</Empty>;
          const { data, keys } = pivot(rows, (r) => r.keys[dim] ?? '(unknown)', (r) => r[metric]);
          return (
            <>
              <TimeChart label={title} kind="area" stacked data={data} series={keys.map((k) => ({ key: k, label: k }))} format={fmt} />
              <details>
                <summary>Figures</summary>
                <DataTable
                  name={`mix-by-${dim}`}
                  testId={`mix-${dim}-table`}
                  rows={s.rows}
                  isSuppressed={(r) => !visible(r)}
                  reasonOf={(r) => (r.suppressed ? r.reason : undefined)}
                  columns={[
                    { key: 'bucket', label: bucket === 'week' ? 'Week of' : 'Day', render: (r) => day(r.bucket!) },
                    { key: dim, label: dim === 'tool' ? 'Tool' : 'Model', render: (r) => r.keys[dim] ?? '(unknown)' },
                    { key: 'tokens', label: 'Tokens', numeric: true, render: (r) => (visible(r) ? compact(r.tokens) : ''), csv: (r) => (visible(r) ? r.tokens : null) },
                    { key: 'cost', label: 'Cost', numeric: true, render: (r) => (visible(r) ? usd(r.cost) : ''), csv: (r) => (visible(r) ? r.cost.toFixed(2) : null) },
                  ]}
                />
              </details>
            </>
          );
        }}
      </Async>
    </Panel>
  );
}

export function Mix() {
  const [f] = useFilters();
  const [metric, setMetric] = useState<'tokens' | 'cost'>('tokens');
  const bucket = rangeDays(f) > 45 ? 'week' : 'day';
  return (
    <>
      <PageHeader title="Tool and model mix" lede="Which tools and models people use, and how that changes over time." />
      <div className="toolbar" role="group" aria-label="Metric">
        {(['tokens', 'cost'] as const).map((m) => (
          <button key={m} type="button" className={`btn toggle${metric === m ? ' on' : ''}`} aria-pressed={metric === m} onClick={() => setMetric(m)} data-testid={`mix-metric-${m}`}>
            {m === 'tokens' ? 'Tokens' : 'Cost'}
          </button>
        ))}
      </div>
      <MixPanel dim="tool" title="Tools over time" metric={metric} bucket={bucket} />
      <MixPanel dim="model" title="Models over time" metric={metric} bucket={bucket} />
    </>
  );
}
