import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Async, Empty } from '../components/States';
import { PageHeader, Panel, StatCard } from '../components/Panel';
import { DataTable } from '../components/DataTable';
import { BreakdownTable } from '../components/BreakdownTable';
import { TimeChart } from '../components/charts';
import { useApi } from '../lib/api';
import { ContextFeed, ReminderBanner } from '../components/ContextFeed';
import { ContextComposer } from '../components/ContextForms';
import { apiQuery } from '../lib/filters';
import { compact, day, integer, usd } from '../lib/format';
import { useFilters } from '../lib/hooks';
import { visible, type BreakdownRes, type PersonRes, type SeriesRes, type ViewerRes, type Visible } from '../lib/types';

/** "My usage" for a signed-in person; a people directory for roles that may see individuals. */
export function People() {
  const [f] = useFilters();
  const viewer = useApi<ViewerRes>('/api/v1/insights/viewer');
  const [q, setQ] = useState('');
  const people = useApi<BreakdownRes>(viewer.state === 'ready' && viewer.data.maySeeIndividuals ? `/api/v1/usage/breakdown?${apiQuery(f, { groupBy: 'person', sort: 'tokens', top: 1000 })}` : null);
  return (
    <>
      <PageHeader title="People" lede="Individual usage is private to the person by default. The privacy policy decides who else may see it." />
      <Async result={viewer}>
        {(v) => (
          <>
            {v.email && (
              <Panel id="my-usage" title="My usage">
                <Link to={`/people/${encodeURIComponent(v.email)}?${apiQuery(f)}`} data-testid="my-usage-link">
                  Open my usage
                </Link>
              </Panel>
            )}
            {!v.maySeeIndividuals ? (
              <div className="state private" data-testid="private" role="note">
                <strong>Private by default.</strong> Other people's figures are visible only to roles the privacy policy allows; everyone sees groups of at least {v.minGroupSize} people.
              </div>
            ) : (
              <Panel id="people" title="People with usage in the range" subtitle="You can see individuals because of your role. Views of individuals are recorded in the audit log.">
                <div className="field inline">
                  <label htmlFor="people-search">Find</label>
                  <input id="people-search" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="name or email" data-testid="people-search" />
                </div>
                {people.state === 'ready' ? (
                  <DataTable
                    name="people"
                    testId="people-table"
                    rows={(people.data.rows.filter(visible) as Visible[]).filter((r) => !q || (r.keys.person ?? '').includes(q.toLowerCase()))}
                    columns={[
                      { key: 'person', label: 'Person', render: (r) => <Link to={`/people/${encodeURIComponent(r.keys.person ?? '')}?${apiQuery(f)}`}>{r.keys.person}</Link>, csv: (r) => r.keys.person },
                      { key: 'tokens', label: 'Tokens', numeric: true, render: (r) => compact(r.tokens), csv: (r) => r.tokens },
                      { key: 'cost', label: 'Cost', numeric: true, render: (r) => usd(r.cost), csv: (r) => r.cost.toFixed(2) },
                      { key: 'requests', label: 'Requests', numeric: true, render: (r) => compact(r.requests), csv: (r) => r.requests },
                    ]}
                  />
                ) : (
                  <Async result={people}>{() => null}</Async>
                )}
              </Panel>
            )}
          </>
        )}
      </Async>
    </>
  );
}

export function PersonPage() {
  const { email = '' } = useParams();
  const [f] = useFilters();
  const q = (extra: Record<string, string> = {}) => `${apiQuery(f, extra)}&person=${encodeURIComponent(email)}`;
  const viewer = useApi<ViewerRes>('/api/v1/insights/viewer');
  // Only the person and roles the policy allows may ask; the server enforces it, the page just does not ask in vain.
  const allowed = viewer.state === 'ready' && (viewer.data.maySeeIndividuals || viewer.data.email === email.toLowerCase());
  const profile = useApi<PersonRes>(allowed ? `/api/v1/insights/person?${apiQuery(f, { email })}` : null);
  const series = useApi<SeriesRes>(allowed ? `/api/v1/usage/series?${q({ bucket: 'day' })}` : null);
  const tools = useApi<BreakdownRes>(allowed ? `/api/v1/usage/breakdown?${q({ groupBy: 'tool', sort: 'tokens' })}` : null);
  const own = viewer.state === 'ready' && viewer.data.email === email.toLowerCase();
  const [written, setWritten] = useState(0);
  if (viewer.state === 'ready' && !allowed)
    return (
      <>
        <p className="crumbs">
          <Link to={`/people?${apiQuery(f)}`}>People</Link> / {email}
        </p>
        <div className="state private" data-testid="private" role="note">
          <strong>Private by policy.</strong> Individual usage is visible to the person themselves and to roles the privacy policy allows.
        </div>
      </>
    );
  return (
    <>
      <p className="crumbs">
        <Link to={`/people?${apiQuery(f)}`}>People</Link> / {email}
      </p>
      <Async result={profile}>
        {({ person: p }) => (
          <>
            <PageHeader title={p.name ?? p.email} lede={[p.title, p.team, p.function].filter(Boolean).join(' · ') || p.email} />
            {own && <ReminderBanner reload={written} />}
            {p.activity ? (
              <div className="stats">
                <StatCard testId="person-active-days" label="Active days" value={integer(p.activity.activeDays)} hint={`last active ${day(p.activity.lastDay)}`} />
                <StatCard testId="person-tokens" label="Tokens" value={compact(p.activity.tokens)} />
                <StatCard testId="person-cost" label="Cost" value={usd(p.activity.cost)} />
                <StatCard testId="person-tools" label="Tools tried" value={integer(p.activity.tools)} hint={`${p.activity.models} models`} />
              </div>
            ) : (
              <Empty>No usage in this range.</Empty>
            )}
            <Panel id="person-series" title="Usage over time">
              <Async result={series}>
                {(s) => {
                  const rows = s.rows.filter(visible) as Visible[];
                  return rows.length ? <TimeChart label="Tokens per day" data={rows.map((r) => ({ t: r.bucket!, tokens: r.tokens }))} series={[{ key: 'tokens', label: 'Tokens' }]} /> : <Empty>No usage in this range.</Empty>;
                }}
              </Async>
            </Panel>
            <div className="grid-2">
              <Panel id="person-tools" title="Tools">
                <Async result={tools}>{(b) => <BreakdownTable rows={b.rows} dim="tool" label="Tool" name="person-tools" chart={false} metric="tokens" />}</Async>
              </Panel>
              <Panel id="person-context" title="Experiments and learnings" subtitle={own ? 'Your own check-ins and experiments, private ones included' : undefined}>
                {own ? (
                  <ContextFeed feed="mine" reload={written} empty="No check-ins or experiments yet. Write this week's check-in below." />
                ) : (
                  <div className="slot" data-testid="context-slot">
                    What this person shared appears on their team's page{p.team ? ' and in its digest' : ''}.
                  </div>
                )}
              </Panel>
            </div>
            {own && (
              <Panel id="person-write" title="Write this week's check-in or log an experiment" subtitle="Private entries stay on this page; team and organisation ones appear in feeds and digests.">
                <ContextComposer onSaved={() => setWritten((n) => n + 1)} />
              </Panel>
            )}
          </>
        )}
      </Async>
    </>
  );
}
