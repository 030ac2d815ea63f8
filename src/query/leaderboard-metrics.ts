/** Leaderboard metric names, shared by the server and the web app (no dependencies, safe in a browser bundle). */
export const LEADERBOARD_METRICS = ['activeDays', 'tools', 'tokens', 'cost', 'experiments', 'learnings'] as const;
export type LeaderboardMetric = (typeof LEADERBOARD_METRICS)[number];

/** What a title or tier rule can look at (per person; per active person for teams). */
export const RULE_METRICS = ['activeDaysPerWeek', 'tools', 'models', 'cacheShare', 'tokens', 'cost', 'experiments', 'learnings'] as const;
export type RuleMetric = (typeof RULE_METRICS)[number];
