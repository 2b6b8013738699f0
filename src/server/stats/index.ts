export { type Bar, barChart } from './bar-chart.js';
export { formatDuration, formatRate } from './format.js';
export { statsPage } from './stats.page.js';
export { type StatsOptions, StatsSchema, statsRoutes } from './stats.routes.js';
export { cachedRemovalStats, type RemovalStatsLoader, STATS_CACHE_MS } from './stats-cache.js';
