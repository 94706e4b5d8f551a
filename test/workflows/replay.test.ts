import { PROCESS_REGISTRY } from '../../processes/registry';
import { registeredWorkflowsPath } from '../../worker/workflow-entry';
import { TRACING_WORKFLOW_MODULES } from '../../platform/tracing';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime, Worker, type ReplayResult } from '@temporalio/worker';
import { executionOpenedUpdate } from '../../workflows/execution-opened';
import { ONE_NAME_PATCH } from '../../workflows/reschedule-remaining-tasks';
import {
  CHAINS_PATCH,
  DAY_CLAIM_PATCH,
  CONCURRENCY_PATCH,
  EVENT_PATCH,
  LOCAL_RECORDS_PATCH,
  POLICY_PATCH,
} from '../../workflows/run-and-record';

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

async function replayAll(workflowsPath: string, workflowModules: string[] = []): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  // The tracing interceptors' spans leave through the exporter sink, which a replay never calls.
  const sinks = { exporter: { export: { fn: () => undefined } } };
  const options = { workflowsPath, replayName: 'replay-test', interceptors: { workflowModules }, sinks };
  for await (const result of Worker.runReplayHistories(options, histories)) {
    results.push(result);
  }
  return results;
}

const SCENARIOS = ['archive-retried-activity', 'archive-skipped-overlap', 'reschedule-failure', 'reschedule-success'];
/** v3 runs are started as the API starts them, with the executionOpened update; one of them fails before its row. */
const V3_SCENARIOS = [...SCENARIOS, 'reschedule-not-started'].sort();
/** v4 runs are started as a schedule or a backfill starts them: each claims its day (DAY_CLAIM_PATCH). */
const V4_SCHEDULED = ['backfill-run', 'reschedule-day-covered', 'reschedule-scheduled', 'reschedule-waited'];
/** The backfill coordinator (backfillTimes), which runs each time as a child and opens no row itself. */
const V4_COORDINATOR = 'v4-backfill';
/** v5: the scheduled scenarios again, and manual runs, under the run's policy (POLICY_PATCH). */
const V5_COORDINATOR = 'v5-backfill';
const V5_MANUAL = ['reschedule-rerun', 'reschedule-success', 'reschedule-timed-out'];
const COORDINATORS = [V4_COORDINATOR, V5_COORDINATOR];
/** v6: runs started by an event (EVENT_PATCH), one at once and one that waited for a run in progress. */
const V6_EVENT = ['reschedule-event', 'reschedule-event-waited'];
/** v6 (CHAINS_PATCH): a chained run (archive after reschedule), and a scheduled run that waited for its `requires`. */
const V6_CHAIN_RUN = 'v6-chain-run';
const V6_REQUIREMENT_WAITED = 'v6-chain-requirement-waited';
/** v7 (CONCURRENCY_PATCH): an event run and a buffered manual run that waited with a pending row until woken. */
const V7_PENDING = ['reschedule-buffered', 'reschedule-event-pending'];
const V8_PARTITIONED = ['reschedule-auto-split', 'reschedule-partitioned'];
/** Scheduled (or backfilled) runs, which claim their day (DAY_CLAIM_PATCH), in v4, v5 and v6. */
const isScheduled = (workflowId: string) =>
  V4_SCHEDULED.some((s) => workflowId === `v4-${s}` || workflowId === `v5-${s}`) ||
  workflowId === V6_REQUIREMENT_WAITED;

it('has recorded histories of a success, a failure, a retried activity and a skipped overlap, for each version, and scheduled runs', () => {
  expect(histories.map((h) => h.workflowId).sort()).toEqual([
    // v1: execution rows opened and closed by activities; v2: by local activities (LOCAL_RECORDS_PATCH);
    // v3: started by update-with-start, the reschedule work activity under its new name (ONE_NAME_PATCH).
    ...SCENARIOS.map((s) => `v1-${s}`),
    ...SCENARIOS.map((s) => `v2-${s}`),
    ...V3_SCENARIOS.map((s) => `v3-${s}`),
    // v4: scheduled runs that claim their day, find it covered, or wait for a manual run; a backfill and its first run.
    V4_COORDINATOR,
    ...V4_SCHEDULED.map((s) => `v4-${s}`),
    // v5: under the run's policy: the scheduled ones again, a success, a run timed out, an automatic rerun.
    V5_COORDINATOR,
    ...[...V4_SCHEDULED, ...V5_MANUAL].sort().map((s) => `v5-${s}`),
    // v6: a chained run; a scheduled run that waited for what it requires.
    V6_REQUIREMENT_WAITED,
    V6_CHAIN_RUN,
    // v6: runs started by an event, at once and after waiting for a manual run.
    ...V6_EVENT.map((s) => `v6-${s}`),
    // v7: held back by a concurrency limit, waiting with a pending row: a buffered manual run, an event run.
    ...V7_PENDING.map((s) => `v7-${s}`),
    // v8: a run split by its policy (partitions 3), and a default ("auto") run its work activity split in two.
    ...V8_PARTITIONED.map((s) => `v8-${s}`),
  ]);
});

it('v8 histories walk their table in parts: planned by policy.partitions, or by the work activity of an "auto" run', () => {
  const of = (name: string) => histories.find((h) => h.workflowId === `v8-${name}`)?.history;
  expect(remoteActivities(of('reschedule-partitioned'))).toEqual([
    'planRescheduleRun',
    'rescheduleTaskRange',
    'rescheduleTaskRange',
    'rescheduleTaskRange',
    'finishRescheduleRun',
  ]);
  expect(patchIds(of('reschedule-partitioned'))).toContain('partitioned-runs');
  expect(remoteActivities(of('reschedule-auto-split'))).toEqual([
    'rescheduleRemainingTasks',
    'rescheduleTaskRange',
    'rescheduleTaskRange',
    'finishRescheduleRun',
  ]);
  expect(patchIds(of('reschedule-auto-split'))).toContain('auto-partitions');
});

interface RecordedEvent {
  eventType?: string;
  timerStartedEventAttributes?: unknown;
  startChildWorkflowExecutionInitiatedEventAttributes?: unknown;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
  markerRecordedEventAttributes?: { markerName?: string; details?: Record<string, { payloads?: { data?: string }[] }> };
  workflowExecutionUpdateAcceptedEventAttributes?: { acceptedRequest?: { input?: { name?: string } } };
  workflowExecutionUpdateCompletedEventAttributes?: { outcome?: { success?: unknown; failure?: unknown } };
}

function events(history: unknown): RecordedEvent[] {
  return (history as { events: RecordedEvent[] }).events;
}

function remoteActivities(history: unknown): string[] {
  return events(history).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
}

/** What the markers of one name record (their payloads are base64 JSON). */
function markerPayloads<T>(history: unknown, markerName: string, detail?: string): T[] {
  return events(history)
    .filter((e) => e.markerRecordedEventAttributes?.markerName === markerName)
    .flatMap((e) => Object.entries(e.markerRecordedEventAttributes?.details ?? {}))
    .flatMap(([key, d]) => (detail === undefined || key === detail ? (d.payloads ?? []) : []))
    .map((p) => JSON.parse(Buffer.from(p.data ?? '', 'base64').toString('utf8')) as T);
}

/** The ids of the patches a history's markers record. */
function patchIds(history: unknown): string[] {
  return markerPayloads<{ id: string }>(history, 'core_patch').map((p) => p.id);
}

/** Local activities leave no ActivityTaskScheduled event, only a marker naming them. */
function localActivities(history: unknown): string[] {
  return markerPayloads<{ activity_type: string }>(history, 'core_local_activity', 'data').map((d) => d.activity_type);
}

it('v1 histories open and close rows with activities; later ones with local activities behind the patch marker', () => {
  const shapes = histories.map(({ workflowId, history }) => ({
    workflowId,
    patched: patchIds(history).includes(LOCAL_RECORDS_PATCH),
    remoteRowActivities: remoteActivities(history).filter((t) => t.endsWith('Execution')).length > 0,
  }));
  expect(shapes).toEqual(
    histories.map(({ workflowId }) => ({
      workflowId,
      patched: !workflowId.startsWith('v1-') && !COORDINATORS.includes(workflowId),
      remoteRowActivities: workflowId.startsWith('v1-'),
    })),
  );
});

/** Each executionOpened update the history holds, by how it ended. */
function openedUpdates(history: unknown): string[] {
  const accepted = events(history).filter(
    (e) =>
      e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === executionOpenedUpdate.name,
  );
  const completed = events(history).flatMap((e) => e.workflowExecutionUpdateCompletedEventAttributes?.outcome ?? []);
  expect(completed).toHaveLength(accepted.length);
  return completed.map((outcome) => (outcome.failure ? 'failed' : 'answered'));
}

it('v3 and later histories run the reschedule work as rescheduleRemainingTasks behind its patch marker, earlier ones under the old name', () => {
  const workActivity = (workflowId: string): string[] => {
    if (/-(skipped-overlap|not-started|day-covered)$/.test(workflowId) || COORDINATORS.includes(workflowId)) return [];
    if (workflowId.includes('-archive-') || workflowId === V6_CHAIN_RUN) return ['archiveCompletedTasks'];
    // The failed run and its automatic rerun.
    if (workflowId === 'v5-reschedule-rerun') return ['rescheduleRemainingTasks', 'rescheduleRemainingTasks'];
    // Split in two by the work activity's answer; planned in parts by policy.partitions (before the name's patch).
    if (workflowId === 'v8-reschedule-auto-split')
      return ['rescheduleRemainingTasks', 'rescheduleTaskRange', 'rescheduleTaskRange', 'finishRescheduleRun'];
    if (workflowId === 'v8-reschedule-partitioned')
      return ['planRescheduleRun', ...Array(3).fill('rescheduleTaskRange'), 'finishRescheduleRun'];
    return [/^v[12]-/.test(workflowId) ? 'rescheduleOverdueTasks' : 'rescheduleRemainingTasks'];
  };
  const shapes = histories.map(({ workflowId, history }) => ({
    workflowId,
    oneNamePatch: patchIds(history).includes(ONE_NAME_PATCH),
    workActivities: remoteActivities(history).filter((t) => !t.endsWith('Execution')),
  }));
  expect(shapes).toEqual(
    histories.map(({ workflowId }) => ({
      workflowId,
      // The patch is where the reschedule workflow picks its work activity: a run that never gets there has no marker.
      oneNamePatch: workActivity(workflowId)[0] === 'rescheduleRemainingTasks',
      workActivities: workActivity(workflowId),
    })),
  );
});

it('v3 histories (and v5 manual ones) answer the executionOpened update, failing it for the run that did not open its row', () => {
  const startedByApi = (workflowId: string) =>
    workflowId.startsWith('v3-') ||
    V5_MANUAL.some((s) => workflowId === `v5-${s}`) ||
    workflowId === 'v7-reschedule-buffered' ||
    workflowId.startsWith('v8-');
  expect(histories.map(({ workflowId, history }) => ({ workflowId, updates: openedUpdates(history) }))).toEqual(
    histories.map(({ workflowId }) => ({
      workflowId,
      updates: startedByApi(workflowId) ? [workflowId.endsWith('-not-started') ? 'failed' : 'answered'] : [],
    })),
  );
});

it('v4 scheduled and backfilled runs claim their day with beginScheduledRun behind its patch marker; earlier ones do not', () => {
  const shapes = histories.map(({ workflowId, history }) => ({
    workflowId,
    dayClaimPatch: patchIds(history).includes(DAY_CLAIM_PATCH),
    claims: localActivities(history).filter((t) => t === 'beginScheduledRun').length,
    // The busy wait's timers (v5 runs also time their work: see the next test).
    busyTimers: timerDurations(history).filter((d) => d === '5s' && !workflowId.endsWith('-timed-out')).length,
    children: events(history).filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).length,
  }));
  expect(shapes).toEqual(
    histories.map(({ workflowId }) => {
      const scheduled = isScheduled(workflowId);
      // The waited run looks once, finds a manual run in progress, sleeps, and looks again.
      const waited = /^v[45]-reschedule-waited$/.test(workflowId);
      return {
        workflowId,
        dayClaimPatch: scheduled,
        claims: waited ? 2 : scheduled ? 1 : 0,
        busyTimers: waited ? 1 : 0,
        children: COORDINATORS.includes(workflowId) ? 2 : 0,
      };
    }),
  );
});

function timerDurations(history: unknown): string[] {
  return events(history).flatMap((e) => {
    const attributes = e.timerStartedEventAttributes as { startToFireTimeout?: string } | undefined;
    return attributes?.startToFireTimeout ?? [];
  });
}

interface ScheduledActivity {
  activityType?: { name?: string };
  retryPolicy?: { maximumAttempts?: number };
  startToCloseTimeout?: string;
  heartbeatTimeout?: string;
}

it("v5 runs apply the run's policy behind its patch marker: the work's retries and timeouts, a timer on the run, reruns", () => {
  const shapes = histories.map(({ workflowId, history }) => {
    const work = events(history).flatMap((e) => {
      const scheduled = e.activityTaskScheduledEventAttributes as ScheduledActivity | undefined;
      return scheduled && !scheduled.activityType?.name?.endsWith('Execution') ? [scheduled] : [];
    });
    return {
      workflowId,
      policyPatch: patchIds(history).includes(POLICY_PATCH),
      // Each work activity's attempts, one attempt's timeout and its heartbeat.
      work: work.map((a) => [a.retryPolicy?.maximumAttempts, a.startToCloseTimeout, a.heartbeatTimeout]),
      runTimers: timerDurations(history).filter((d) => d !== '5s' || workflowId.endsWith('-timed-out')),
      opened: localActivities(history).filter((t) => t === 'beginExecution').length,
      failedRows: localActivities(history).filter((t) => t === 'failExecution').length,
    };
  });
  const v5 = (s: string) => shapes.find((x) => x.workflowId === `v5-${s}`);
  // The defaults are the fixed options of earlier runs; the run's bound is one hour.
  expect(v5('reschedule-success')).toMatchObject({
    policyPatch: true,
    work: [[5, '1800s', '60s']],
    runTimers: ['3600s'],
  });
  // run_seconds 5 (activity_seconds and heartbeat_seconds follow it down): the row closed failed, the run failed.
  expect(v5('reschedule-timed-out')).toMatchObject({
    policyPatch: true,
    work: [[5, '5s', '5s']],
    runTimers: ['5s'],
    failedRows: 1,
  });
  // max_attempts 1, one rerun a minute later: a second row opened, the rerun completed.
  expect(v5('reschedule-rerun')).toMatchObject({
    policyPatch: true,
    work: [
      [1, '1800s', '60s'],
      [1, '1800s', '60s'],
    ],
    runTimers: ['3600s', '60s', '3600s'],
    opened: 2,
    failedRows: 1,
  });
  // Before the patch: no marker, no timer on the run, the fixed options.
  for (const shape of shapes.filter((x) => !/^v[5-8]-/.test(x.workflowId))) {
    expect(shape).toMatchObject({ policyPatch: false, runTimers: [] });
    for (const options of shape.work) expect(options).toEqual([5, '1800s', '60s']);
  }
});

it('the v5 timed-out run ends failed, "timed out after 5 s"', () => {
  const timedOut = histories.find((h) => h.workflowId === 'v5-reschedule-timed-out')!;
  const last = events(timedOut.history).at(-1) as RecordedEvent & {
    workflowExecutionFailedEventAttributes?: { failure?: { message?: string } };
  };
  expect(last.workflowExecutionFailedEventAttributes?.failure?.message).toBe('timed out after 5 s');
});

interface StartedEvent {
  workflowExecutionStartedEventAttributes?: { input?: { payloads?: { data?: string }[] } };
}

it('v6: a chained run starts with trigger chain and caused_by; a scheduled run waits for its requires behind the patch marker', () => {
  const shapes = histories.map(({ workflowId, history }) => {
    const started = events(history)[0] as StartedEvent;
    const payload = started.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
    const input = payload
      ? (JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as Record<string, unknown>)
      : {};
    return {
      workflowId,
      chainsPatch: patchIds(history).includes(CHAINS_PATCH),
      trigger: input.trigger,
      causedBy: typeof input.causedBy === 'string',
      checks: localActivities(history).filter((t) => t === 'checkRunRequirements').length,
    };
  });
  const shape = (id: string) => shapes.find((x) => x.workflowId === id);
  // Chained: no day's claim and no requirement wait (it is not scheduled), so no marker.
  expect(shape(V6_CHAIN_RUN)).toEqual({
    workflowId: V6_CHAIN_RUN,
    chainsPatch: false,
    trigger: 'chain',
    causedBy: true,
    checks: 0,
  });
  // Looked, found the requirement unmet, slept 2 s, looked again and ran.
  expect(shape(V6_REQUIREMENT_WAITED)).toMatchObject({ chainsPatch: true, trigger: 'schedule', checks: 2 });
  const waited = histories.find((h) => h.workflowId === V6_REQUIREMENT_WAITED)!;
  expect(timerDurations(waited.history)).toEqual(['3600s', '2s']);
  for (const other of shapes.filter((x) => !x.workflowId.startsWith('v6-'))) {
    expect(other).toMatchObject({ chainsPatch: false, causedBy: false, checks: 0 });
  }
});

it('replays every recorded history against the current workflow code', async () => {
  const results = await replayAll(registeredWorkflowsPath(PROCESS_REGISTRY));
  expect(results.map((r) => ({ workflowId: r.workflowId, error: r.error?.message }))).toEqual(
    histories.map((h) => ({ workflowId: h.workflowId, error: undefined })),
  );
});

it('replays every recorded history with the tracing interceptors, as a worker with OTEL_EXPORTER_OTLP_ENDPOINT runs it', async () => {
  const results = await replayAll(registeredWorkflowsPath(PROCESS_REGISTRY), [...TRACING_WORKFLOW_MODULES]);
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
  expect(new Set(results.map((r) => r.error?.name))).toEqual(new Set(['DeterminismViolationError']));
});

it('v6 event runs wait for a run in progress behind their patch marker, and run under the policy; no other run has the marker', () => {
  const shapes = histories.map(({ workflowId, history }) => ({
    workflowId,
    eventPatch: patchIds(history).includes(EVENT_PATCH),
    policyPatch: patchIds(history).includes(POLICY_PATCH),
    opened: localActivities(history).filter((t) => t === 'beginExecution').length,
    waited: timerDurations(history).includes('1s'),
  }));
  expect(
    shapes
      .filter((x) => x.eventPatch)
      .map((x) => x.workflowId)
      .sort(),
  ).toEqual([...V6_EVENT.map((s) => `v6-${s}`), 'v7-reschedule-event-pending'].sort());
  expect(shapes.find((x) => x.workflowId === 'v6-reschedule-event')).toMatchObject({
    policyPatch: true,
    opened: 1,
    waited: false,
  });
  const waited = shapes.find((x) => x.workflowId === 'v6-reschedule-event-waited')!;
  expect(waited).toMatchObject({ policyPatch: true, waited: true });
  expect(waited.opened).toBeGreaterThanOrEqual(2);
});

it('v7 runs held back by a limit wait with a pending row behind their patch marker, woken by runMayStart; no earlier run has the marker', () => {
  const shapes = histories.map(({ workflowId, history }) => ({
    workflowId,
    concurrencyPatch: patchIds(history).includes(CONCURRENCY_PATCH),
    looks: localActivities(history).filter((t) => t === 'admitPendingRun').length,
    woken: events(history).filter(
      (e) =>
        e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED' &&
        (e as { workflowExecutionSignaledEventAttributes?: { signalName?: string } })
          .workflowExecutionSignaledEventAttributes?.signalName === 'runMayStart',
    ).length,
  }));
  const v7 = V7_PENDING.map((s) => `v7-${s}`);
  // Later versions pass the patch on every run (it is where a run is admitted), without waiting.
  const later = V8_PARTITIONED.map((s) => `v8-${s}`);
  expect(
    shapes
      .filter((x) => x.concurrencyPatch)
      .map((x) => x.workflowId)
      .sort(),
  ).toEqual([...v7, ...later].sort());
  for (const id of v7) {
    const shape = shapes.find((x) => x.workflowId === id)!;
    expect(shape.looks).toBeGreaterThanOrEqual(1);
    expect(shape.woken).toBeGreaterThanOrEqual(1);
  }
  for (const other of shapes.filter((x) => !v7.includes(x.workflowId)))
    expect(other).toMatchObject({ looks: 0, woken: 0 });
});
