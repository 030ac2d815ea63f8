import { Link } from 'react-router';
import { Async, Empty } from '../components/States';
import { ContextFeed, digestHref } from '../components/ContextFeed';
import { PageHeader, Panel, StatCard } from '../components/Panel';
import { DataTable } from '../components/DataTable';
import { TimeChart } from '../components/charts';
import { useApi } from '../lib/api';
import { apiQuery, rangeDays } from '../lib/filters';
import { compact, day, integer, usd } from '../lib/format';
import { useFilters } from '../lib/hooks';
import { visible, type OverviewRes, type Visible } from '../lib/types';

const WINDOW_LABEL = { day: 'Active people · last day', week: 'Active people · last 7 days', month: 'Active people · last 28 days' } as const;

export function Overview() {
  const [f] = useFilters();
  const res = useApi<OverviewRes>(`/api/v1/insights/overview?${apiQuery(f)}`);
  return (
    <>
      <PageHeader title="Overview" lede="Who is using AI, how much, and what it costs. Usage is a dashboard, not a productivity score." />
      <Async result={res}>
        {({ overview: o }) => {
          const cur = o.totals.current;
          const prev = o.totals.previous;
          const p = visible(prev) ? prev : null;
          const series = o.series.filter(visible) as Visible[];
          return (
            <>
              <div className="stats" data-testid="active-stats">
                {o.active.map((a) => (
                  <StatCard key={a.window} testId={`stat-active-${a.window}`} label={WINDOW_LABEL[a.window]} value={a.current === null ? '–' : integer(a.current)} current={a.current} previous={a.previous} suppressed={a.current === null} hint={`vs the ${a.days === 1 ? 'day' : `${a.days} days`} before`} />
                ))}
              </div>
              <div className="stats">
                <StatCard testId="stat-tokens" label="Tokens" value={visible(cur) ? compact(cur.tokens) : '–'} current={visible(cur) ? cur.tokens : null} previous={p?.tokens ?? null} suppressed={!visible(cur)} hint={`vs the previous ${rangeDays(f)} days`} />
                <StatCard testId="stat-cost" label="Cost" value={visible(cur) ? usd(cur.cost) : '–'} current={visible(cur) ? cur.cost : null} previous={p?.cost ?? null} suppressed={!visible(cur)} />
                <StatCard testId="stat-requests" label="Requests" value={visible(cur) ? compact(cur.requests) : '–'} current={visible(cur) ? cur.requests : null} previous={p?.requests ?? null} suppressed={!visible(cur)} />
              </div>
              <Panel id="usage-over-time" title="Usage over time" subtitle="Daily tokens and active people">
                {series.length === 0 ? (
                  <Empty>No usage in this range. Send events to the API or run the collector; see the docs.</Empty>
                ) : (
                  <div className="grid-2">
                    <TimeChart label="Tokens per day" data={series.map((r) => ({ t: r.bucket!, tokens: r.tokens }))} series={[{ key: 'tokens', label: 'Tokens' }]} />
                    <TimeChart label="Active people per day" kind="line" format={integer} data={series.map((r) => ({ t: r.bucket!, people: r.people }))} series={[{ key: 'people', label: 'Active people' }]} />
                  </div>
                )}
                <details>
                  <summary>Daily figures</summary>
                  <DataTable
                    name="daily-usage"
                    testId="daily-table"
                    rows={o.series}
                    isSuppressed={(r) => !visible(r)}
                    reasonOf={(r) => (r.suppressed ? r.reason : undefined)}
                    columns={[
                      { key: 'day', label: 'Day', render: (r) => day(r.bucket!) },
                      { key: 'people', label: 'Active people', numeric: true, render: (r) => (visible(r) ? integer(r.people) : ''), csv: (r) => (visible(r) ? r.people : null) },
                      { key: 'tokens', label: 'Tokens', numeric: true, render: (r) => (visible(r) ? compact(r.tokens) : ''), csv: (r) => (visible(r) ? r.tokens : null) },
                      { key: 'cost', label: 'Cost (USD)', numeric: true, render: (r) => (visible(r) ? usd(r.cost) : ''), csv: (r) => (visible(r) ? r.cost.toFixed(2) : null) },
                      { key: 'requests', label: 'Requests', numeric: true, render: (r) => (visible(r) ? compact(r.requests) : ''), csv: (r) => (visible(r) ? r.requests : null) },
                    ]}
                  />
                </details>
              </Panel>
              <Panel id="stories" title="What people tried lately" subtitle="Numbers next to stories: the latest shared check-ins and experiments">
                <div data-testid="context-slot">
                  <ContextFeed feed="organisation" limit={5} empty="No shared check-ins or experiments yet. Write this week's check-in from the menu." />
                  <p className="muted">
                    <a href={digestHref()}>Weekly digest and the full feed</a> · <Link to={`/adoption?${apiQuery(f)}`}>adoption by function</Link>
                  </p>
                </div>
              </Panel>
            </>
          );
        }}
      </Async>
    </>
  );
}
