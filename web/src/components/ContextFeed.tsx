/**
 * Context beside the numbers: entries from weekly check-ins and the experiment
 * log. Only the server's sanitised `html.*` fields are inserted as HTML; every
 * other field is plain text.
 */
import { Async, Empty } from './States';
import { useApi } from '../lib/api';
import type { EntryView, FeedRes, ReminderRes } from '../lib/types';

const FIELD_LABELS: [field: string, label: string][] = [
  ['goal', 'Goal'],
  ['tried', 'Tried'],
  ['triedForTeam', 'For the team'],
  ['triedForCompany', 'For the company'],
  ['learned', 'Learned'],
];

export const OUTCOME_LABELS: Record<string, string> = { worked: 'worked', partly: 'partly worked', failed: 'failed', abandoned: 'abandoned' };

export function digestHref(team?: string | null): string {
  return team ? `/context/digest?team=${encodeURIComponent(team)}` : '/context/digest';
}

function Entry({ e }: { e: EntryView }) {
  return (
    <li className="entry" data-testid="context-entry" data-entry-id={e.id} data-visibility={e.visibility}>
      <div className="entry-head">
        <strong>{e.kind === 'experiment' ? (e.experiment?.title ?? 'Experiment') : 'Weekly check-in'}</strong>
        {e.experiment && <span className={`badge outcome outcome-${e.experiment.outcome}`}>{OUTCOME_LABELS[e.experiment.outcome] ?? e.experiment.outcome}</span>}
        <span className="muted">
          {' '}
          {e.author.name ?? e.author.email} · week of {e.week}
          {e.team ? ` · ${e.team}` : ''} · {e.visibility}
        </span>
      </div>
      {FIELD_LABELS.filter(([k]) => e.html[k]).map(([k, label]) => (
        <div key={k} className="entry-field" data-field={k}>
          <span className="entry-label">{label}</span>
          {/* Sanitised by the server (src/context/render.ts); raw Markdown is never inserted as HTML. */}
          <div className="md" dangerouslySetInnerHTML={{ __html: e.html[k]! }} />
        </div>
      ))}
      {e.experiment?.usage?.figures && (
        <div className="muted entry-usage">
          Usage: {e.experiment.usage.figures.tokens.toLocaleString('en')} tokens · ${e.experiment.usage.figures.cost.toFixed(2)} · {e.experiment.usage.figures.sessions} sessions
        </div>
      )}
      <div className="entry-foot muted">
        {e.tags.map((t) => (
          <span key={t} className="badge">
            #{t}
          </span>
        ))}
        {e.useful} found useful · {e.comments} comments
      </div>
    </li>
  );
}

export function EntryList({ entries, empty }: { entries: EntryView[]; empty: string }) {
  if (entries.length === 0) return <Empty>{empty}</Empty>;
  return (
    <ul className="entries" data-testid="context-entries">
      {entries.map((e) => (
        <Entry key={e.id} e={e} />
      ))}
    </ul>
  );
}

/** A feed from GET /api/v1/context/feed (`team` for feed=team). */
export function ContextFeed({ feed, team, limit = 20, empty }: { feed: 'team' | 'mine' | 'organisation'; team?: string; limit?: number; empty: string }) {
  const q = new URLSearchParams({ feed, limit: String(limit) });
  if (team) q.set('team', team);
  const res = useApi<FeedRes>(`/api/v1/context/feed?${q.toString()}`);
  return <Async result={res}>{(r) => <EntryList entries={r.entries} empty={empty} />}</Async>;
}

/** The weekly reminder, shown only while this week's check-in is missing. */
export function ReminderBanner() {
  const res = useApi<ReminderRes>('/api/v1/context/reminder');
  if (res.state !== 'ready' || !res.data.due) return null;
  return (
    <div className="state reminder" role="note" data-testid="checkin-reminder">
      <strong>Your check-in for the week of {res.data.week}.</strong> {res.data.message}{' '}
      <a href="/context/checkin" data-testid="checkin-link">
        Write it
      </a>
    </div>
  );
}
