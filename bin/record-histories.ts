import 'dotenv/config';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createArchiveActivities } from '../activities/archive-completed-tasks';
import { createRescheduleActivities } from '../activities/reschedule-remaining-tasks';
import { createRegisteredActivities } from '../worker/create-worker';
import { registeredWorkflowsPath } from '../worker/workflow-entry';
import type { RunContext } from '../activities/run-types';
import { loadConfig } from '../config';
import { initORM, migrate } from '../db/orm';
import { PROCESS_REGISTRY } from '../processes/registry';
import { ensureProcessRows } from '../processes/process-rows';
import { silentLogger } from '../platform/logger';
import { startStack } from '../dev-stack';
import { startManualRun, type ManualRunStart } from '../temporal/runs';

/**
 * `npm run histories:record`: runs real workflows (a success, a failure, a retried activity, a
 * skipped overlap, a run that fails before opening its row) and saves their event histories to
 * test/histories/, where the replay test checks every future version of the workflow code against
 * them. Each run is started as the API starts one (update-with-start with the executionOpened
 * update, temporal/runs.ts), so the histories hold the update too. Uses DATABASE_URL and
 * TEMPORAL_ADDRESS when set, else starts a throwaway stack.
 */
const OUT_DIR = path.join(__dirname, '..', 'test', 'histories');
/**
 * Histories are kept per workflow version, so the replay test proves every patch() branch: bump this
 * when a workflow change ships a patch, and keep the older files.
 */
const VERSION = 'v3';

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
    const deps = { orm, temporal: client, batchSize: 2 };
    const real = { ...createRescheduleActivities(deps), ...createArchiveActivities(deps) };
    let attempts = 0;
    let releaseHeld: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (releaseHeld = resolve));
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowsPath: registeredWorkflowsPath(PROCESS_REGISTRY),
      activities: {
        ...createRegisteredActivities(PROCESS_REGISTRY, deps),
        async rescheduleRemainingTasks(runContext: RunContext) {
          const scenario = (runContext.processConfig as { scenario?: string }).scenario;
          return real.rescheduleRemainingTasks({ ...runContext, processConfig: {} }).then((result) => {
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
      const recorder = { client, taskQueue };
      await record(recorder, 'reschedule-success', 'rescheduleRemainingTasks', 'reschedule_remaining_tasks', 'opened');
      await record(recorder, 'archive-retried-activity', 'archiveCompletedTasks', 'archive_completed_tasks', 'opened');
      // beginExecution refuses a process that does not exist: the update fails, and so does the run.
      await record(recorder, 'reschedule-not-started', 'rescheduleRemainingTasks', 'no_such_process', 'not-started');

      await orm.em
        .getConnection()
        .execute(
          `UPDATE automated_processes SET process_config = '{"scenario": "fail"}' WHERE name = 'reschedule_remaining_tasks'`,
        );
      await record(recorder, 'reschedule-failure', 'rescheduleRemainingTasks', 'reschedule_remaining_tasks', 'opened', {
        runFails: true,
      });

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
      await record(recorder, 'archive-skipped-overlap', 'archiveCompletedTasks', 'archive_completed_tasks', 'skipped');
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

/** Starts a run as the API does, checks how its start went and how it ended, and saves its history. */
async function record(
  { client, taskQueue }: { client: Client; taskQueue: string },
  name: string,
  workflowType: string,
  processName: string,
  expectedStart: ManualRunStart['kind'],
  { runFails = false } = {},
): Promise<void> {
  const workflowId = `history-${name}-${randomUUID()}`;
  const start = await startManualRun(
    client,
    {
      processName,
      workflowType,
      taskQueue,
      ids: { workflowId, executionId: randomUUID() },
      logicalTime: '2025-12-18T04:00:00.000Z',
    },
    new AbortController().signal,
  );
  if (start.kind !== expectedStart) throw new Error(`${name}: start was ${start.kind}, expected ${expectedStart}`);
  const handle = client.workflow.getHandle(workflowId);
  const fails = runFails || expectedStart === 'not-started';
  try {
    await handle.result();
    if (fails) throw new Error(`${name} was expected to fail`);
  } catch (err) {
    if (!(fails && err instanceof WorkflowFailedError)) throw err;
  }
  const history = await handle.fetchHistory();
  writeFileSync(path.join(OUT_DIR, `${VERSION}-${name}.json`), `${historyToJSON(history)}\n`);
  console.log(`Recorded ${VERSION}-${name} (${history.events?.length ?? 0} events)`);
}

run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
