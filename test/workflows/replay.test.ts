import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime, Worker, type ReplayResult } from '@temporalio/worker';

/** Histories of real runs, recorded by `npm run histories:record`; every workflow change must replay them. */
const HISTORY_DIR = path.join(__dirname, '../histories');
const histories = readdirSync(HISTORY_DIR)
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({
    workflowId: file.replace(/\.json$/, ''),
    history: JSON.parse(readFileSync(path.join(HISTORY_DIR, file), 'utf8')) as unknown,
  }));

beforeAll(() => {
  Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
});

async function replayAll(workflowsPath: string): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  for await (const result of Worker.runReplayHistories({ workflowsPath, replayName: 'replay-test' }, histories)) {
    results.push(result);
  }
  return results;
}

it('has recorded histories of a success, a failure, a retried activity and a skipped overlap', () => {
  expect(histories.map((h) => h.workflowId).sort()).toEqual([
    'archive-retried-activity',
    'archive-skipped-overlap',
    'reschedule-failure',
    'reschedule-success',
  ]);
});

it('replays every recorded history against the current workflow code', async () => {
  const results = await replayAll(require.resolve('../../workflows'));
  expect(results.map((r) => ({ workflowId: r.workflowId, error: r.error?.message }))).toEqual(
    histories.map((h) => ({ workflowId: h.workflowId, error: undefined })),
  );
});

it('catches an incompatible change to the workflow code', async () => {
  const results = await replayAll(require.resolve('../fixtures/changed-workflow'));
  expect(
    results
      .filter((r) => r.error !== undefined)
      .map((r) => r.workflowId)
      .sort(),
  ).toEqual(histories.map((h) => h.workflowId).sort());
  expect(results[0]?.error?.name).toBe('DeterminismViolationError');
});
