/**
 * Check-ins, experiments, reactions and comments: writes, and the API shape
 * of what is read. Every function takes the Viewer explicitly; reads go
 * through the query layer (src/query/context.ts), which decides visibility.
 */
import { z } from 'zod';
import { ContextQuery, type Feed } from '../query/context.js';
import { PolicyError, type Viewer } from '../query/policy.js';
import type { QueryService } from '../query/service.js';
import type { Store } from '../store/types.js';
import { ContextRepo, type EntryRow } from './repo.js';
import { markdownToHtml } from './render.js';
import {
  CheckinInputSchema,
  CommentInputSchema,
  ExperimentInputSchema,
  firstIssue,
  type FeedFilter,
  type UsageLink,
} from './schema.js';
import { resolveWeek, WEEK_MS, weekName } from './week.js';
import { buildDigest, type Digest } from './digest.js';
import { deliver, payloadFor, type DeliveryOptions, type DeliveryResult } from './webhook.js';
import { WebhookInputSchema } from './schema.js';

/** A refusal with an HTTP status; 400s name the field. */
export class ContextError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409,
    message: string,
    readonly field?: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const { field, reason } = firstIssue(r.error);
  throw new ContextError(400, `invalid ${field}: ${reason}`, field, reason);
}

export interface UsageFigures {
  tokens: number;
  cost: number;
  requests: number;
  sessions: number;
  /** When the figures were read (they are the author's snapshot, refreshed on edit). */
  asOf: string;
}

export interface EntryView {
  id: number;
  kind: 'checkin' | 'experiment';
  author: { email: string; name: string | null };
  team: string | null;
  visibility: EntryRow['visibility'];
  week: string;
  createdAt: string;
  updatedAt: string;
  tags: string[];
  useful: number;
  usefulByMe: boolean;
  comments: number;
  checkin?: { tried?: string; triedForTeam?: string; triedForCompany?: string; learned?: string };
  experiment?: {
    title: string;
    goal?: string;
    tools: string[];
    models: string[];
    outcome: NonNullable<EntryRow['outcome']>;
    learned?: string;
    links: string[];
    usage?: { from: string; to: string; tool?: string; model?: string; sessions?: string[]; figures?: UsageFigures };
  };
  /** Sanitised HTML of each Markdown field, for pages that show it. */
  html: Record<string, string>;
}

const TEXT_FIELDS = ['tried', 'triedForTeam', 'triedForCompany', 'goal', 'learned'] as const;

export class ContextService {
  readonly query: ContextQuery;

  constructor(
    readonly repo: ContextRepo,
    usage: QueryService,
    private readonly now: () => number = Date.now,
  ) {
    this.query = new ContextQuery(repo, usage);
  }

  static forStore(store: Store, usage: QueryService, now?: () => number): ContextService {
    return new ContextService(ContextRepo.forStore(store), usage, now);
  }

  /** The signed-in person writing, with their directory team. */
  private async author(viewer: Viewer) {
    if (viewer.role === 'anonymous') throw new ContextError(401, 'sign in to write check-ins and experiments');
    if (!viewer.email) throw new ContextError(403, 'only a signed-in person can write check-ins and experiments (this credential has no email)');
    const email = viewer.email.toLowerCase();
    const p = await this.repo.person(email);
    return { email, name: p?.name ?? viewer.name ?? null, team: p?.team ?? null };
  }

  private checkTeam(visibility: string, team: string | null): void {
    if (visibility === 'team' && !team) {
      throw new ContextError(400, 'invalid visibility: you are in no team in the directory; choose private or organisation', 'visibility', 'you are in no team');
    }
  }

  async createCheckin(viewer: Viewer, input: unknown): Promise<EntryView> {
    const c = parseOrThrow(CheckinInputSchema, input);
    const a = await this.author(viewer);
    this.checkTeam(c.visibility, a.team);
    const doc = withHtml({ tried: c.tried, triedForTeam: c.triedForTeam, triedForCompany: c.triedForCompany, learned: c.learned });
    const id = await this.repo.insertEntry({
      kind: 'checkin',
      authorEmail: a.email,
      authorName: a.name,
      team: a.team,
      visibility: c.visibility,
      week: resolveWeek(c.week, this.now()),
      title: null,
      outcome: null,
      doc,
      search: searchText([a.name, c.tried, c.triedForTeam, c.triedForCompany, c.learned, ...c.tags]),
      tags: c.tags,
      at: this.now(),
    });
    return this.get(viewer, id);
  }

  async createExperiment(viewer: Viewer, input: unknown): Promise<EntryView> {
    const x = parseOrThrow(ExperimentInputSchema, input);
    const a = await this.author(viewer);
    this.checkTeam(x.visibility, a.team);
    const doc = await this.experimentDoc(viewer, a.email, x);
    const id = await this.repo.insertEntry({
      kind: 'experiment',
      authorEmail: a.email,
      authorName: a.name,
      team: a.team,
      visibility: x.visibility,
      week: weekName(x.usage?.from ?? this.now()),
      title: x.title,
      outcome: x.outcome,
      doc,
      search: searchText([a.name, x.title, x.goal, x.learned, ...x.tools, ...x.models, ...x.tags]),
      tags: x.tags,
      at: this.now(),
    });
    return this.get(viewer, id);
  }

  /** Replace an entry the viewer wrote (same kind, same validation). */
  async update(viewer: Viewer, id: number, input: unknown): Promise<EntryView> {
    const e = await this.own(viewer, id);
    const a = await this.author(viewer);
    if (e.kind === 'checkin') {
      const c = parseOrThrow(CheckinInputSchema, input);
      this.checkTeam(c.visibility, a.team);
      const doc = withHtml({ tried: c.tried, triedForTeam: c.triedForTeam, triedForCompany: c.triedForCompany, learned: c.learned });
      await this.repo.updateEntry(id, {
        team: a.team, visibility: c.visibility, week: c.week ? resolveWeek(c.week, this.now()) : e.week, title: null, outcome: null, doc,
        search: searchText([a.name, c.tried, c.triedForTeam, c.triedForCompany, c.learned, ...c.tags]), tags: c.tags, at: this.now(),
      });
    } else {
      const x = parseOrThrow(ExperimentInputSchema, input);
      this.checkTeam(x.visibility, a.team);
      const doc = await this.experimentDoc(viewer, a.email, x);
      await this.repo.updateEntry(id, {
        team: a.team, visibility: x.visibility, week: x.usage ? weekName(x.usage.from) : e.week, title: x.title, outcome: x.outcome, doc,
        search: searchText([a.name, x.title, x.goal, x.learned, ...x.tools, ...x.models, ...x.tags]), tags: x.tags, at: this.now(),
      });
    }
    return this.get(viewer, id);
  }

  async remove(viewer: Viewer, id: number): Promise<void> {
    await this.own(viewer, id);
    await this.repo.deleteEntry(id);
  }

  /** Re-read an experiment's linked usage (as its author). */
  async refreshUsage(viewer: Viewer, id: number): Promise<EntryView> {
    const e = await this.own(viewer, id);
    const link = (e.doc as { usage?: { from: string; to: string; tool?: string; model?: string; sessions?: string[] } }).usage;
    if (e.kind !== 'experiment' || !link) throw new ContextError(400, 'invalid usage: this entry has no linked usage', 'usage', 'no linked usage');
    const figures = await this.usageFigures(viewer, e.authorEmail, { ...link, from: Date.parse(link.from), to: Date.parse(link.to) });
    await this.repo.setDoc(id, { ...e.doc, usage: { ...link, figures } });
    return this.get(viewer, id);
  }

  private async experimentDoc(viewer: Viewer, email: string, x: z.output<typeof ExperimentInputSchema>) {
    const usage = x.usage
      ? {
          from: new Date(x.usage.from).toISOString(),
          to: new Date(x.usage.to).toISOString(),
          tool: x.usage.tool,
          model: x.usage.model,
          sessions: x.usage.sessions,
          figures: await this.usageFigures(viewer, email, x.usage),
        }
      : undefined;
    return withHtml({ title: x.title, goal: x.goal, tools: x.tools, models: x.models, outcome: x.outcome, learned: x.learned, links: x.links, usage });
  }

  /**
   * The author's own usage in the linked range and tool, through the query
   * layer as the author (a self query). Session ids are kept with the link;
   * the figures cover the range and tool (the rollups have no session key).
   */
  private async usageFigures(viewer: Viewer, email: string, link: UsageLink): Promise<UsageFigures | undefined> {
    const filters = { person: [email], ...(link.tool ? { tool: [link.tool] } : {}), ...(link.model ? { model: [link.model] } : {}) };
    const row = await this.query.usage.summary({ ...viewer, email }, { from: link.from, to: link.to, filters });
    if (row.suppressed) return undefined;
    return { tokens: row.tokens, cost: Math.round(row.cost * 100) / 100, requests: row.requests, sessions: row.sessions, asOf: new Date(this.now()).toISOString() };
  }

  private async own(viewer: Viewer, id: number): Promise<EntryRow> {
    const e = await this.query.entry(viewer, id);
    if (!e) throw new ContextError(404, `no entry ${id} that you can see`);
    if (!viewer.email || e.authorEmail !== viewer.email.toLowerCase()) throw new ContextError(403, 'only the author can change an entry');
    return e;
  }

  async get(viewer: Viewer, id: number): Promise<EntryView> {
    const e = await this.query.entry(viewer, id);
    if (!e) throw new ContextError(404, `no entry ${id} that you can see`);
    return (await this.views(viewer, [e]))[0]!;
  }

  async feed(viewer: Viewer, f: FeedFilter): Promise<EntryView[]> {
    if (f.feed === 'team' && !f.team && !(viewer.email && (await this.repo.person(viewer.email.toLowerCase()))?.team)) {
      throw new ContextError(400, 'invalid team: a team feed needs ?team= (you are in no team)', 'team', 'required: you are in no team');
    }
    const rows = await this.query.feed(viewer, f.feed as Feed, {
      team: f.team,
      q: f.q,
      tags: f.tag,
      kind: f.kind,
      outcome: f.outcome,
      week: f.week ? resolveWeek(f.week, this.now()) : undefined,
      limit: f.limit,
      before: f.before,
    });
    return this.views(viewer, rows);
  }

  async views(viewer: Viewer, rows: EntryRow[]): Promise<EntryView[]> {
    const mine = viewer.email ? await this.repo.usefulBy(viewer.email.toLowerCase(), rows.map((r) => r.id)) : new Set<number>();
    return rows.map((r) => toView(r, mine.has(r.id)));
  }

  async markUseful(viewer: Viewer, id: number, on: boolean): Promise<EntryView> {
    const e = await this.query.entry(viewer, id);
    if (!e) throw new ContextError(404, `no entry ${id} that you can see`);
    if (!viewer.email) throw new ContextError(403, 'only a signed-in person can react');
    // Marking your own learning useful would make "learnings found useful" a number to game.
    if (e.authorEmail === viewer.email.toLowerCase()) throw new ContextError(409, 'you cannot mark your own entry useful');
    await this.repo.react(id, viewer.email.toLowerCase(), on, this.now());
    return this.get(viewer, id);
  }

  async comment(viewer: Viewer, id: number, input: unknown) {
    const c = parseOrThrow(CommentInputSchema, input);
    const e = await this.query.entry(viewer, id);
    if (!e) throw new ContextError(404, `no entry ${id} that you can see`);
    const a = await this.author(viewer);
    const cid = await this.repo.addComment(id, a.email, a.name, c.body, this.now());
    return (await this.comments(viewer, id)).find((x) => x.id === cid)!;
  }

  async comments(viewer: Viewer, id: number) {
    const e = await this.query.entry(viewer, id);
    if (!e) throw new ContextError(404, `no entry ${id} that you can see`);
    const rows = await this.repo.comments(id);
    return rows.map((r) => ({
      id: r.id,
      author: { email: r.authorEmail, name: r.authorName },
      body: r.body,
      html: markdownToHtml(r.body),
      createdAt: new Date(r.createdAt).toISOString(),
    }));
  }

  /** Shown to people who have not written this week's check-in (no e-mails: the page shows it). */
  async reminder(viewer: Viewer) {
    const week = weekName(this.now());
    if (!viewer.email) return { week, due: false, message: null };
    const done = await this.repo.hasCheckin(viewer.email.toLowerCase(), week);
    return {
      week,
      due: !done,
      message: done ? null : 'What did you try new this week — for yourself, your team, the company — and what did you learn? Failed experiments count.',
    };
  }

  /** Leaderboard inputs, per team: experiments shared and learnings marked useful (shared entries only). */
  /**
   * `weeks` ISO weeks ending with the week of the range end `end` (exclusive,
   * epoch ms; default now), so a dashboard range in the past counts its own
   * weeks, not the ones before today.
   */
  async teamStats(viewer: Viewer, weeks: number, end?: number) {
    if (viewer.role === 'anonymous') throw new PolicyError('sign in to see context statistics');
    const last = end === undefined ? this.now() : end - 1;
    const to = weekName(last);
    const from = weekName(last - (weeks - 1) * WEEK_MS);
    // Counts only, of entries their authors shared with at least their team; never private ones.
    const rows = await this.repo.teamCounts(from, to);
    return { from, to, teams: rows };
  }
}

export interface WebhookView {
  id: number;
  team: string | null;
  url: string;
  format: 'slack' | 'teams';
  createdBy: string | null;
  createdAt: string;
}

/** Digests and their webhooks. */
export class DigestService {
  constructor(
    readonly context: ContextService,
    private readonly now: () => number = Date.now,
  ) {}

  private get repo() {
    return this.context.repo;
  }

  /** The digest of a team (or the organisation) for a week, if the viewer may read it. */
  async digest(viewer: Viewer, team: string | undefined, week: string | undefined): Promise<Digest> {
    await this.context.query.checkDigestReader(viewer, team);
    return buildDigest(this.context.query, team, resolveWeek(week, this.now()), this.now());
  }

  /** Team webhooks: the team's members and managers. Organisation webhooks: admins. */
  private async checkManage(viewer: Viewer, team: string | null): Promise<void> {
    if (team === null) {
      if (viewer.role !== 'admin') throw new ContextError(403, 'only an admin can configure the organisation digest webhook');
      return;
    }
    const scope = await this.context.query.scopeFor(viewer);
    if (!scope.teams.includes(team)) throw new ContextError(403, `only members and managers of ${team} can configure its digest webhook`);
  }

  async addWebhook(viewer: Viewer, input: unknown): Promise<WebhookView> {
    const w = parseOrThrow(WebhookInputSchema, input);
    const team = w.team ?? null;
    await this.checkManage(viewer, team);
    if (team !== null && !(await this.repo.teamExists(team))) throw new ContextError(400, `invalid team: no team named ${team}`, 'team', 'unknown team');
    const id = await this.repo.addWebhook({ team, url: w.url, format: w.format, createdBy: viewer.email ?? viewer.name ?? null, at: this.now() });
    return this.view((await this.repo.webhook(id))!);
  }

  async listWebhooks(viewer: Viewer): Promise<WebhookView[]> {
    if (viewer.role === 'anonymous') throw new ContextError(401, 'sign in to see digest webhooks');
    const scope = await this.context.query.scopeFor(viewer);
    const all = await this.repo.webhooks();
    return all.filter((w) => (w.team === null ? viewer.role === 'admin' : scope.teams.includes(w.team))).map((w) => this.view(w));
  }

  private async managed(viewer: Viewer, id: number) {
    const w = await this.repo.webhook(id);
    if (!w) throw new ContextError(404, `no webhook ${id}`);
    await this.checkManage(viewer, w.team);
    return w;
  }

  async removeWebhook(viewer: Viewer, id: number): Promise<void> {
    await this.managed(viewer, id);
    await this.repo.disableWebhook(id);
  }

  async deliveries(viewer: Viewer, id: number) {
    await this.managed(viewer, id);
    return this.repo.deliveries(id);
  }

  /** Post a week's digest to one webhook now (as its manager asked). */
  async send(viewer: Viewer, id: number, week: string | undefined, opts?: DeliveryOptions): Promise<DeliveryResult> {
    const w = await this.managed(viewer, id);
    return this.sendTo(w, resolveWeek(week, this.now()), opts);
  }

  /**
   * The weekly job: post a week's digest (default: the last complete week) to
   * every webhook that has not yet received it, so a restart does not repeat it.
   */
  async sendAll(week?: string, opts?: DeliveryOptions): Promise<{ webhook: number; result: DeliveryResult }[]> {
    const wk = resolveWeek(week, this.now() - WEEK_MS);
    const out = [];
    for (const w of await this.repo.webhooks()) {
      if (await this.repo.delivered(w.id, wk)) continue;
      out.push({ webhook: w.id, result: await this.sendTo(w, wk, opts) });
    }
    return out;
  }

  private async sendTo(w: { id: number; team: string | null; url: string; format: 'slack' | 'teams' }, week: string, opts?: DeliveryOptions) {
    // The audience is the webhook's channel: the team (or organisation), never one person.
    const d = await buildDigest(this.context.query, w.team ?? undefined, week, this.now());
    return deliver(this.repo, w, week, payloadFor(w.format, d), { now: this.now, ...opts });
  }

  private view(w: { id: number; team: string | null; url: string; format: 'slack' | 'teams'; createdBy: string | null; createdAt: number }): WebhookView {
    // Incoming-webhook URLs are secrets: show only the host and the end of the path.
    const u = new URL(w.url);
    const masked = `${u.protocol}//${u.host}/…${u.pathname.slice(-4)}`;
    return { id: w.id, team: w.team, url: masked, format: w.format, createdBy: w.createdBy, createdAt: new Date(w.createdAt).toISOString() };
  }
}

/** Markdown fields rendered once, when written: feeds then serve stored, sanitised HTML. */
function withHtml<T extends Record<string, unknown>>(doc: T): T & { html: Record<string, string> } {
  const html: Record<string, string> = {};
  for (const f of TEXT_FIELDS) if (typeof doc[f] === 'string' && doc[f]) html[f] = markdownToHtml(doc[f] as string);
  return { ...doc, html };
}

function searchText(parts: (string | null | undefined)[]): string {
  return parts.filter(Boolean).join('\n').toLowerCase();
}

function toView(r: EntryRow, usefulByMe: boolean): EntryView {
  const { html: stored, ...d } = r.doc as Record<string, unknown> & { html?: Record<string, string> };
  const html = stored ?? withHtml(d).html;
  const base = {
    id: r.id,
    kind: r.kind,
    author: { email: r.authorEmail, name: r.authorName },
    team: r.team,
    visibility: r.visibility,
    week: r.week,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
    tags: r.tags,
    useful: r.useful,
    usefulByMe,
    comments: r.comments,
    html,
  };
  if (r.kind === 'checkin') {
    return { ...base, checkin: { tried: d.tried, triedForTeam: d.triedForTeam, triedForCompany: d.triedForCompany, learned: d.learned } as EntryView['checkin'] };
  }
  return { ...base, experiment: d as unknown as EntryView['experiment'] };
}
