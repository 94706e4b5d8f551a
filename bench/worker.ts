/**
 * A production worker for one measurement, run as a child process: the real workflows (bundled
 * once by the parent) and the real activities, createActivities({ orm, temporal, batchSize }),
 * exactly as worker/main.ts builds them, minus the migration and schedule sync that the
 * benchmark does itself before starting it.
 */
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { initORM } from '../db/orm';
import { ZONE } from './processes';
import { requireEnv, runWorkerChild } from './worker-child';

runWorkerChild(async (connection) => {
  const orm = await initORM(requireEnv('BENCH_DATABASE_URL'));
  const clientConnection = await Connection.connect({ address: requireEnv('BENCH_TEMPORAL_ADDRESS') });
  const client = new Client({ connection: clientConnection });
  const worker = await Worker.create({
    connection,
    taskQueue: requireEnv('BENCH_TASK_QUEUE'),
    workflowBundle: { codePath: requireEnv('BENCH_WORKFLOW_BUNDLE') },
    activities: createActivities({
      orm,
      temporal: client,
      batchSize: Number(requireEnv('BENCH_BATCH_SIZE')),
      defaultTimezone: ZONE, // BEHFLOW_TIMEZONE in benchConfig
    }),
    shutdownGraceTime: '20 seconds',
  });
  return {
    worker,
    async close() {
      await clientConnection.close();
      await orm.close();
    },
  };
});
