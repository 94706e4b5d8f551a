/**
 * The latency floor's worker (a child process, like bench/worker.ts): the no-op workflow on its own
 * task queue, same server, same SDK, same worker defaults as the real worker.
 */
import { Worker } from '@temporalio/worker';
import { requireEnv, runWorkerChild } from '../worker-child';
import { noopActivities } from './noop-activities';

runWorkerChild(async (connection) => {
  const worker = await Worker.create({
    connection,
    taskQueue: requireEnv('BENCH_TASK_QUEUE'),
    workflowBundle: { codePath: requireEnv('BENCH_WORKFLOW_BUNDLE') },
    activities: noopActivities,
  });
  return { worker, async close() {} };
});
