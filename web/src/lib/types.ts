/**
 * Shapes of the API answers the web app reads: the server's own types
 * (type-only imports, erased from the bundle), so the contract is written once.
 */
import type { PolicedRow } from '../../../src/query/policy';
import type { Adoption, Distribution, Outcomes, OutcomeRow as ServerOutcomeRow, Overview, PersonProfile, Spend, TeamRow, Unattributed } from '../../../src/query/insights';
import type { Leaderboard } from '../../../src/query/leaderboard';
import type { DimensionValues } from '../../../src/store/types';

export type { Cohort } from '../../../src/query/insights';
export type { Forecast } from '../../../src/query/forecast';
export type { LeaderboardConfig, LeaderboardEntry } from '../../../src/query/leaderboard';
export { LEADERBOARD_METRICS, RULE_METRICS, type LeaderboardMetric } from '../../../src/query/leaderboard-metrics';

export type Row = PolicedRow;
export type Visible = Extract<Row, { suppressed?: false }>;
export const visible = (r: Row): r is Visible => !r.suppressed;
export type OutcomeRow = ServerOutcomeRow;

export interface OverviewRes { overview: Overview }
export interface AdoptionRes { adoption: Adoption }
export interface DistributionRes { distribution: Distribution }
export interface SpendRes { spend: Spend }
export interface OutcomesRes { outcomes: Outcomes }
export interface TeamsRes { teams: TeamRow[] }
export interface UnattributedRes { unattributed: Unattributed }
export interface PersonRes { person: PersonProfile }
export interface LeaderboardRes { leaderboard: Leaderboard }
export type Dimensions = DimensionValues;
export interface SeriesRes { bucket: string; rows: Row[] }
export interface BreakdownRes { rows: Row[] }
export interface SummaryRes { totals: Row }
export interface ViewerRes {
  role: string;
  email: string | null;
  maySeeIndividuals: boolean;
  minGroupSize: number;
}

/** Context (check-ins and the experiment log), as GET /api/v1/context/* answers. */
export type { EntryView } from '../../../src/context/service';
import type { EntryView } from '../../../src/context/service';
export interface FeedRes { feed: 'organisation' | 'team' | 'mine'; team: string | null; entries: EntryView[]; next: number | null }
export interface CommentView { id: number; author: { email: string; name: string | null }; body: string; html: string; createdAt: string }
export interface ReminderRes { week: string; due: boolean; message: string | null }
export interface ContextStatsRes { from: string; to: string; teams: { team: string; checkins: number; experiments: number; failed: number; useful: number }[] }
