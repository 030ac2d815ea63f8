/**
 * Persistence for context entries, written with Kysely so the same code runs
 * on the SQLite store and a PostgreSQL one. Reads take a `ContextScope`
 * decided by the query layer (src/query/context.ts) and apply it in SQL;
 * nothing here decides who may see what.
 */
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { DB } from '../store/sql/schema.js';
import type { Store } from '../store/types.js';
import type { EntryKind, Outcome, Visibility } from './schema.js';

export interface ContextTables {
  context_entry: {
    id: import('kysely').Generated<number>;
    kind: string;
    author_email: string;
    author_name: string | null;
    team: string | null;
    visibility: string;
    week: string;
    title: string | null;
    outcome: string | null;
    doc: string;
    search: string;
    created_at: number;
    updated_at: number;
  };
  context_tag: { entry_id: number; tag: string };
  context_reaction: { entry_id: number; email: string; kind: string; created_at: number };
  context_comment: {
    id: import('kysely').Generated<number>;
    entry_id: number;
    author_email: string;
    author_name: string | null;
    body: string;
    created_at: number;
  };
  context_webhook: {
    id: import('kysely').Generated<number>;
    team: string | null;
    url: string;
    format: string;
    created_by: string | null;
    created_at: number;
    enabled: number;
  };
  context_delivery: {
    id: import('kysely').Generated<number>;
    webhook_id: number;
    delivery_key: string;
    week: string;
    attempt: number;
    ok: number;
    http_status: number | null;
    error: string | null;
    created_at: number;
  };
}

export type CDB = DB & ContextTables;

/**
 * Which entries a read may return, as data. Built only by src/query/context.ts.
 * An entry is visible when any clause admits it.
 */
export interface ContextScope {
  /** Private entries of this author. */
  self?: string;
  /** Team-visible entries of these teams. */
  teams: string[];
  /** Organisation-visible entries. */
  organisation: boolean;
  /** Narrow further (feeds and digests): only these visibilities... */
  onlyVisibility?: Visibility[];
  /** ...and only entries of this team. */
  onlyTeam?: string;
}

/** What is written for an entry. */
export interface NewEntry {
  kind: EntryKind;
  authorEmail: string;
  authorName: string | null;
  team: string | null;
  visibility: Visibility;
  week: string;
  title: string | null;
  outcome: Outcome | null;
  doc: Record<string, unknown>;
  /** Lower-cased text for search. */
  search: string;
  tags: string[];
  at: number;
}

/** What is read back: the entry with its counts. */
export interface EntryRow extends Omit<NewEntry, 'search' | 'at'> {
  id: number;
  createdAt: number;
  updatedAt: number;
  useful: number;
  comments: number;
}

export interface EntryQuery {
  id?: number;
  kind?: EntryKind;
  outcome?: Outcome;
  week?: string;
  weeks?: [from: string, to: string];
  author?: string;
  q?: string;
  tags?: string[];
  limit?: number;
  before?: number;
}

export interface DirectoryPerson {
  email: string;
  name: string | null;
  team: string | null;
}

/** Stores that expose their Kysely instance (SQLite today, PostgreSQL later). */
export function kyselyOf(store: Store): Kysely<CDB> {
  const k = (store as Store & { kysely?: Kysely<DB> }).kysely;
  if (!k) throw new Error(`the ${store.dialect} store does not expose a Kysely instance; context needs one`);
  return k as unknown as Kysely<CDB>;
}

type EB = ExpressionBuilder<CDB, 'context_entry'>;

/** The scope as one SQL condition. An empty scope matches nothing. */
function scopeCondition(eb: EB, scope: ContextScope): Expression<SqlBool> {
  const any: Expression<SqlBool>[] = [];
  if (scope.self) any.push(eb.and([eb('visibility', '=', 'private'), eb('author_email', '=', scope.self)]));
  if (scope.teams.length) any.push(eb.and([eb('visibility', '=', 'team'), eb('team', 'in', scope.teams)]));
  if (scope.organisation) any.push(eb('visibility', '=', 'organisation'));
  const all: Expression<SqlBool>[] = [any.length ? eb.or(any) : sql<SqlBool>`1 = 0`];
  if (scope.onlyVisibility) all.push(scope.onlyVisibility.length ? eb('visibility', 'in', scope.onlyVisibility) : sql<SqlBool>`1 = 0`);
  if (scope.onlyTeam !== undefined) all.push(eb('team', '=', scope.onlyTeam));
  return eb.and(all);
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export class ContextRepo {
  constructor(readonly db: Kysely<CDB>) {}

  static forStore(store: Store): ContextRepo {
    return new ContextRepo(kyselyOf(store));
  }

  async insertEntry(e: NewEntry): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      const r = await tx
        .insertInto('context_entry')
        .values({
          kind: e.kind,
          author_email: e.authorEmail,
          author_name: e.authorName,
          team: e.team,
          visibility: e.visibility,
          week: e.week,
          title: e.title,
          outcome: e.outcome,
          doc: JSON.stringify(e.doc),
          search: e.search,
          created_at: e.at,
          updated_at: e.at,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const id = Number(r.id);
      if (e.tags.length) await tx.insertInto('context_tag').values(e.tags.map((tag) => ({ entry_id: id, tag }))).execute();
      return id;
    });
  }

  async updateEntry(id: number, e: Omit<NewEntry, 'authorEmail' | 'authorName' | 'kind'>): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('context_entry')
        .set({ team: e.team, visibility: e.visibility, week: e.week, title: e.title, outcome: e.outcome, doc: JSON.stringify(e.doc), search: e.search, updated_at: e.at })
        .where('id', '=', id)
        .execute();
      await tx.deleteFrom('context_tag').where('entry_id', '=', id).execute();
      if (e.tags.length) await tx.insertInto('context_tag').values(e.tags.map((tag) => ({ entry_id: id, tag }))).execute();
    });
  }

  async setDoc(id: number, doc: Record<string, unknown>): Promise<void> {
    await this.db.updateTable('context_entry').set({ doc: JSON.stringify(doc) }).where('id', '=', id).execute();
  }

  async deleteEntry(id: number): Promise<void> {
    // Explicit child deletes: SQLite enforces ON DELETE CASCADE only with foreign_keys on.
    await this.db.transaction().execute(async (tx) => {
      for (const t of ['context_tag', 'context_reaction', 'context_comment'] as const) await tx.deleteFrom(t).where('entry_id', '=', id).execute();
      await tx.deleteFrom('context_entry').where('id', '=', id).execute();
    });
  }

  /** Entries within the scope, newest first. */
  async entries(scope: ContextScope, q: EntryQuery = {}): Promise<EntryRow[]> {
    let query = this.db
      .selectFrom('context_entry as e')
      .select((eb) => [
        'e.id',
        'e.kind',
        'e.author_email',
        'e.author_name',
        'e.team',
        'e.visibility',
        'e.week',
        'e.title',
        'e.outcome',
        'e.doc',
        'e.created_at',
        'e.updated_at',
        eb.selectFrom('context_reaction as r').select(eb.fn.countAll<number>().as('n')).whereRef('r.entry_id', '=', 'e.id').where('r.kind', '=', 'useful').as('useful'),
        eb.selectFrom('context_comment as c').select(eb.fn.countAll<number>().as('n')).whereRef('c.entry_id', '=', 'e.id').as('comments'),
      ])
      .where((eb) => scopeCondition(eb as unknown as EB, scope));
    if (q.id !== undefined) query = query.where('e.id', '=', q.id);
    if (q.kind) query = query.where('e.kind', '=', q.kind);
    if (q.outcome) query = query.where('e.outcome', '=', q.outcome);
    if (q.week) query = query.where('e.week', '=', q.week);
    if (q.weeks) query = query.where('e.week', '>=', q.weeks[0]).where('e.week', '<=', q.weeks[1]);
    if (q.author) query = query.where('e.author_email', '=', q.author);
    if (q.before) query = query.where('e.id', '<', q.before);
    if (q.q) {
      for (const word of q.q.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8)) {
        query = query.where(sql<SqlBool>`e.search LIKE ${`%${likeEscape(word)}%`} ESCAPE '\\'`);
      }
    }
    for (const tag of q.tags ?? []) {
      query = query.where((eb) => eb.exists(eb.selectFrom('context_tag as t').select('t.tag').whereRef('t.entry_id', '=', 'e.id').where('t.tag', '=', tag)));
    }
    const rows = await query.orderBy('e.id', 'desc').limit(q.limit ?? 50).execute();
    if (!rows.length) return [];
    const ids = rows.map((r) => Number(r.id));
    const tags = await this.db.selectFrom('context_tag').select(['entry_id', 'tag']).where('entry_id', 'in', ids).orderBy('tag').execute();
    const byEntry = new Map<number, string[]>();
    for (const t of tags) {
      const list = byEntry.get(Number(t.entry_id));
      if (list) list.push(t.tag);
      else byEntry.set(Number(t.entry_id), [t.tag]);
    }
    return rows.map((r) => ({
      id: Number(r.id),
      kind: r.kind as EntryKind,
      authorEmail: r.author_email,
      authorName: r.author_name,
      team: r.team,
      visibility: r.visibility as Visibility,
      week: r.week,
      title: r.title,
      outcome: r.outcome as Outcome | null,
      doc: JSON.parse(r.doc) as Record<string, unknown>,
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
      tags: byEntry.get(Number(r.id)) ?? [],
      useful: Number(r.useful ?? 0),
      comments: Number(r.comments ?? 0),
    }));
  }

  /** The entry if it is within the scope. */
  async entry(scope: ContextScope, id: number): Promise<EntryRow | undefined> {
    return (await this.entries(scope, { id, limit: 1 }))[0];
  }

  async usefulBy(email: string, ids: number[]): Promise<Set<number>> {
    if (!ids.length) return new Set();
    const rows = await this.db
      .selectFrom('context_reaction')
      .select('entry_id')
      .where('email', '=', email)
      .where('kind', '=', 'useful')
      .where('entry_id', 'in', ids)
      .execute();
    return new Set(rows.map((r) => Number(r.entry_id)));
  }

  async react(entryId: number, email: string, on: boolean, at: number): Promise<void> {
    if (on) {
      await this.db
        .insertInto('context_reaction')
        .values({ entry_id: entryId, email, kind: 'useful', created_at: at })
        .onConflict((oc) => oc.columns(['entry_id', 'email', 'kind']).doNothing())
        .execute();
    } else {
      await this.db.deleteFrom('context_reaction').where('entry_id', '=', entryId).where('email', '=', email).where('kind', '=', 'useful').execute();
    }
  }

  async addComment(entryId: number, authorEmail: string, authorName: string | null, body: string, at: number): Promise<number> {
    const r = await this.db
      .insertInto('context_comment')
      .values({ entry_id: entryId, author_email: authorEmail, author_name: authorName, body, created_at: at })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }

  async comments(entryId: number) {
    const rows = await this.db.selectFrom('context_comment').selectAll().where('entry_id', '=', entryId).orderBy('id').execute();
    return rows.map((r) => ({ id: Number(r.id), authorEmail: r.author_email, authorName: r.author_name, body: r.body, createdAt: Number(r.created_at) }));
  }

  /** Authors who wrote a check-in in the week (for the reminder). */
  async hasCheckin(email: string, week: string): Promise<boolean> {
    const r = await this.db.selectFrom('context_entry').select('id').where('author_email', '=', email).where('kind', '=', 'checkin').where('week', '=', week).executeTakeFirst();
    return r !== undefined;
  }

  /** Per team: shared (non-private) check-ins and experiments in the weeks, and useful marks they received. */
  async teamCounts(fromWeek: string, toWeek: string) {
    const r = await sql<{ team: string; checkins: number; experiments: number; failed: number; useful: number }>`
      SELECT e.team AS team,
        sum(CASE WHEN e.kind = 'checkin' THEN 1 ELSE 0 END) AS checkins,
        sum(CASE WHEN e.kind = 'experiment' THEN 1 ELSE 0 END) AS experiments,
        sum(CASE WHEN e.outcome IN ('failed', 'abandoned') THEN 1 ELSE 0 END) AS failed,
        sum(coalesce(u.n, 0)) AS useful
      FROM context_entry e
      LEFT JOIN (SELECT entry_id, count(*) AS n FROM context_reaction WHERE kind = 'useful' GROUP BY entry_id) u ON u.entry_id = e.id
      WHERE e.visibility <> 'private' AND e.team IS NOT NULL AND e.week >= ${fromWeek} AND e.week <= ${toWeek}
      GROUP BY e.team
      ORDER BY experiments DESC, useful DESC, team`.execute(this.db);
    return r.rows.map((x) => ({ team: x.team, checkins: Number(x.checkins), experiments: Number(x.experiments), failed: Number(x.failed), useful: Number(x.useful) }));
  }

  /**
   * Per author, leaderboard inputs for [from, to): experiments they shared
   * (team or organisation visibility) created in the window, and "useful"
   * marks other people gave their shared entries in the window. Private
   * entries never count, nor does anyone's mark on their own entry.
   * (`<> 'private'` rather than `IN ('team', 'organisation')`: the same three
   * values, but SQLite then reads by the created_at indexes, not by visibility.)
   */
  async authorCounts(from: number, to: number): Promise<Map<string, { experiments: number; learnings: number }>> {
    const r = await sql<{ email: string; experiments: number; learnings: number }>`
      SELECT email, sum(experiments) AS experiments, sum(learnings) AS learnings FROM (
        SELECT e.author_email AS email, count(*) AS experiments, 0 AS learnings
        FROM context_entry e
        WHERE e.kind = 'experiment' AND e.visibility <> 'private' AND e.created_at >= ${from} AND e.created_at < ${to}
        GROUP BY e.author_email
        UNION ALL
        SELECT e.author_email AS email, 0 AS experiments, count(*) AS learnings
        FROM context_reaction r JOIN context_entry e ON e.id = r.entry_id
        WHERE r.kind = 'useful' AND r.email <> e.author_email AND e.visibility <> 'private'
          AND r.created_at >= ${from} AND r.created_at < ${to}
        GROUP BY e.author_email
      ) x GROUP BY email`.execute(this.db);
    return new Map(r.rows.map((x) => [x.email, { experiments: Number(x.experiments), learnings: Number(x.learnings) }]));
  }

  // ---- directory lookups (the person table is the store's) ----

  async person(email: string): Promise<DirectoryPerson | undefined> {
    const r = await this.db
      .selectFrom('person as p')
      .leftJoin('team as t', 't.id', 'p.team_id')
      .select(['p.email', 'p.name', 't.name as team'])
      .where('p.email', '=', email.toLowerCase())
      .executeTakeFirst();
    return r ? { email: r.email, name: r.name, team: r.team } : undefined;
  }

  /** Teams of everyone reporting to the manager, directly or indirectly. */
  async teamsManagedBy(email: string): Promise<string[]> {
    const r = await sql<{ team: string }>`
      WITH RECURSIVE reports (id, depth) AS (
        SELECT p.id, 1 FROM person p JOIN person m ON m.id = p.manager_id WHERE m.email = ${email.toLowerCase()}
        UNION ALL
        SELECT p.id, r.depth + 1 FROM person p JOIN reports r ON p.manager_id = r.id WHERE r.depth < 20
      )
      SELECT DISTINCT t.name AS team FROM reports r JOIN person p ON p.id = r.id JOIN team t ON t.id = p.team_id`.execute(this.db);
    return r.rows.map((x) => x.team);
  }

  async teamExists(team: string): Promise<boolean> {
    return (await this.db.selectFrom('team').select('id').where('name', '=', team).executeTakeFirst()) !== undefined;
  }

  // ---- webhooks ----

  async addWebhook(w: { team: string | null; url: string; format: string; createdBy: string | null; at: number }): Promise<number> {
    const r = await this.db
      .insertInto('context_webhook')
      .values({ team: w.team, url: w.url, format: w.format, created_by: w.createdBy, created_at: w.at, enabled: 1 })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(r.id);
  }

  async webhooks(team?: string | null) {
    let q = this.db.selectFrom('context_webhook').selectAll().where('enabled', '=', 1);
    if (team !== undefined) q = team === null ? q.where('team', 'is', null) : q.where('team', '=', team);
    const rows = await q.orderBy('id').execute();
    return rows.map((r) => ({ id: Number(r.id), team: r.team, url: r.url, format: r.format as 'slack' | 'teams', createdBy: r.created_by, createdAt: Number(r.created_at) }));
  }

  async webhook(id: number) {
    return (await this.webhooks()).find((w) => w.id === id);
  }

  async disableWebhook(id: number): Promise<void> {
    await this.db.updateTable('context_webhook').set({ enabled: 0 }).where('id', '=', id).execute();
  }

  async logDelivery(d: { webhookId: number; deliveryKey: string; week: string; attempt: number; ok: boolean; httpStatus: number | null; error: string | null; at: number }): Promise<void> {
    await this.db
      .insertInto('context_delivery')
      .values({ webhook_id: d.webhookId, delivery_key: d.deliveryKey, week: d.week, attempt: d.attempt, ok: d.ok ? 1 : 0, http_status: d.httpStatus, error: d.error, created_at: d.at })
      .execute();
  }

  async delivered(webhookId: number, week: string): Promise<boolean> {
    const r = await this.db.selectFrom('context_delivery').select('id').where('webhook_id', '=', webhookId).where('week', '=', week).where('ok', '=', 1).executeTakeFirst();
    return r !== undefined;
  }

  async deliveries(webhookId: number, limit = 50) {
    const rows = await this.db.selectFrom('context_delivery').selectAll().where('webhook_id', '=', webhookId).orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      id: Number(r.id),
      deliveryKey: r.delivery_key,
      week: r.week,
      attempt: r.attempt,
      ok: r.ok === 1,
      httpStatus: r.http_status,
      error: r.error,
      at: new Date(Number(r.created_at)).toISOString(),
    }));
  }

  /** Retention: delete entries (and their tags, reactions, comments) last changed before the cutoff. */
  async pruneBefore(epochMs: number): Promise<number> {
    const old = await this.db.selectFrom('context_entry').select('id').where('updated_at', '<', epochMs).execute();
    for (const r of old) await this.deleteEntry(Number(r.id));
    return old.length;
  }

  /** Erasure: everything one person wrote or reacted with. */
  async eraseAuthor(email: string): Promise<number> {
    const own = await this.db.selectFrom('context_entry').select('id').where('author_email', '=', email).execute();
    for (const r of own) await this.deleteEntry(Number(r.id));
    await this.db.deleteFrom('context_comment').where('author_email', '=', email).execute();
    await this.db.deleteFrom('context_reaction').where('email', '=', email).execute();
    return own.length;
  }
}
