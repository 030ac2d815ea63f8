import { Link, useSearchParams } from 'react-router';
import { Async, Empty } from '../components/States';
import { PageHeader, Panel } from '../components/Panel';
import { DataTable } from '../components/DataTable';
import { useApi } from '../lib/api';
import { apiQuery } from '../lib/filters';
import { compact, integer, usd } from '../lib/format';
import { useFilters } from '../lib/hooks';
import type { ContextStatsRes, LeaderboardConfig, LeaderboardEntry, LeaderboardMetric, LeaderboardRes, ViewerRes } from '../lib/types';

export const METRIC_LABELS: Record<LeaderboardMetric, string> = {
  activeDays: 'Active days',
  tools: 'Distinct tools tried',
  tokens: 'Tokens',
  cost: 'Cost',
  experiments: 'Experiments shared',
  learnings: 'Learnings others found useful',
};
const RULE_LABELS: Record<string, string> = {
  activeDaysPerWeek: 'active days per week',
  tools: 'distinct tools',
  models: 'distinct models',
  cacheShare: 'share of input read from cache',
  tokens: 'tokens',
  cost: 'cost (USD)',
  experiments: 'experiments shared',
  learnings: 'learnings found useful',
};

/** Whole weeks in the view's range, as GET /api/v1/context/stats takes them (counted back from the range end, `to`). */
export function weeksOf(from: string, to: string): number {
  const w = Math.round((Date.parse(to) - Date.parse(from)) / (7 * 86_400_000));
  return Math.min(52, Math.max(1, w || 1));
}

function formatValue(metric: LeaderboardMetric, v: number, scope: 'team' | 'person'): string {
  if (metric === 'cost') return usd(v);
  if (metric === 'tokens') return compact(v);
  // Shared experiments and useful marks are rare per person: two decimals show one more.
  if (scope === 'team') return v.toFixed(metric === 'experiments' || metric === 'learnings' ? 2 : 1);
  return integer(v);
}

export function Rules({ config }: { config: LeaderboardConfig }) {
  return (
    <div className="rules" data-testid="leaderboard-rules">
      <h3>Titles</h3>
      <ul>
        {config.titles.map((t) => (
          <li key={t.name} className={t.enabled ? '' : 'off'}>
            <span className="badge title">{t.name}</span> {RULE_LABELS[t.metric]} ≥ {t.metric === 'cacheShare' ? `${Math.round(t.min * 100)}%` : compact(t.min)}
            {t.description && <span className="muted"> — {t.description}</span>}
            {!t.enabled && <span className="muted"> (switched off)</span>}
          </li>
        ))}
      </ul>
      <h3>Tiers by {RULE_LABELS[config.tiers.metric]}</h3>
      <p>
        {config.tiers.levels.map((l) => (
          <span key={l.name} className={`badge tier tier-${l.name.toLowerCase()}`}>
            {l.name} ≥ {l.min}
          </span>
        ))}
      </p>
    </div>
  );
}

export function Leaderboards() {
  const [f] = useFilters();
  const [params, setParams] = useSearchParams();
  const scope = params.get('scope') === 'person' ? 'person' : 'team';
  const metric = (params.get('metric') as LeaderboardMetric | null) ?? 'activeDays';
  const viewer = useApi<ViewerRes>('/api/v1/insights/viewer');
  const mayIndividuals = viewer.state === 'ready' && viewer.data.maySeeIndividuals;
  const res = useApi<LeaderboardRes>(scope === 'person' && viewer.state === 'ready' && !mayIndividuals ? null : `/api/v1/insights/leaderboard?${apiQuery(f, { scope, metric })}`);
  const weeks = weeksOf(f.from, f.to);
  const stats = useApi<ContextStatsRes>(`/api/v1/context/stats?weeks=${weeks}&to=${f.to}`);
  const byTeam = new Map(stats.state === 'ready' ? stats.data.teams.map((t) => [t.team, t]) : []);
  const setParam = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    next.set(k, v);
    setParams(next);
  };
  return (
    <>
      <PageHeader title="Leaderboards" lede="A deliberate, opt-in feature: team-level by default, individuals only when they opted in, titles earned by rules anyone can read. Volume is not value." />
      {scope === 'person' && viewer.state === 'ready' && !mayIndividuals && (
        <div className="state private" data-testid="private" role="note">
          <strong>Private by policy.</strong> Individual leaderboards need a role that may see individuals. <button type="button" className="btn link" onClick={() => setParam('scope', 'team')}>Show teams</button>
        </div>
      )}
      {!(scope === 'person' && viewer.state === 'ready' && !mayIndividuals) && (
      <Async result={res}>
        {({ leaderboard: b }) =>
          !b.enabled ? (
            <div className="state empty" data-testid="leaderboard-off">
              <strong>Leaderboards are switched off for this organisation.</strong> An admin can turn them on in <Link to="/settings">Settings</Link>.
            </div>
          ) : (
            <>
              <div className="toolbar">
                <div role="group" aria-label="Scope">
                  {(['team', 'person'] as const).map((s) => (
                    <button key={s} type="button" className={`btn toggle${scope === s ? ' on' : ''}`} aria-pressed={scope === s} onClick={() => setParam('scope', s)} disabled={s === 'person' && (!b.config.allowIndividuals || !mayIndividuals)}
                      title={s === 'person' && !mayIndividuals ? 'Individual leaderboards need a role that may see individuals' : undefined} data-testid={`scope-${s}`}>
                      {s === 'team' ? 'Teams' : 'Individuals (opted in)'}
                    </button>
                  ))}
                </div>
                <div className="field inline">
                  <label htmlFor="lb-metric">Metric</label>
                  <select id="lb-metric" value={metric} onChange={(e) => setParam('metric', e.target.value)} data-testid="leaderboard-metric">
                    {b.config.metrics.map((m) => (
                      <option key={m} value={m}>
                        {METRIC_LABELS[m]}
                      </option>
                    ))}
                  </select>
                </div>
              </div>
              <Panel id="leaderboard" title={`${scope === 'team' ? 'Teams' : 'People'} by ${METRIC_LABELS[metric].toLowerCase()}`} subtitle={scope === 'team' ? 'Per active person, so large teams do not win by size' : b.config.pseudonymous ? 'Pseudonymous names' : undefined}>
                {b.note && <p className="note">{b.note}</p>}
                {(metric === 'experiments' || metric === 'learnings') && (
                  <p className="note" data-testid="context-metric-note">
                    {metric === 'experiments' ? 'Experiments shared with the team or the organisation in the range' : "Useful marks other people gave to shared check-ins and experiments in the range (your own marks and private entries never count)"}
                    {scope === 'team' ? ', per active person.' : '.'}
                  </p>
                )}
                <DataTable<LeaderboardEntry>
                  name={`leaderboard-${scope}-${metric}`}
                  testId="leaderboard-table"
                  rows={b.entries}
                  empty={scope === 'person' ? 'No one has opted in yet.' : 'No teams with usage in this range.'}
                  isSuppressed={(e) => !!e.suppressed}
                  reasonOf={(e) => (e.suppressed ? e.reason : undefined)}
                  columns={[
                    { key: 'name', label: scope === 'team' ? 'Team' : 'Person', render: (e) => e.name },
                    { key: 'rank', label: 'Rank', numeric: true, render: (e) => (e.suppressed ? '' : e.rank) },
                    { key: 'value', label: METRIC_LABELS[metric] + (scope === 'team' ? ' per person' : ''), numeric: true, render: (e) => (e.suppressed ? '' : formatValue(metric, e.value, scope)), csv: (e) => (e.suppressed ? null : e.value) },
                    { key: 'tier', label: 'Tier', render: (e) => (e.suppressed || !e.tier ? '' : <span className={`badge tier tier-${e.tier.toLowerCase()}`}>{e.tier}</span>), csv: (e) => (e.suppressed ? null : e.tier) },
                    { key: 'titles', label: 'Titles', render: (e) => (e.suppressed ? '' : e.titles.map((t) => <span key={t} className="badge title">{t}</span>)), csv: (e) => (e.suppressed ? null : e.titles.join('; ')) },
                    ...(scope === 'team'
                      ? [
                          { key: 'experiments', label: `Experiments shared (${weeks} wk)`, numeric: true, render: (e: LeaderboardEntry) => (e.suppressed ? '' : integer(byTeam.get(e.name)?.experiments ?? 0)), csv: (e: LeaderboardEntry) => (e.suppressed ? null : (byTeam.get(e.name)?.experiments ?? 0)) },
                          { key: 'useful', label: 'Learnings found useful', numeric: true, render: (e: LeaderboardEntry) => (e.suppressed ? '' : integer(byTeam.get(e.name)?.useful ?? 0)), csv: (e: LeaderboardEntry) => (e.suppressed ? null : (byTeam.get(e.name)?.useful ?? 0)) },
                          { key: 'context', label: 'What they tried', render: (e: LeaderboardEntry) => (e.suppressed ? '' : <Link to={`/teams/${encodeURIComponent(e.name)}?${apiQuery(f)}`}>{byTeam.get(e.name)?.checkins ?? 0} check-ins</Link>), csv: (e: LeaderboardEntry) => (e.suppressed ? null : (byTeam.get(e.name)?.checkins ?? 0)) },
                        ]
                      : [{ key: 'context', label: 'What they tried', render: () => <span className="muted">shared per team: see the Teams scope</span>, csv: () => '' }]),
                  ]}
                />
              </Panel>
              <Panel id="rules" title="How titles and tiers are earned">
                <Rules config={b.config} />
              </Panel>
            </>
          )
        }
      </Async>
      )}
    </>
  );
}
