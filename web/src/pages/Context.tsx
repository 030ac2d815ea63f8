import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { PageHeader, Panel } from '../components/Panel';
import { ContextComposer } from '../components/ContextForms';
import { ContextFeed, digestHref, ReminderBanner, type FeedSearch } from '../components/ContextFeed';

const FEEDS = [
  ['organisation', 'Organisation'],
  ['team', 'My team'],
  ['mine', 'Mine'],
] as const;
type FeedName = (typeof FEEDS)[number][0];

/** Experiments and check-ins: write them, read what others shared, mark what helped, discuss. */
export function ContextPage() {
  const [params, setParams] = useSearchParams();
  const feed = (FEEDS.map(([f]) => f) as string[]).includes(params.get('feed') ?? '') ? (params.get('feed') as FeedName) : 'organisation';
  const [reload, setReload] = useState(0);
  const [q, setQ] = useState(params.get('q') ?? '');
  const [tag, setTag] = useState(params.get('tag') ?? '');
  const [kind, setKind] = useState(params.get('kind') ?? '');
  const search: FeedSearch = { q: params.get('q') ?? undefined, tag: params.get('tag') ?? undefined, kind: (params.get('kind') as FeedSearch['kind']) || undefined };
  const setParam = (patch: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(patch)) (v ? next.set(k, v) : next.delete(k));
    setParams(next);
  };
  return (
    <>
      <PageHeader title="Experiments and check-ins" lede="What did we try new this week — for ourselves, the team and the company — and what did we learn? Failed experiments are worth as much as the ones that worked." />
      <ReminderBanner reload={reload} />
      <Panel id="context-write" title="Write">
        <ContextComposer onSaved={() => setReload((n) => n + 1)} />
      </Panel>
      <Panel
        id="context-feed"
        title="Feed"
        subtitle="Only what its authors shared with you; private entries appear under Mine."
        actions={
          <a className="btn small" href={digestHref()} data-testid="digest-link">
            Weekly digest
          </a>
        }
      >
        <div className="toolbar">
          <div role="group" aria-label="Feed">
            {FEEDS.map(([f, l]) => (
              <button key={f} type="button" className={`btn toggle${feed === f ? ' on' : ''}`} aria-pressed={feed === f} onClick={() => setParam({ feed: f })} data-testid={`feed-${f}`}>
                {l}
              </button>
            ))}
          </div>
          <form
            className="inline-form"
            role="search"
            onSubmit={(e) => {
              e.preventDefault();
              setParam({ q, tag, kind });
            }}
          >
            <label htmlFor="feed-q" className="sr-only">
              Search
            </label>
            <input id="feed-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="Search" data-testid="feed-search" />
            <label htmlFor="feed-tag" className="sr-only">
              Tags
            </label>
            <input id="feed-tag" value={tag} onChange={(e) => setTag(e.target.value)} placeholder="tags, comma-separated" data-testid="feed-tag" />
            <label htmlFor="feed-kind" className="sr-only">
              Kind
            </label>
            <select id="feed-kind" value={kind} onChange={(e) => setKind(e.target.value)}>
              <option value="">Everything</option>
              <option value="checkin">Check-ins</option>
              <option value="experiment">Experiments</option>
            </select>
            <button type="submit" className="btn small">
              Filter
            </button>
          </form>
        </div>
        <ContextFeed feed={feed} limit={30} reload={reload} search={search} empty={search.q || search.tag || search.kind ? 'Nothing matches these filters.' : feed === 'mine' ? 'You have not written anything yet: start with this week’s check-in above.' : 'Nothing shared here yet.'} />
      </Panel>
    </>
  );
}
