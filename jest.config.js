/**
 * Three projects: every suite on a new database (this service creates Behflow's tables), and the
 * suites that use a database again on each of Behflow's own (test/fixtures/behflow-databases): one
 * built by its SQL migrations, one built by init_db.py's create_all (other enum type names, json,
 * varchar[] tags, no server defaults). test/db builds each flavour itself, so it runs once.
 */
const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': 'ts-jest' },
};
const DATABASE_SUITES = ['activities', 'api', 'processes', 'temporal', 'workflows', 'worker'].map(
  (dir) => `<rootDir>/test/${dir}/**/*.test.ts`,
);

/** The suites that use a database, on databases that start as `flavour` (test/helpers/behflow-databases.ts). */
const onBehflowDatabase = (flavour) => ({
  ...shared,
  displayName: `${flavour.replace('-', '_')} database`,
  testMatch: DATABASE_SUITES,
  // Builds its databases from each flavour itself.
  testPathIgnorePatterns: ['/test/processes/adoption\\.test\\.ts$'],
  globals: { BEHFLOW_TEST_DATABASE: flavour },
});

/** @type {import('jest').Config} */
module.exports = {
  // Two cores: integration tests share one Temporal server and one PostgreSQL.
  maxWorkers: 2,
  testTimeout: 60_000,
  projects: [
    { ...shared, displayName: 'new database', testMatch: ['**/*.test.ts'] },
    onBehflowDatabase('sql-migrations'),
    onBehflowDatabase('create-all'),
  ],
};
