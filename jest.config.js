/**
 * Two projects: every suite on a new database (this service creates Behflow's tables), and the
 * suites that use the database again on one built as Behflow's init_db.py builds it (create_all:
 * other enum type names, json, varchar[] tags, no server defaults). test/db covers each flavour itself.
 */
const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': 'ts-jest' },
};

/** @type {import('jest').Config} */
module.exports = {
  // Two cores: integration tests share one Temporal server and one PostgreSQL.
  maxWorkers: 2,
  testTimeout: 60_000,
  projects: [
    { ...shared, displayName: 'new database', testMatch: ['**/*.test.ts'] },
    {
      ...shared,
      displayName: 'create_all database',
      testMatch: ['activities', 'api', 'processes', 'temporal', 'workflows', 'worker'].map(
        (dir) => `<rootDir>/test/${dir}/**/*.test.ts`,
      ),
      setupFiles: ['<rootDir>/test/setup/on-create-all-database.ts'],
    },
  ],
};
