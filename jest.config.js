/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  // Two cores: integration tests share one Temporal server and one PostgreSQL.
  maxWorkers: 2,
  testTimeout: 60_000,
};
