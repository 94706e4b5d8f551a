/**
 * npm run test:faults: fault-injection tests with real processes and real kills (test-faults/).
 * Each test file starts and stops its own PostgreSQL, Temporal dev server and worker, so nothing
 * is shared and everything runs one at a time.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test-faults'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  maxWorkers: 1,
  // A kill -9 costs a heartbeat timeout (1 minute) before Temporal retries the activity.
  testTimeout: 15 * 60_000,
  slowTestThreshold: 60,
};
