/**
 * `npm run histories:record`: real runs of each scenario below, their event histories saved to test/histories/
 * for the replay test. Each run is started as the API starts one (update-with-start, temporal/runs.ts), so the
 * histories hold the update too. Uses DATABASE_URL / TEMPORAL_ADDRESS when set, else a throwaway stack.
 */
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
import { initORM, migrate } from '../db/orm';
import { PROCESS_REGISTRY } from '../processes/registry';
import { ensureProcessRows } from '../processes/process-rows';
import { silentLogger } from '../platform/logger';
import { startStack } from '../dev-stack';
import { loadConfigOrExit, runMain } from '../dev-stack/load-config';
import { startManualRun, type ManualRunStart } from '../temporal/runs';

const OUT_DIR = path.join(__dirname, '..', 'test', 'histories');
/**
 * Histories are kept per workflow version, so the replay test proves every patch() branch: bump this
 * when a workflow change ships a patch, and keep the older files.
 */
const VERSION = 'v3';
const LOGICAL_TIME = '2025-12-18T04:00:00.000Z';
/** [workflow type, process name] */
const RESCHEDULE = ['rescheduleRemainingTasks', 'reschedule_remaining_tasks'] as const;
const ARCHIVE = ['archiveCompletedTasks', 'archive_completed_tasks'] as const;

async function main(): Promise<number> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfigOrExit();
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
          if (++attempts === 1) throw ApplicationFailure.retryable('simulated transient failure', 'Simulated');
          if ((runContext.processConfig as { hold?: boolean }).hold) {
            await held;
            Context.current().heartbeat();
          }
          return real.archiveCompletedTasks({ ...runContext, processConfig: {} });
        },
      },
    });
    const sql = orm.em.getConnection();
    const setProcessConfig = (name: string, json: string) =>
      sql.execute('UPDATE automated_processes SET process_config = ? WHERE name = ?', [json, name]);

    /** Starts a run as the API does, checks how its start went and how it ended, and saves its history. */
    const record = async (
      name: string,
      [workflowType, processName]: readonly [string, string],
      expectedStart: ManualRunStart['kind'],
      runFails = expectedStart === 'not-started',
    ) => {
      const workflowId = `history-${name}-${randomUUID()}`;
      const run = { processName, workflowType, taskQueue, ids: { workflowId, executionId: randomUUID() } };
      const start = await startManualRun(client, { ...run, logicalTime: LOGICAL_TIME }, new AbortController().signal);
      if (start.kind !== expectedStart) throw new Error(`${name}: start was ${start.kind}, expected ${expectedStart}`);
      const handle = client.workflow.getHandle(workflowId);
      let failure: unknown;
      await handle.result().catch((err: unknown) => (failure = err ?? new Error('rejected')));
      const asExpected = runFails ? failure instanceof WorkflowFailedError : failure === undefined;
      if (!asExpected) throw failure ?? new Error(`${name} was expected to fail`);
      const history = await handle.fetchHistory();
      writeFileSync(path.join(OUT_DIR, `${VERSION}-${name}.json`), `${historyToJSON(history)}\n`);
      console.log(`Recorded ${VERSION}-${name} (${history.events?.length ?? 0} events)`);
    };

    await worker.runUntil(async () => {
      await record('reschedule-success', RESCHEDULE, 'opened');
      await record('archive-retried-activity', ARCHIVE, 'opened');
      // beginExecution refuses a process that does not exist: the update fails, and so does the run.
      await record('reschedule-not-started', [RESCHEDULE[0], 'no_such_process'], 'not-started');
      await setProcessConfig(RESCHEDULE[1], '{"scenario": "fail"}');
      await record('reschedule-failure', RESCHEDULE, 'opened', true);
      // A run in progress, then a second start of the same process: the second is skipped.
      await setProcessConfig(ARCHIVE[1], '{"hold": true}');
      const first = await client.workflow.start(ARCHIVE[0], {
        taskQueue,
        workflowId: `history-hold-${randomUUID()}`,
        args: [{ processName: ARCHIVE[1], logicalTime: LOGICAL_TIME }],
      });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await record('archive-skipped-overlap', ARCHIVE, 'skipped');
      releaseHeld();
      await first.result();
    });
  } finally {
    await nativeConnection.close();
    await connection.close();
    await orm.close();
    await stack.stop();
  }
  return 0;
}

runMain(main, console.error, true);
