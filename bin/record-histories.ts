import 'dotenv/config';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { RunContext } from '../activities/run-types';
import { loadConfig } from '../config';
import { initORM, migrate } from '../db/orm';
import { PROCESS_REGISTRY } from '../processes/registry';
import { ensureProcessRows } from '../processes/process-rows';
import { silentLogger } from '../platform/logger';
import { startStack } from '../dev-stack';

/**
 * `npm run histories:record`: runs real workflows (a success, a failure, a retried activity, a
 * skipped overlap) and saves their event histories to test/histories/, where the replay test
 * checks every future version of the workflow code against them. Uses DATABASE_URL and
 * TEMPORAL_ADDRESS when set, else starts a throwaway stack.
 */
const OUT_DIR = path.join(__dirname, '..', 'test', 'histories');
/**
 * Histories are kept per workflow version, so the replay test proves every patch() branch: bump this
 * when a workflow change ships a patch, and keep the older files.
 */
const VERSION = 'v2';

async function run(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfig(process.env, PROCESS_REGISTRY);
  const stack = await startStack(config, { mode: 'ephemeral' });
  const orm = await initORM(stack.databaseUrl);
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const nativeConnection = await NativeConnection.connect({ address: stack.temporalAddress });
  try {
    await migrate(orm);
    await ensureProcessRows(orm, PROCESS_REGISTRY, config, silentLogger);
    const client = new Client({ connection });
    const taskQueue = `record-histories-${randomUUID().slice(0, 8)}`;
    const real = createActivities({ orm, temporal: client, batchSize: 2 });
    let attempts = 0;
    let releaseHeld: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (releaseHeld = resolve));
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('../workflows'),
      activities: {
        ...real,
        async rescheduleOverdueTasks(runContext: RunContext) {
          const scenario = (runContext.processConfig as { scenario?: string }).scenario;
          return real.rescheduleOverdueTasks({ ...runContext, processConfig: {} }).then((result) => {
            if (scenario === 'fail') throw ApplicationFailure.nonRetryable('simulated failure', 'Simulated');
            return result;
          });
        },
        async archiveCompletedTasks(runContext: RunContext) {
          attempts++;
          if (attempts === 1) throw ApplicationFailure.retryable('simulated transient failure', 'Simulated');
          if ((runContext.processConfig as { hold?: boolean }).hold) {
            await held;
            Context.current().heartbeat();
          }
          return real.archiveCompletedTasks({ ...runContext, processConfig: {} });
        },
      },
    });

    await worker.runUntil(async () => {
      const runs: { name: string; workflowType: string; processName: string; expectFailure?: boolean }[] = [
        {
          name: 'reschedule-success',
          workflowType: 'rescheduleRemainingTasks',
          processName: 'reschedule_remaining_tasks',
        },
        {
          name: 'archive-retried-activity',
          workflowType: 'archiveCompletedTasks',
          processName: 'archive_completed_tasks',
        },
      ];
      for (const r of runs) await record(client, taskQueue, r.name, r.workflowType, r.processName, false);

      await orm.em
        .getConnection()
        .execute(
          `UPDATE automated_processes SET process_config = '{"scenario": "fail"}' WHERE name = 'reschedule_remaining_tasks'`,
        );
      await record(
        client,
        taskQueue,
        'reschedule-failure',
        'rescheduleRemainingTasks',
        'reschedule_remaining_tasks',
        true,
      );

      // A run in progress, then a second start of the same process: the second is skipped.
      await orm.em
        .getConnection()
        .execute(
          `UPDATE automated_processes SET process_config = '{"hold": true}' WHERE name = 'archive_completed_tasks'`,
        );
      const first = await client.workflow.start('archiveCompletedTasks', {
        taskQueue,
        workflowId: `history-hold-${randomUUID()}`,
        args: [{ processName: 'archive_completed_tasks', logicalTime: '2025-12-18T04:00:00.000Z' }],
      });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await record(
        client,
        taskQueue,
        'archive-skipped-overlap',
        'archiveCompletedTasks',
        'archive_completed_tasks',
        false,
      );
      releaseHeld();
      await first.result();
    });
  } finally {
    await nativeConnection.close();
    await connection.close();
    await orm.close();
    await stack.stop();
  }
}

async function record(
  client: Client,
  taskQueue: string,
  name: string,
  workflowType: string,
  processName: string,
  expectFailure: boolean,
): Promise<void> {
  const handle = await client.workflow.start(workflowType, {
    taskQueue,
    workflowId: `history-${name}-${randomUUID()}`,
    args: [{ processName, logicalTime: '2025-12-18T04:00:00.000Z' }],
  });
  try {
    await handle.result();
    if (expectFailure) throw new Error(`${name} was expected to fail`);
  } catch (err) {
    if (!(expectFailure && err instanceof WorkflowFailedError)) throw err;
  }
  const history = await handle.fetchHistory();
  writeFileSync(path.join(OUT_DIR, `${VERSION}-${name}.json`), `${historyToJSON(history)}\n`);
  console.log(`Recorded ${VERSION}-${name} (${history.events?.length ?? 0} events)`);
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
