import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { connectTestTemporal, temporalAddress, deleteTestSchedules, type TestTemporal } from '../helpers/temporal';

const REPO_ROOT = path.resolve(__dirname, '../..');
/** Too short for the API (16 characters or more); the worker serves no HTTP and never reads it. */
const SHORT_TOKEN = 'short';

let db: TestDatabase;
let temporal: TestTemporal;

beforeAll(async () => {
  [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
});
afterAll(async () => {
  await deleteTestSchedules(temporal);
  await temporal.close();
  await db.drop();
});

/**
 * An entry point as a child process with only the given settings (no .env, no dev stack file), until
 * `until` appears in its output or it exits; then its process group is stopped.
 */
async function runEntryPoint(script: string, until: RegExp): Promise<{ output: string; code: number | null }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'behflow-entry-'));
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), script], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATA_DIR: dataDir,
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_TASK_QUEUE: temporal.taskQueue,
      LOG_LEVEL: 'info',
      API_TOKEN: SHORT_TOKEN,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const seen = new Promise<void>((resolve) => {
    const append = (chunk: Buffer) => {
      output += chunk.toString();
      if (until.test(output)) resolve();
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
  });
  const code = await Promise.race([exited, seen.then(() => undefined)]);
  if (code === undefined && child.pid !== undefined) {
    process.kill(-child.pid, 'SIGKILL');
    await exited;
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  return { output, code: code ?? null };
}

it('starts the worker with an API_TOKEN too short for the API, which the API refuses, naming it', async () => {
  const worker = await runEntryPoint('bin/worker.ts', /worker started|Configuration error/);
  expect(worker.output).not.toContain('Configuration error');
  expect(worker.output).toContain(`Automated process worker started on task queue "${temporal.taskQueue}"`);

  const api = await runEntryPoint('bin/api.ts', /API: http/);
  expect(api.code).toBe(1);
  expect(api.output).toContain('Configuration error: API_TOKEN must be at least 16 characters long');
  expect(api.output).not.toContain(SHORT_TOKEN);
}, 120_000);
