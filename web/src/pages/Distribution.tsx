import { Async, Suppressed } from '../components/States';
import { PageHeader, Panel, StatCard } from '../components/Panel';
import { DataTable } from '../components/DataTable';
import { StackedBars } from '../components/charts';
import { useApi } from '../lib/api';
import { apiQuery } from '../lib/filters';
import { integer, percent } from '../lib/format';
import { COHORT_COLORS } from '../lib/colors';
import { useFilters } from '../lib/hooks';
import type { Cohort, DistributionRes } from '../lib/types';

const COHORTS: { key: Cohort; label: string }[] = [
  { key: 'none', label: 'None' },
  { key: 'light', label: 'Light' },
  { key: 'moderate', label: 'Moderate' },
  { key: 'heavy', label: 'Heavy' },
];
const n = (v: number | null) => (v === null ? '–' : integer(v));
const cell = (v: number | null) => (v === null ? <Suppressed /> : integer(v));

export function Distribution() {
  const [f] = useFilters();
  const res = useApi<DistributionRes>(`/api/v1/insights/distribution?${apiQuery(f)}`);
  return (
    <>
      <PageHeader title="Distribution" lede="How usage is spread, and who is left behind: the digital-divide view. Cohorts count how often people use AI, not how many tokens they burn." />
      <Async result={res}>
        {({ distribution: d }) => (
          <>
            <div className="stats">
              <StatCard testId="stat-top10" label="Tokens held by the top 10% of active people" value={percent(d.top10Share)} suppressed={d.top10Share === null && d.activePeople === null} />
              <StatCard testId="stat-active-people" label="Active people / headcount" value={`${n(d.activePeople)} / ${integer(d.headcount)}`} />
              <StatCard testId="stat-not-started" label="Not started yet" value={n(d.totals.notStarted)} hint="in the directory, never active" />
              <StatCard testId="stat-idle" label="Idle for 14 days" value={n(d.totals.idle14)} hint="used AI before, not in the last 14 days" />
            </div>
            <Panel id="cohorts" title="Usage cohorts by function" subtitle={`Share of headcount; cohorts by ${d.cohortRule}`}>
              <StackedBars
                label="Cohorts by function"
                format={(v) => percent(v)}
                series={COHORTS}
                colors={COHORTS.map((c) => COHORT_COLORS[c.key])}
                data={d.byFunction
                  .filter((r) => COHORTS.every((c) => r.cohorts[c.key] !== null))
                  .map((r) => ({ name: r.function, ...Object.fromEntries(COHORTS.map((c) => [c.key, (r.cohorts[c.key] ?? 0) / r.headcount])) }))}
              />
              <DataTable
                name="distribution-by-function"
                testId="distribution-table"
                rows={d.byFunction}
                isSuppressed={(r) => r.suppressed}
                reasonOf={() => 'function smaller than the minimum group size'}
                columns={[
                  { key: 'function', label: 'Function', render: (r) => r.function },
                  { key: 'headcount', label: 'Headcount', numeric: true, render: (r) => integer(r.headcount), csv: (r) => r.headcount },
                  ...COHORTS.map((c) => ({ key: c.key, label: c.label, numeric: true, render: (r: (typeof d.byFunction)[number]) => cell(r.cohorts[c.key]), csv: (r: (typeof d.byFunction)[number]) => r.cohorts[c.key] })),
                  { key: 'notStarted', label: 'Not started', numeric: true, render: (r) => cell(r.notStarted), csv: (r) => r.notStarted },
                  { key: 'idle14', label: 'Idle 14 days', numeric: true, render: (r) => cell(r.idle14), csv: (r) => r.idle14 },
                ]}
              />
            </Panel>
          </>
        )}
      </Async>
    </>
  );
}
