import { Link, useParams } from 'react-router';
import { Async, Empty } from '../components/States';
import { PageHeader, Panel, StatCard } from '../components/Panel';
import { DataTable } from '../components/DataTable';
import { BreakdownTable } from '../components/BreakdownTable';
import { TimeChart } from '../components/charts';
import { useApi } from '../lib/api';
import { ContextFeed, digestHref } from '../components/ContextFeed';
import { apiQuery, type ViewFilters } from '../lib/filters';
import { compact, integer, percent, usd } from '../lib/format';
import { useFilters } from '../lib/hooks';
import { visible, type BreakdownRes, type SeriesRes, type SummaryRes, type TeamsRes, type ViewerRes, type Visible } from '../lib/types';

export function Teams() {
  const [f] = useFilters();
  const res = useApi<TeamsRes>(`/api/v1/insights/teams?${apiQuery(f)}`);
  return (
    <>
      <PageHeader title="Teams" lede="Every team's usage and how many of its people are active. Small teams are shown as suppressed, never as zero." />
      <Async result={res}>
        {({ teams }) =>
          teams.length === 0 ? (
            <Empty>No teams in the directory match these filters.</Empty>
          ) : (
            <Panel id="teams" title={`${teams.length} teams`}>
              <DataTable
                name="teams"
                testId="teams-table"
                rows={teams}
                isSuppressed={(t) => !visible(t.row)}
                reasonOf={(t) => (t.row.suppressed ? t.row.reason : undefined)}
                columns={[
                  { key: 'team', label: 'Team', render: (t) => <Link to={`/teams/${encodeURIComponent(t.team)}?${apiQuery(f)}`}>{t.team}</Link>, csv: (t) => t.team },
                  { key: 'function', label: 'Function', render: (t) => t.function ?? '' },
                  { key: 'headcount', label: 'Headcount', numeric: true, render: (t) => integer(t.headcount), csv: (t) => t.headcount },
                  { key: 'active', label: 'Active', numeric: true, render: (t) => (visible(t.row) ? integer(t.row.people) : ''), csv: (t) => (visible(t.row) ? t.row.people : null) },
                  { key: 'share', label: 'Share active', numeric: true, render: (t) => percent(t.share), csv: (t) => t.share?.toFixed(4) },
                  { key: 'tokens', label: 'Tokens', numeric: true, render: (t) => (visible(t.row) ? compact(t.row.tokens) : ''), csv: (t) => (visible(t.row) ? t.row.tokens : null) },
                  { key: 'cost', label: 'Cost', numeric: true, render: (t) => (visible(t.row) ? usd(t.row.cost) : ''), csv: (t) => (visible(t.row) ? t.row.cost.toFixed(2) : null) },
                ]}
              />
            </Panel>
          )
        }
      </Async>
    </>
  );
}

export function TeamPage() {
  const { team = '' } = useParams();
  const [f] = useFilters();
  const scoped: ViewFilters = { ...f, team, function: undefined };
  const summary = useApi<SummaryRes>(`/api/v1/usage/summary?${apiQuery(scoped)}`);
  const series = useApi<SeriesRes>(`/api/v1/usage/series?${apiQuery(scoped, { bucket: 'day' })}`);
  const tools = useApi<BreakdownRes>(`/api/v1/usage/breakdown?${apiQuery(scoped, { groupBy: 'tool', sort: 'cost' })}`);
  const viewer = useApi<ViewerRes>('/api/v1/insights/viewer');
  // The server refuses person grouping to roles that may not see individuals; do not ask on their behalf.
  const canSeeMembers = viewer.state === 'ready' && viewer.data.maySeeIndividuals;
  const members = useApi<BreakdownRes>(canSeeMembers ? `/api/v1/usage/breakdown?${apiQuery(scoped, { groupBy: 'person', sort: 'tokens' })}` : null);
  return (
    <>
      <p className="crumbs">
        <Link to={`/teams?${apiQuery(f)}`}>Teams</Link> / {team}
      </p>
      <PageHeader title={team} lede="The team's adoption and spend, and what its people tried and learned." />
      <Async result={summary}>
        {({ totals: t }) => (
          <div className="stats">
            <StatCard testId="team-people" label="Active people" value={visible(t) ? integer(t.people) : '–'} suppressed={!visible(t)} />
            <StatCard testId="team-tokens" label="Tokens" value={visible(t) ? compact(t.tokens) : '–'} suppressed={!visible(t)} />
            <StatCard testId="team-cost" label="Cost" value={visible(t) ? usd(t.cost) : '–'} suppressed={!visible(t)} />
          </div>
        )}
      </Async>
      <Panel id="team-series" title="Usage over time">
        <Async result={series}>
          {(s) => {
            const rows = s.rows.filter(visible) as Visible[];
            return rows.length ? <TimeChart label={`Tokens per day, ${team}`} data={rows.map((r) => ({ t: r.bucket!, tokens: r.tokens }))} series={[{ key: 'tokens', label: 'Tokens' }]} /> : <Empty>No usage, or suppressed for a group this small.</Empty>;
          }}
        </Async>
      </Panel>
      <div className="grid-2">
        <Panel id="team-tools" title="Tools">
          <Async result={tools}>{(b) => <BreakdownTable rows={b.rows} dim="tool" label="Tool" name={`team-tools`} chart={false} />}</Async>
        </Panel>
        <Panel id="team-members" title="Members" subtitle="Individual figures: visible only where the privacy policy allows">
          {viewer.state === 'ready' && !canSeeMembers ? (
            <div className="state private" data-testid="private" role="note">
              <strong>Private by policy.</strong> Individual figures are visible to each person and to roles the privacy policy allows. Team totals above count everyone.
            </div>
          ) : (
          <Async result={members}>
            {(b) => (
              <DataTable
                name="team-members"
                testId="team-members-table"
                rows={b.rows.filter(visible) as Visible[]}
                columns={[
                  { key: 'person', label: 'Person', render: (r) => <Link to={`/people/${encodeURIComponent(r.keys.person ?? '')}?${apiQuery(f)}`}>{r.keys.person}</Link>, csv: (r) => r.keys.person },
                  { key: 'tokens', label: 'Tokens', numeric: true, render: (r) => compact(r.tokens), csv: (r) => r.tokens },
                  { key: 'cost', label: 'Cost', numeric: true, render: (r) => usd(r.cost), csv: (r) => r.cost.toFixed(2) },
                ]}
              />
            )}
          </Async>
          )}
        </Panel>
      </div>
      <Panel
        id="team-context"
        title="Experiments and learnings"
        subtitle="Check-ins and experiments the team's people shared; private entries stay with their authors."
        actions={
          <a className="btn small" href={digestHref(team)} data-testid="team-digest-link">
            Team digest
          </a>
        }
      >
        <ContextFeed feed="team" team={team} limit={10} empty="Nothing shared by this team yet." />
      </Panel>
    </>
  );
}
