/**
 * `npm run histories:record`: real runs of each scenario below, their event histories saved to test/histories/
 * for the replay test (one already there is kept). Manual runs start as the API starts them (update-with-start,
 * temporal/runs.ts). Uses DATABASE_URL / TEMPORAL_ADDRESS when set, else a throwaway stack.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createArchiveActivities } from '../activities/archive-completed-tasks';
import { createRescheduleActivities, type AutoSplit } from '../activities/reschedule-remaining-tasks';
import { chainSettings, createRegisteredActivities } from '../worker/create-worker';
import { registeredWorkflowsPath } from '../worker/workflow-entry';
import type { RunContext } from '../activities/run-types';
import { loadProcess } from '../activities/process-of-run';
import { initORM, migrate } from '../db/orm';
import { PROCESS_REGISTRY } from '../processes/registry';
import { ensureProcessRows } from '../processes/process-rows';
import { silentLogger } from '../platform/logger';
import { startStack } from '../dev-stack';
import { loadConfigOrExit, runMain } from '../dev-stack/load-config';
import { startManualRun, type ManualRunStart } from '../temporal/runs';
import { startBackfill } from '../temporal/backfills';
import { firingOn, localDateAt } from '../time';
import type { ProcessRunInput } from '../workflows/run-and-record';
import type { BackfillResult } from '../workflows/backfill-runs';

const OUT_DIR = path.join(__dirname, '..', 'test', 'histories');
/**
 * Histories are kept per workflow version, so the replay test proves every patch() branch: bump this
 * when a workflow change ships a patch, and keep the older files. v4 (DAY_CLAIM_PATCH) added the
 * scheduled and backfilled scenarios only; the manual ones' path did not change, so stay at v3. v5
 * (POLICY_PATCH) records the scheduled ones again, under the patch, and manual runs under a policy: a
 * success, a run that times out, and one rerun automatically after its failure. v6 (EVENT_PATCH) records
 * runs started by an event: one at once, and one that waited for a run in progress.
 */
const VERSION = 'v5';
const EVENT_VERSION = 'v6';
const MANUAL_VERSION = 'v3';
/** v6 (CHAINS_PATCH): a chained run (trigger 'chain', caused_by), and a scheduled run that waited for its `requires`. */
const CHAIN_VERSION = 'v6';
/** v7 (CONCURRENCY_PATCH): runs a concurrency limit held back, waiting with a pending row until woken (runMayStart). */
const CONCURRENCY_VERSION = 'v7';
/**
 * v8 (PARTITIONS_PATCH, AUTO_PARTITIONS_PATCH): a run with policy.partitions 3 (plan, three walks, finish), and
 * a default ("auto") run whose overdue count is worth two walks: the work activity answers with their plan.
 */
const PARTITIONS_VERSION = 'v8';
const LOGICAL_TIME = '2025-12-18T04:00:00.000Z';
/** [workflow type, process name] */
const RESCHEDULE = ['rescheduleRemainingTasks', 'reschedule_remaining_tasks'] as const;
const ARCHIVE = ['archiveCompletedTasks', 'archive_completed_tasks'] as const;
type Workflow = readonly [string, string];
type StartKind = ManualRunStart['kind'];

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
    const deps = { orm, temporal: client, batchSize: 2, chains: chainSettings(PROCESS_REGISTRY, taskQueue) };
    const real = { ...createRescheduleActivities(deps), ...createArchiveActivities(deps) };
    let attempts = 0;
    let failOnce = 0;
    let releaseHeld: () => void = () => undefined;
    const hold = () => new Promise<void>((resolve) => (releaseHeld = resolve));
    let held = hold();
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowsPath: registeredWorkflowsPath(PROCESS_REGISTRY),
      activities: {
        ...createRegisteredActivities(PROCESS_REGISTRY, deps),
        async rescheduleRemainingTasks(runContext: RunContext, split?: AutoSplit) {
          const scenario = (runContext.processConfig as { scenario?: string }).scenario;
          if (scenario === 'hold') await held;
          if (scenario === 'fail-once' && ++failOnce === 1) {
            throw ApplicationFailure.retryable('simulated failure, once', 'Simulated');
          }
          return real.rescheduleRemainingTasks({ ...runContext, processConfig: {} }, split).then((result) => {
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
    /** The process's policy as the API stores it (null: the defaults). */
    const setPolicy = (name: string, policy: object | null) =>
      sql.execute(
        `UPDATE automated_process_registrations SET policy = ?::jsonb
          WHERE process_id = (SELECT process_id FROM automated_processes WHERE name = ?)`,
        [policy === null ? null : JSON.stringify(policy), name],
      );

    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    /** Waits for the run to end, failed or not as expected, and saves its history unless one is on disk. */
    const save = async (file: string, handle: WorkflowHandle, runFails = false): Promise<unknown> => {
      let failure: unknown;
      const result: unknown = await handle.result().catch((err: unknown) => (failure = err ?? new Error('rejected')));
      const asExpected = runFails ? failure instanceof WorkflowFailedError : failure === undefined;
      if (!asExpected) throw failure ?? new Error(`${file} was expected to fail`);
      if (existsSync(path.join(OUT_DIR, `${file}.json`))) return result;
      const history = await handle.fetchHistory();
      writeFileSync(path.join(OUT_DIR, `${file}.json`), `${historyToJSON(history)}\n`);
      console.log(`Recorded ${file} (${history.events?.length ?? 0} events)`);
      return result;
    };

    /** Starts a run as the API does and checks how its start went. */
    const startManual = async (name: string, [workflowType, processName]: Workflow, expected: StartKind) => {
      const workflowId = `history-${name}-${randomUUID()}`;
      const run = { processName, workflowType, taskQueue, ids: { workflowId, executionId: randomUUID() } };
      const start = await startManualRun(client, { ...run, logicalTime: LOGICAL_TIME }, new AbortController().signal);
      if (start.kind !== expected) throw new Error(`${name}: start was ${start.kind}, expected ${expected}`);
      return client.workflow.getHandle(workflowId);
    };
    const record = async (name: string, workflow: Workflow, start: StartKind, runFails = start === 'not-started') =>
      save(`${MANUAL_VERSION}-${name}`, await startManual(name, workflow, start), runFails);
    /** A run as its schedule starts one: no update, trigger 'schedule', at a time of the schedule's. */
    const startScheduled = (logicalTime: string) => {
      const args: [ProcessRunInput] = [{ processName: RESCHEDULE[1], trigger: 'schedule', logicalTime }];
      return client.workflow.start(RESCHEDULE[0], { taskQueue, workflowId: `history-scheduled-${randomUUID()}`, args });
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
      await pause(1500);
      await record('archive-skipped-overlap', ARCHIVE, 'skipped');
      releaseHeld();
      await first.result();
      // v4: scheduled and backfilled runs claim their day (DAY_CLAIM_PATCH), at today's time as the schedule fires.
      const schedule = (await loadProcess(orm.em.fork(), RESCHEDULE[1], config.timezone)).schedule!;
      const { timezone } = schedule;
      const today = new Date(firingOn(timezone, localDateAt(timezone, Date.now()), schedule)).toISOString();
      await setProcessConfig(RESCHEDULE[1], '{"scenario": "hold"}'); // held is released: no wait yet
      await save(`${VERSION}-reschedule-scheduled`, await startScheduled(today));
      await save(`${VERSION}-reschedule-day-covered`, await startScheduled(today));
      // A manual run in progress: the scheduled run sleeps, then runs (the day's claim dropped first).
      await sql.execute(`DELETE FROM automated_process_nominal_times WHERE workflow_id LIKE 'history-%'`);
      held = hold();
      await startManual('holding', RESCHEDULE, 'opened');
      const waiting = await startScheduled(today);
      while (!(await waiting.fetchHistory()).events?.some((e) => e.timerStartedEventAttributes)) await pause(200);
      releaseHeld();
      await save(`${VERSION}-reschedule-waited`, waiting);
      // The two days before, backfilled: the coordinator's history and its first child run's.
      const range = { start: Date.parse(today) - 2.5 * 86_400_000, end: Date.parse(today) - 0.5 * 86_400_000 };
      const request = { processName: RESCHEDULE[1], schedule, workflowType: RESCHEDULE[0], taskQueue, range };
      const backfill = client.workflow.getHandle((await startBackfill(client, request)).workflow?.workflowId ?? '');
      const { times } = (await save(`${VERSION}-backfill`, backfill)) as BackfillResult;
      await save(`${VERSION}-backfill-run`, client.workflow.getHandle(times[0]?.workflowId ?? ''));
      // v5: manual runs under a policy (POLICY_PATCH): the defaults, a run held past run_seconds, an automatic rerun.
      const recordV5 = async (name: string, start: StartKind, runFails = false) =>
        save(`${VERSION}-${name}`, await startManual(name, RESCHEDULE, start), runFails);
      await setProcessConfig(RESCHEDULE[1], '{}');
      await recordV5('reschedule-success', 'opened');
      await setPolicy(RESCHEDULE[1], { timeouts: { run_seconds: 5 } });
      await setProcessConfig(RESCHEDULE[1], '{"scenario": "hold"}');
      held = hold();
      await recordV5('reschedule-timed-out', 'opened', true);
      releaseHeld();
      await setPolicy(RESCHEDULE[1], { retry: { max_attempts: 1 }, rerun_failed: { max_runs: 1, delay_minutes: 1 } });
      await setProcessConfig(RESCHEDULE[1], '{"scenario": "fail-once"}');
      await recordV5('reschedule-rerun', 'opened');
      await setPolicy(RESCHEDULE[1], null);
      await setProcessConfig(RESCHEDULE[1], '{}');
      // v6: runs started by an event, as temporal/events.ts starts them (EVENT_PATCH).
      const startEvent = (name: string) => {
        const event = { id: `evt-${name}`, name: 'user.day_started', data: { user_id: randomUUID() } };
        const args: [ProcessRunInput] = [
          { processName: RESCHEDULE[1], trigger: 'event', logicalTime: LOGICAL_TIME, executionId: randomUUID(), event },
        ];
        return client.workflow.start(RESCHEDULE[0], { taskQueue, workflowId: `history-event-${randomUUID()}`, args });
      };
      await save(`${EVENT_VERSION}-reschedule-event`, await startEvent('now'));
      // A manual run in progress: the event's run waits for it (a timer), then runs.
      await setProcessConfig(RESCHEDULE[1], '{"scenario": "hold"}');
      held = hold();
      await startManual('holding-event', RESCHEDULE, 'opened');
      const waitingEvent = await startEvent('waited');
      while (!(await waitingEvent.fetchHistory()).events?.some((e) => e.timerStartedEventAttributes)) await pause(200);
      releaseHeld();
      await save(`${EVENT_VERSION}-reschedule-event-waited`, waitingEvent);
      await setProcessConfig(RESCHEDULE[1], '{}');
      // v6: archive chained after reschedule; the chained run's own history.
      const setChains = (name: string, column: 'chain_after' | 'chain_requires', value: object | null) =>
        sql.execute(
          `UPDATE automated_process_registrations SET ${column} = ?::jsonb
            WHERE process_id = (SELECT process_id FROM automated_processes WHERE name = ?)`,
          [value === null ? null : JSON.stringify(value), name],
        );
      await setChains(ARCHIVE[1], 'chain_after', [{ process: RESCHEDULE[1], on: 'completed' }]);
      const upstream = await startManual('chain-upstream', RESCHEDULE, 'opened');
      await upstream.result();
      const [upstreamRow] = await sql.execute<{ execution_id: string }[]>(
        'SELECT execution_id FROM automated_process_executions WHERE workflow_id = ?',
        [upstream.workflowId],
      );
      if (!upstreamRow) throw new Error('the chain upstream left no row');
      await setChains(ARCHIVE[1], 'chain_after', null);
      const chainedId = `${taskQueue}:${ARCHIVE[1]}-chain-${upstreamRow.execution_id}`;
      const chained = client.workflow.getHandle(chainedId);
      while (!(await chained.describe().catch(() => undefined))) await pause(200);
      await save(`${CHAIN_VERSION}-chain-run`, chained);
      // A scheduled run that requires archive for its day: it waits (a timer), archive runs for today, it goes.
      await setChains(RESCHEDULE[1], 'chain_requires', [{ process: ARCHIVE[1], same_local_day: true }]);
      await sql.execute(`DELETE FROM automated_process_nominal_times WHERE workflow_id LIKE 'history-%'`);
      const requiring = await startScheduled(today);
      while (!(await requiring.fetchHistory()).events?.some((e) => e.timerStartedEventAttributes)) await pause(200);
      const archiveToday = {
        processName: ARCHIVE[1],
        workflowType: ARCHIVE[0],
        taskQueue,
        ids: { workflowId: `history-archive-today-${randomUUID()}`, executionId: randomUUID() },
        logicalTime: today,
      };
      await startManualRun(client, archiveToday, new AbortController().signal);
      await client.workflow.getHandle(archiveToday.ids.workflowId).result();
      await save(`${CHAIN_VERSION}-chain-requirement-waited`, requiring);
      await setChains(RESCHEDULE[1], 'chain_requires', null);
      // v7: held back by the process's limit (CONCURRENCY_PATCH): a pending row, woken by runMayStart when the other ends.
      const setOverlap = (name: string, overlap: string | null) =>
        sql.execute(
          `UPDATE automated_process_registrations SET overlap = ?
            WHERE process_id = (SELECT process_id FROM automated_processes WHERE name = ?)`,
          [overlap, name],
        );
      await setProcessConfig(RESCHEDULE[1], '{"scenario": "hold"}');
      held = hold();
      await startManual('holding-pending-event', RESCHEDULE, 'opened');
      const pendingEvent = await startEvent('pending');
      while (!(await pendingEvent.fetchHistory()).events?.some((e) => e.timerStartedEventAttributes)) await pause(200);
      releaseHeld();
      await save(`${CONCURRENCY_VERSION}-reschedule-event-pending`, pendingEvent);
      // A manual run under overlap buffer_one: it waits (the API's 202 "pending"), and runs once the other ends.
      await setOverlap(RESCHEDULE[1], 'buffer_one');
      held = hold();
      await startManual('holding-buffered', RESCHEDULE, 'opened');
      const buffered = await startManual('buffered', RESCHEDULE, 'waiting');
      releaseHeld();
      await save(`${CONCURRENCY_VERSION}-reschedule-buffered`, buffered);
      await setOverlap(RESCHEDULE[1], null);
      await setProcessConfig(RESCHEDULE[1], '{}');
      // v8: with batches of 2, 5 batches a part: 20 overdue tasks make two parts of the default ("auto") run.
      // (Recorded when a part took 25 batches, with 120 tasks: the same two parts.)
      const seedOverdue = async (count: number) => {
        const user = randomUUID();
        // Behflow's users table, where the database has it (the tasks' foreign key needs the row).
        await sql.execute(`DO $$ BEGIN IF to_regclass('users') IS NOT NULL THEN
          INSERT INTO users (user_id, username) VALUES ('${user}', 'history-${user}'); END IF; END $$`);
        await sql.execute(
          `INSERT INTO tasks (task_id, user_id, name, due_date_gregorian, date_added_gregorian, date_added_jalali,
                              priority, status, updated_at)
           SELECT gen_random_uuid(), ?::uuid, 'history ' || i, timestamptz '2025-12-01T05:00:00Z' + make_interval(mins => i),
                  now(), '1404-01-01T00:00:00', 'medium', 'pending', now()
             FROM generate_series(1, ?) i`,
          [user, count],
        );
      };
      await seedOverdue(20);
      await save(`${PARTITIONS_VERSION}-reschedule-auto-split`, await startManual('auto-split', RESCHEDULE, 'opened'));
      // Enough rows that the table has pages for three ranges.
      await seedOverdue(300);
      await setPolicy(RESCHEDULE[1], { partitions: 3 });
      await save(
        `${PARTITIONS_VERSION}-reschedule-partitioned`,
        await startManual('partitioned', RESCHEDULE, 'opened'),
      );
      await setPolicy(RESCHEDULE[1], null);
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
