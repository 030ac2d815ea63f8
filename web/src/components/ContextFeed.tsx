/**
 * Context beside the numbers: entries from weekly check-ins and the experiment
 * log. Only the server's sanitised `html.*` fields are inserted as HTML; every
 * other field is plain text.
 */
import { useState, type FormEvent } from 'react';
import { Async, Empty, Loading } from './States';
import { ApiError, useApi, write } from '../lib/api';
import type { CommentView, EntryView, FeedRes, ReminderRes, ViewerRes } from '../lib/types';

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

function Entry({ entry, me }: { entry: EntryView; me: string | null }) {
  // Reactions answer with the updated entry; it replaces the feed's copy here.
  const [e, setE] = useState(entry);
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const own = !!me && e.author.email === me;
  const toggleUseful = async () => {
    setProblem(null);
    try {
      setE(await write<EntryView>(e.usefulByMe ? 'DELETE' : 'PUT', `/api/v1/context/entries/${e.id}/useful`));
    } catch (err) {
      setProblem(err instanceof Error ? err.message : String(err));
    }
  };
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
      {e.experiment && (e.experiment.tools.length > 0 || e.experiment.links.length > 0) && (
        <div className="muted entry-meta">
          {e.experiment.tools.length > 0 && <>Tools: {e.experiment.tools.join(', ')} </>}
          {e.experiment.models.length > 0 && <>· Models: {e.experiment.models.join(', ')} </>}
          {e.experiment.links.map((l) => (
            <a key={l} href={l} rel="nofollow noopener noreferrer" target="_blank" className="entry-link">
              {new URL(l).hostname}
            </a>
          ))}
        </div>
      )}
      <div className="entry-foot muted">
        {e.tags.map((t) => (
          <span key={t} className="badge">
            #{t}
          </span>
        ))}
        <button
          type="button"
          className={`btn small toggle${e.usefulByMe ? ' on' : ''}`}
          aria-pressed={e.usefulByMe}
          disabled={own}
          title={own ? 'You cannot mark your own entry useful' : e.usefulByMe ? 'Take back your useful mark' : 'Mark this useful'}
          onClick={toggleUseful}
          data-testid="useful-button"
        >
          Useful · <span data-testid="useful-count">{e.useful}</span>
        </button>{' '}
        <button type="button" className="btn small" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="comments-toggle">
          Comments · <span data-testid="comment-count">{e.comments}</span>
        </button>
        {problem && (
          <span className="field-error" role="alert">
            {' '}
            {problem}
          </span>
        )}
      </div>
      {open && <Comments entryId={e.id} onAdded={() => setE({ ...e, comments: e.comments + 1 })} />}
    </li>
  );
}

/** An entry's comments (sanitised `html` from the server) and a form to add one. */
function Comments({ entryId, onAdded }: { entryId: number; onAdded: () => void }) {
  const [reload, setReload] = useState(0);
  const res = useApi<{ comments: CommentView[] }>(`/api/v1/context/entries/${entryId}/comments`, reload);
  const [body, setBody] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = `comment-${entryId}`;
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await write('POST', `/api/v1/context/entries/${entryId}/comments`, { body });
      setBody('');
      setReload((n) => n + 1);
      onAdded();
    } catch (err) {
      setError(err instanceof ApiError && err.field === 'body' ? (err.reason ?? err.message) : err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="comments" data-testid="comments">
      {res.state === 'ready' ? (
        res.data.comments.length ? (
          <ul className="comment-list">
            {res.data.comments.map((c) => (
              <li key={c.id} data-testid="comment">
                <span className="muted">{c.author.name ?? c.author.email}:</span>
                {/* Sanitised by the server (src/context/render.ts). */}
                <div className="md" dangerouslySetInnerHTML={{ __html: c.html }} />
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted" data-testid="no-comments">
            No comments yet.
          </p>
        )
      ) : res.state === 'loading' ? (
        <Loading label="Loading comments" />
      ) : (
        <p className="field-error">{res.error.message}</p>
      )}
      <form className="comment-form" onSubmit={submit} noValidate>
        <label htmlFor={id} className="sr-only">
          Your comment
        </label>
        <textarea id={id} rows={2} value={body} onChange={(e) => setBody(e.target.value)} placeholder="Add a comment (Markdown works)" aria-invalid={!!error} aria-describedby={error ? `${id}-error` : undefined} data-testid="comment-input" />
        {error && (
          <span className="field-error" id={`${id}-error`} role="alert" data-testid="field-error" data-field={id}>
            {error}
          </span>
        )}
        <button type="submit" className="btn small" disabled={busy} data-testid="comment-submit">
          {busy ? 'Sending…' : 'Comment'}
        </button>
      </form>
    </div>
  );
}

export function EntryList({ entries, empty, me = null }: { entries: EntryView[]; empty: string; me?: string | null }) {
  if (entries.length === 0) return <Empty>{empty}</Empty>;
  return (
    <ul className="entries" data-testid="context-entries">
      {entries.map((e) => (
        // The key includes the update time, so a reloaded feed replaces an entry's local copy.
        <Entry key={`${e.id}:${e.updatedAt}:${e.useful}:${e.comments}`} entry={e} me={me} />
      ))}
    </ul>
  );
}

export interface FeedSearch {
  q?: string;
  tag?: string;
  kind?: 'checkin' | 'experiment';
}

/** A feed from GET /api/v1/context/feed (`team` for feed=team); `reload` bumps after a write. */
export function ContextFeed({ feed, team, limit = 20, empty, reload = 0, search = {} }: { feed: 'team' | 'mine' | 'organisation'; team?: string; limit?: number; empty: string; reload?: number; search?: FeedSearch }) {
  const q = new URLSearchParams({ feed, limit: String(limit) });
  if (team) q.set('team', team);
  for (const [k, v] of Object.entries(search)) if (v) q.set(k, v);
  const viewer = useApi<ViewerRes>('/api/v1/insights/viewer');
  const res = useApi<FeedRes>(`/api/v1/context/feed?${q.toString()}`, reload);
  const me = viewer.state === 'ready' ? viewer.data.email : null;
  return <Async result={res}>{(r) => <EntryList entries={r.entries} empty={empty} me={me} />}</Async>;
}

/** The weekly reminder, shown only while this week's check-in is missing (`reload` after writing one). */
export function ReminderBanner({ reload = 0 }: { reload?: number }) {
  const res = useApi<ReminderRes>('/api/v1/context/reminder', reload);
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
