import { useEffect, useState } from 'react';
import { Async } from '../components/States';
import { PageHeader, Panel } from '../components/Panel';
import { api, ApiError, useApi } from '../lib/api';
import { SignOut } from '../components/SignOut';
import { LEADERBOARD_METRICS, RULE_METRICS, type LeaderboardConfig, type ViewerRes } from '../lib/types';
import { METRIC_LABELS } from './Leaderboards';

function WhoYouAre({ viewer }: { viewer: ViewerRes }) {
  return (
    <Panel id="who-you-are" title="Who you are" subtitle="You are signed in; what you see follows the organisation's privacy policy.">
      <p data-testid="viewer-role">
        Viewing as <strong>{viewer.role}</strong>
        {viewer.email ? ` (${viewer.email})` : ''}. Groups smaller than {viewer.minGroupSize} people are suppressed{viewer.maySeeIndividuals ? ' for others; you may see individuals' : ''}.
      </p>
      <p className="muted">Scripts and other tools read the same API with an API token (<code>Authorization: Bearer …</code>) that an admin creates; the browser uses your sign-in.</p>
      <SignOut className="btn" />
    </Panel>
  );
}

function LeaderboardSettings({ initial, canEdit }: { initial: LeaderboardConfig; canEdit: boolean }) {
  const [c, setC] = useState(initial);
  const [status, setStatus] = useState<string | null>(null);
  useEffect(() => setC(initial), [initial]);
  const save = async () => {
    setStatus('Saving…');
    try {
      const saved = await api<LeaderboardConfig>('/api/v1/insights/leaderboard/config', { method: 'PUT', body: JSON.stringify(c) });
      setC(saved);
      setStatus('Saved.');
    } catch (e) {
      setStatus(`Not saved: ${e instanceof ApiError ? e.message : String(e)}`);
    }
  };
  const check = (k: 'enabled' | 'allowIndividuals' | 'pseudonymous', label: string) => (
    <label className="check">
      <input type="checkbox" checked={c[k]} disabled={!canEdit} onChange={(e) => setC({ ...c, [k]: e.target.checked })} data-testid={`lb-${k}`} /> {label}
    </label>
  );
  return (
    <Panel id="leaderboard-settings" title="Leaderboards" subtitle={canEdit ? 'Organisation-wide settings' : 'Read-only: only an admin may change these'}>
      <fieldset disabled={!canEdit}>
        <legend className="sr-only">Leaderboard settings</legend>
        {check('enabled', 'Leaderboards are on for this organisation')}
        {check('allowIndividuals', 'Allow individual leaderboards (only people who opted in)')}
        {check('pseudonymous', 'Show pseudonyms instead of names')}
        <label htmlFor="lb-optin">People who opted in (one email per line)</label>
        <textarea id="lb-optin" rows={3} value={c.optedIn.join('\n')} onChange={(e) => setC({ ...c, optedIn: e.target.value.split(/\s+/).filter(Boolean) })} data-testid="lb-optin" />
        <fieldset className="metrics">
          <legend>Metrics offered</legend>
          {LEADERBOARD_METRICS.map((m) => (
            <label key={m} className="check">
              <input type="checkbox" checked={c.metrics.includes(m)} onChange={(e) => setC({ ...c, metrics: e.target.checked ? [...c.metrics, m] : c.metrics.filter((x) => x !== m) })} /> {METRIC_LABELS[m]}
            </label>
          ))}
        </fieldset>
        <table className="rules-table">
          <caption>Titles: earned when the rule holds</caption>
          <thead>
            <tr>
              <th scope="col">On</th>
              <th scope="col">Title</th>
              <th scope="col">Metric</th>
              <th scope="col">At least</th>
            </tr>
          </thead>
          <tbody>
            {c.titles.map((t, i) => {
              const setT = (patch: Partial<typeof t>) => setC({ ...c, titles: c.titles.map((x, j) => (j === i ? { ...x, ...patch } : x)) });
              return (
                <tr key={i}>
                  <td>
                    <input type="checkbox" aria-label={`${t.name} on`} checked={t.enabled} onChange={(e) => setT({ enabled: e.target.checked })} />
                  </td>
                  <td>
                    <input aria-label="Title" value={t.name} onChange={(e) => setT({ name: e.target.value })} />
                  </td>
                  <td>
                    <select aria-label={`${t.name} metric`} value={t.metric} onChange={(e) => setT({ metric: e.target.value as typeof t.metric })}>
                      {RULE_METRICS.map((m) => (
                        <option key={m}>{m}</option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <input aria-label={`${t.name} threshold`} type="number" min={0} step="any" value={t.min} onChange={(e) => setT({ min: Number(e.target.value) })} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        <table className="rules-table">
          <caption>Tiers: the highest level whose threshold is met</caption>
          <thead>
            <tr>
              <th scope="col">Tier</th>
              <th scope="col">
                <label htmlFor="tier-metric">At least (metric:</label>{' '}
                <select id="tier-metric" value={c.tiers.metric} onChange={(e) => setC({ ...c, tiers: { ...c.tiers, metric: e.target.value as typeof c.tiers.metric } })}>
                  {RULE_METRICS.map((m) => (
                    <option key={m}>{m}</option>
                  ))}
                </select>
                )
              </th>
            </tr>
          </thead>
          <tbody>
            {c.tiers.levels.map((l, i) => {
              const setL = (patch: Partial<typeof l>) => setC({ ...c, tiers: { ...c.tiers, levels: c.tiers.levels.map((x, j) => (j === i ? { ...x, ...patch } : x)) } });
              return (
                <tr key={i}>
                  <td>
                    <input aria-label="Tier name" value={l.name} onChange={(e) => setL({ name: e.target.value })} />
                  </td>
                  <td>
                    <input aria-label={`${l.name} threshold`} type="number" min={0} step="any" value={l.min} onChange={(e) => setL({ min: Number(e.target.value) })} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </fieldset>
      {canEdit && (
        <p>
          <button type="button" className="btn primary" onClick={save} data-testid="lb-save">
            Save
          </button>{' '}
          <span role="status" data-testid="lb-status">
            {status}
          </span>
        </p>
      )}
    </Panel>
  );
}

export function Settings() {
  const viewer = useApi<ViewerRes>('/api/v1/insights/viewer');
  const config = useApi<LeaderboardConfig>('/api/v1/insights/leaderboard/config');
  return (
    <>
      <PageHeader title="Settings" />
      <Async result={viewer}>{(v) => <WhoYouAre viewer={v} />}</Async>
      <Async result={config}>{(c) => <LeaderboardSettings initial={c} canEdit={viewer.state === 'ready' && viewer.data.role === 'admin'} />}</Async>
    </>
  );
}
