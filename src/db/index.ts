export { loadMigrations, MIGRATIONS_DIR, type MigrateResult, type Migration, migrate } from './migrate.js';
export {
  createDb,
  type Db,
  databaseName,
  dropDatabase,
  ensureDatabase,
  isDatabaseUnavailable,
  pingDb,
  withTransaction,
} from './pool.js';
