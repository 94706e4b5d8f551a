import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { createRescheduleActivities } from '../../activities/reschedule-remaining-tasks';
import type { RunContext } from '../../activities/run-types';
import { scheduleIdFor } from '../../temporal/ids';
import { sql } from '../helpers/database';
import { holdingActivity } from '../helpers/holding-activity';
import { eventually, startWorker, type ActivityOverrides, type RunningWorker } from '../helpers/temporal';
import { AUTH, buildTestApi, type TestApi, WRITE } from './helpers';

const RESCHEDULE = 'reschedule_remaining_tasks';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let api: TestApi;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  api = await buildTestApi();
});
afterEach(async () => {
  if (worker) await eventually(allClosed);
  await worker?.stop();
  worker = undefined;
});
afterAll(async () => {
  await api.close();
});

async function useWorker(overrides: ActivityOverrides = {}): Promise<void> {
  worker = await startWorker(api.temporal, api.db.orm, overrides);
}

function post(url: string, body?: object) {
  return api.app.inject({ method: 'POST', url, headers: WRITE, ...(body === undefined ? {} : { payload: body }) });
}

function get(url: string) {
  return api.app.inject({ method: 'GET', url, headers: AUTH });
}

async function allClosed(): Promise<true | undefined> {
  const [row] = await sql<{ n: string }>(
    api.db.orm,
    `SELECT count(*) AS n FROM automated_process_executions WHERE status = 'running'`,
  );
  return Number(row?.n) === 0 ? true : undefined;
}

async function executionCount(): Promise<number> {
  const [row] = await sql<{ n: string }>(api.db.orm, 'SELECT count(*) AS n FROM automated_process_executions');
  return Number(row?.n);
}

async function processId(name: string): Promise<string> {
  const [row] = await sql<{ process_id: string }>(
    api.db.orm,
    'SELECT process_id FROM automated_processes WHERE name = ?',
    [name],
  );
  return row!.process_id;
}

/** An execution row as an earlier run left it. */
async function insertExecution(
  name: string,
  row: { status: string; logicalTime: string; rerunOf?: string; trigger?: string },
): Promise<string> {
  const executionId = randomUUID();
  await sql(
    api.db.orm,
    `INSERT INTO automated_process_executions
       (execution_id, process_id, status, started_at, completed_at, trigger, logical_time, error_message, rerun_of)
     VALUES (?, ?, ?, ?::timestamptz, ?::timestamptz + interval '1 second', ?, ?, ?, ?)`,
    [
      executionId,
      await processId(name),
      row.status,
      row.logicalTime,
      row.logicalTime,
      row.trigger ?? 'schedule',
      row.logicalTime,
      row.status === 'failed' ? 'rescheduleRemainingTasks: connection refused' : null,
      row.rerunOf ?? null,
    ],
  );
  return executionId;
}

/** The real work, failing while `failing.now` is true. */
function failingUntilRepaired() {
  const real = createRescheduleActivities({ orm: api.db.orm, batchSize: 500 });
  const failing = { now: true };
  const activity = async (run: RunContext) => {
    if (failing.now) throw ApplicationFailure.nonRetryable('column t.due_date_gregorian does not exist', 'Broken');
    return real.rescheduleRemainingTasks(run);
  };
  return { failing, activity };
}

describe('POST /executions/:id/rerun', () => {
  it('answers 202 with a new execution for the same logical time that says rerun_of, and the rerun completes', async () => {
    const work = failingUntilRepaired();
    await useWorker({ rescheduleRemainingTasks: work.activity });
    const failed = (await post(`/processes/${RESCHEDULE}/trigger?wait=true`)).json();
    expect(failed).toMatchObject({ status: 'failed', rerun_of: null, trigger: 'manual' });
    work.failing.now = false;

    const res = await post(`/executions/${failed.execution_id}/rerun`);

    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({
      execution_id: expect.stringMatching(UUID),
      rerun_of: failed.execution_id,
      process_name: RESCHEDULE,
      workflow_id: `${scheduleIdFor(RESCHEDULE, api.temporal)}-rerun-${body.execution_id}`,
      status: expect.stringMatching(/^(running|completed)$/),
      execution_url: `/executions/${body.execution_id}`,
    });
    expect(body.execution_id).not.toBe(failed.execution_id);
    expect(res.headers.location).toBe(body.execution_url);
    const done = await eventually(async () => {
      const view = (await get(body.execution_url)).json();
      return view.status === 'completed' ? view : undefined;
    });
    expect(done).toMatchObject({
      trigger: 'rerun',
      rerun_of: failed.execution_id,
      logical_time: failed.logical_time,
      result: { success: true },
    });
    expect((await get(`/executions/${failed.execution_id}`)).json()).toMatchObject({ status: 'failed' });
  });

  it('answers 409 RUN_IN_PROGRESS while that process is running, and starts nothing', async () => {
    const hold = holdingActivity();
    await useWorker({ rescheduleRemainingTasks: hold.activity });
    const running = (await post(`/processes/${RESCHEDULE}/trigger`)).json();
    await hold.running;
    const before = await executionCount();

    const res = await post(`/executions/${running.execution_id}/rerun`);

    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      code: 'RUN_IN_PROGRESS',
      execution: { execution_id: running.execution_id, status: 'running' },
    });
    const after = await executionCount();
    expect(after).toBe(before);
    hold.release();
  });

  it('answers 404 for an execution that does not exist, 400 for an id that is not a UUID', async () => {
    const unknown = randomUUID();
    const missing = await post(`/executions/${unknown}/rerun`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'NOT_FOUND', message: `execution "${unknown}" does not exist` });

    const bad = await post('/executions/not-a-uuid/rerun');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'INVALID_INPUT', field: 'params.id' });
  });
});

describe('POST /processes/:name/rerun-failed', () => {
  it("reruns the range's failed executions not rerun yet, one after another, each for its logical time", async () => {
    // Local days in Asia/Tehran (UTC+03:30): 2025-11-03T04:00Z is 07:30 on the 3rd.
    const first = await insertExecution(RESCHEDULE, { status: 'failed', logicalTime: '2025-11-03T04:00:00.000Z' });
    const second = await insertExecution(RESCHEDULE, { status: 'failed', logicalTime: '2025-11-04T04:00:00.000Z' });
    // Not rerun: completed; before the range (22:00 on Nov 1st in Tehran is 2025-11-01T18:30Z); already rerun.
    await insertExecution(RESCHEDULE, { status: 'completed', logicalTime: '2025-11-05T04:00:00.000Z' });
    await insertExecution(RESCHEDULE, { status: 'failed', logicalTime: '2025-11-01T18:30:00.000Z' });
    const rerunAlready = await insertExecution(RESCHEDULE, {
      status: 'failed',
      logicalTime: '2025-11-06T04:00:00.000Z',
    });
    const rerun = await insertExecution(RESCHEDULE, {
      status: 'failed',
      trigger: 'rerun',
      logicalTime: '2025-11-06T04:00:00.000Z',
      rerunOf: rerunAlready,
    });
    await useWorker();

    const res = await post(`/processes/${RESCHEDULE}/rerun-failed`, { from: '2025-11-02', to: '2025-11-06' });

    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({
      process_name: RESCHEDULE,
      timezone: 'Asia/Tehran',
      from: '2025-11-02',
      to: '2025-11-06',
      count: 3,
      truncated: false,
      workflow_id: expect.stringContaining(`${scheduleIdFor(RESCHEDULE, api.temporal)}-rerun-failed-`),
    });
    expect(body.reruns.map((r: { rerun_of: string; logical_time: string }) => [r.rerun_of, r.logical_time])).toEqual([
      [first, '2025-11-03T04:00:00.000Z'],
      [second, '2025-11-04T04:00:00.000Z'],
      // The chain's latest failure, not the execution it reran.
      [rerun, '2025-11-06T04:00:00.000Z'],
    ]);
    await api.temporal.client.workflow.getHandle(body.workflow_id).result();
    const views = await Promise.all(
      body.reruns.map(async (r: { execution_id: string }) => (await get(`/executions/${r.execution_id}`)).json()),
    );
    expect(views.map((v) => [v.status, v.trigger, v.rerun_of, v.logical_time])).toEqual([
      ['completed', 'rerun', first, '2025-11-03T04:00:00.000Z'],
      ['completed', 'rerun', second, '2025-11-04T04:00:00.000Z'],
      ['completed', 'rerun', rerun, '2025-11-06T04:00:00.000Z'],
    ]);
    // One after another: each started after the previous one ended.
    const spans = views.map((v) => [Date.parse(v.started_at), Date.parse(v.completed_at)] as const);
    expect(spans[1]![0]).toBeGreaterThanOrEqual(spans[0]![1]);
    expect(spans[2]![0]).toBeGreaterThanOrEqual(spans[1]![1]);

    // Asked again: nothing left to rerun in the range.
    const again = await post(`/processes/${RESCHEDULE}/rerun-failed`, { from: '2025-11-02', to: '2025-11-06' });
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ count: 0, reruns: [], workflow_id: null });
  });

  it.each([
    [{ from: '2025-11-05', to: '2025-11-04' }, 'body.to', 'must not be before body.from'],
    [{ from: '2025-11-01', to: '2025-12-02' }, 'body.to', 'must be at most 31 days from body.from, both included'],
    [{ from: '2025-02-30', to: '2025-03-02' }, 'body.from', 'must be a calendar date YYYY-MM-DD, year 1 or later'],
    [{ from: '2025-11-01' }, 'body.to', undefined],
    [{ from: '2025-11-01', to: 'tomorrow' }, 'body.to', undefined],
    [{ from: '2025-11-01', to: '2025-11-02', status: 'failed' }, 'body.status', undefined],
  ])('answers 400 for %j naming %s', async (body, field, rule) => {
    const res = await post(`/processes/${RESCHEDULE}/rerun-failed`, body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_INPUT', field, ...(rule ? { rule } : {}) });
  });

  it('answers 404 for a process that does not exist', async () => {
    const res = await post('/processes/no_such_process/rerun-failed', { from: '2025-11-01', to: '2025-11-02' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'NOT_FOUND', message: 'process "no_such_process" does not exist' });
  });

  it('the 31-day range, both ends included, is allowed', async () => {
    const res = await post(`/processes/${RESCHEDULE}/rerun-failed`, { from: '2025-01-01', to: '2025-01-31' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ count: 0 });
  });
});
