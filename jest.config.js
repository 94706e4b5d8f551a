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
// test/ui (the console in Chromium) is not among them: it runs once, in the new database project.
const DATABASE_SUITES = ['activities', 'api', 'processes', 'temporal', 'workflows', 'worker'].map(
  (dir) => `<rootDir>/test/${dir}/**/*.test.ts`,
);

/**
 * Suites that run on the new database only. adoption builds its databases from each flavour itself.
 * The others test what reads or writes no row of Behflow's tables in a way of its own: the concurrency
 * burst measures Temporal and the admission under load (concurrency-limits.test.ts runs their SQL on
 * each flavour); over real sockets, cross-site and Host checks, Temporal outages, Idempotency-Key replays
 * and the firing rule on DST days go through the same row SQL as runs.test.ts and backfills, which do run
 * on each. Leaving them out saves about a quarter of the flavours' time (2026-12-02).
 */
const NOT_ON_BEHFLOW_DATABASES = [
  'processes/adoption',
  'api/concurrency-burst',
  'api/socket',
  'api/request-origin',
  'api/temporal-outage',
  'api/runs-idempotency',
  'api/firing-rule',
].map((suite) => `/test/${suite}\\.test\\.ts$`);

/** The suites that use a database, on databases that start as `flavour` (test/helpers/behflow-databases.ts). */
const onBehflowDatabase = (flavour) => ({
  ...shared,
  displayName: `${flavour.replace('-', '_')} database`,
  testMatch: DATABASE_SUITES,
  testPathIgnorePatterns: NOT_ON_BEHFLOW_DATABASES,
  globals: { BEHFLOW_TEST_DATABASE: flavour },
});

/**
 * Suites that measure the stack under their own load: `npm test` (bin/test.ts) runs them after the
 * others, alone (BEHFLOW_TEST_PHASE=alone), since beside another suite on two cores the burst's 200 runs
 * once took over 360 s instead of 20 (Temporal's dev server and both cores were shared).
 */
const ALONE_SUITES = ['/test/api/concurrency-burst\\.test\\.ts$'];
const phase = process.env.BEHFLOW_TEST_PHASE;
const NEW_DATABASE = 'new database';

/** @type {import('jest').Config} */
module.exports = {
  // Two cores: integration tests share one Temporal server and one PostgreSQL.
  maxWorkers: phase === 'alone' ? 1 : 2,
  testTimeout: 60_000,
  projects:
    phase === 'alone'
      ? [{ ...shared, displayName: NEW_DATABASE, testRegex: ALONE_SUITES }]
      : [
          {
            ...shared,
            displayName: NEW_DATABASE,
            testMatch: ['**/*.test.ts'],
            testPathIgnorePatterns: phase === 'rest' ? ALONE_SUITES : [],
          },
          onBehflowDatabase('sql-migrations'),
          onBehflowDatabase('create-all'),
        ],
};
