import { Async, Empty } from '../components/States';
import { PageHeader, Panel, StatCard } from '../components/Panel';
import { DataTable } from '../components/DataTable';
import { useApi } from '../lib/api';
import { apiQuery } from '../lib/filters';
import { compact, integer, percent, usd } from '../lib/format';
import { useFilters } from '../lib/hooks';
import type { OutcomeRow, OutcomesRes } from '../lib/types';

const money = (v: number | null) => (v === null ? '–' : usd(v));

export function Outcomes() {
  const [f] = useFilters();
  const res = useApi<OutcomesRes>(`/api/v1/insights/outcomes?${apiQuery(f)}`);
  return (
    <>
      <PageHeader title="Outcomes beside usage" lede="What sources report next to their cost: sessions, lines, commits and pull requests (Claude Code, Codex), accepted edits (Copilot, Cursor). Context for spend, not a productivity score." />
      <Async result={res}>
        {({ outcomes: o }) =>
          !o.overall ? (
            <Empty>No usage in this range.</Empty>
          ) : (
            <>
              <div className="stats">
                <StatCard testId="stat-cost-per-day" label="Cost per active person-day" value={money(o.overall.costPerActiveDay)} hint={`${integer(o.overall.personDays)} person-days`} />
                <StatCard testId="stat-cost-per-commit" label="Cost per commit" value={money(o.overall.costPerCommit)} hint={`${integer(o.overall.commits)} commits, tools that report them`} />
                <StatCard testId="stat-cost-per-pr" label="Cost per pull request" value={money(o.overall.costPerPullRequest)} hint={`${integer(o.overall.pullRequests)} pull requests`} />
                <StatCard testId="stat-acceptance" label="Suggestions accepted" value={percent(o.overall.acceptanceRate)} hint="Copilot and Cursor edits" />
              </div>
              <Panel id="outcomes-tools" title="By tool">
                <DataTable
                  name="outcomes-by-tool"
                  testId="outcomes-table"
                  rows={o.byTool}
                  isSuppressed={(r) => 'suppressed' in r}
                  reasonOf={(r) => ('reason' in r ? r.reason : undefined)}
                  columns={[
                    { key: 'tool', label: 'Tool', render: (r) => r.tool },
                    { key: 'cost', label: 'Cost', numeric: true, render: (r) => usd((r as OutcomeRow).cost), csv: (r) => (r as OutcomeRow).cost?.toFixed(2) },
                    { key: 'personDays', label: 'Person-days', numeric: true, render: (r) => integer((r as OutcomeRow).personDays), csv: (r) => (r as OutcomeRow).personDays },
                    { key: 'perDay', label: 'Per person-day', numeric: true, render: (r) => money((r as OutcomeRow).costPerActiveDay), csv: (r) => (r as OutcomeRow).costPerActiveDay?.toFixed(2) },
                    { key: 'commits', label: 'Commits', numeric: true, render: (r) => integer((r as OutcomeRow).commits), csv: (r) => (r as OutcomeRow).commits },
                    { key: 'perCommit', label: 'Per commit', numeric: true, render: (r) => money((r as OutcomeRow).costPerCommit), csv: (r) => (r as OutcomeRow).costPerCommit?.toFixed(2) },
                    { key: 'prs', label: 'Pull requests', numeric: true, render: (r) => integer((r as OutcomeRow).pullRequests), csv: (r) => (r as OutcomeRow).pullRequests },
                    { key: 'perPr', label: 'Per PR', numeric: true, render: (r) => money((r as OutcomeRow).costPerPullRequest), csv: (r) => (r as OutcomeRow).costPerPullRequest?.toFixed(2) },
                    { key: 'lines', label: 'Lines added', numeric: true, render: (r) => compact((r as OutcomeRow).linesAdded), csv: (r) => (r as OutcomeRow).linesAdded },
                    { key: 'accept', label: 'Accepted', numeric: true, render: (r) => percent((r as OutcomeRow).acceptanceRate), csv: (r) => (r as OutcomeRow).acceptanceRate?.toFixed(4) },
                  ]}
                />
              </Panel>
            </>
          )
        }
      </Async>
    </>
  );
}
