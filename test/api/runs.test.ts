import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { buildApp } from '../../api/app';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { manualRunIds, scheduleIdFor } from '../../temporal/ids';
import { reconcileSchedules } from '../../temporal/reconcile';
import { silentLogger } from '../../platform/logger';
import { sql } from '../helpers/database';
import { insertProcess } from '../helpers/fixtures';
import { eventually, startWorker, type ActivityOverrides, type RunningWorker } from '../helpers/temporal';
import { AUTH, buildTestApi, type TestApi, WRITE } from './helpers';
import { holdingActivity } from '../helpers/holding-activity';
import { executionOpenedUpdate } from '../../workflows/execution-opened';

const { EventType } = temporal.api.enums.v1;

const RESCHEDULE = 'reschedule_remaining_tasks';
const ARCHIVE = 'archive_completed_tasks';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DAY = 86_400_000;

let api: TestApi;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  api = await buildTestApi();
  await reconcileSchedules({
    orm: api.db.orm,
    client: api.temporal.client,
    registry: PROCESS_REGISTRY,
    settings: { taskQueue: api.temporal.taskQueue, catchupWindowMinutes: 240 },
    logger: silentLogger,
  });
});
afterEach(async () => {
  if (worker) await workflowsClosed();
  await worker?.stop();
  worker = undefined;
});
afterAll(async () => {
  await api.close();
});

async function useWorker(overrides: ActivityOverrides = {}): Promise<void> {
  worker = await startWorker(api.temporal, api.db.orm, overrides);
}

function post(url: string, options: { headers?: Record<string, string>; body?: unknown } = {}) {
  return api.app.inject({
    method: 'POST',
    url,
    headers: { ...WRITE, ...options.headers },
    ...(options.body === undefined ? {} : { payload: options.body as object }),
  });
}

function get(url: string) {
  return api.app.inject({ method: 'GET', url, headers: AUTH });
}

interface Row {
  execution_id: string;
  status: string;
  trigger: string | null;
  workflow_id: string | null;
  logical_time: string | null;
  started_at: Date;
  completed_at: Date | null;
}

async function rows(processName: string): Promise<Row[]> {
  return sql<Row>(
    api.db.orm,
    `SELECT e.execution_id, e.status, e.trigger, e.workflow_id,
            to_char(e.logical_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS logical_time,
            e.started_at::text AS started_at, e.completed_at::text AS completed_at
       FROM automated_process_executions e JOIN automated_processes p USING (process_id)
      WHERE p.name = ? ORDER BY e.started_at, e.execution_id`,
    [processName],
  );
}

/**
 * Waits until every workflow that wrote a row has closed. A row is closed by the workflow's last
 * activity, one workflow task before the workflow itself: stopping the worker in between would leave
 * the workflow running on a task queue nobody polls, holding its id (scheduled runs' ids are the
 * same in every test file for the same nominal time).
 */
async function workflowsClosed(): Promise<void> {
  const started = await sql<{ workflow_id: string; workflow_run_id: string | null }>(
    api.db.orm,
    `SELECT workflow_id, workflow_run_id FROM automated_process_executions
      WHERE workflow_id LIKE 'process:%' AND status <> 'running'`,
  );
  await Promise.all(
    started.map(async (r) => {
      const handle = api.temporal.client.workflow.getHandle(r.workflow_id, r.workflow_run_id ?? undefined);
      await handle.result().catch(() => undefined);
    }),
  );
}

/** The answers of the workflow's executionOpened updates so far, from its history. */
async function openedUpdateAnswers(workflowId: string): Promise<unknown[]> {
  const history = await api.temporal.client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const accepted = new Set(
    events
      .filter(
        (e) =>
          e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED &&
          e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === executionOpenedUpdate.name,
      )
      .map((e) => String(e.eventId)),
  );
  return events.flatMap((e) => {
    const completed = e.workflowExecutionUpdateCompletedEventAttributes;
    if (!completed || !accepted.has(String(completed.acceptedEventId))) return [];
    const payload = completed.outcome?.success?.payloads?.[0];
    return [payload ? defaultPayloadConverter.fromPayload(payload) : { failure: completed.outcome?.failure?.message }];
  });
}

async function allFinished(processName: string): Promise<true | undefined> {
  return (await rows(processName)).every((r) => r.status !== 'running') ? true : undefined;
}

describe('POST /processes/:name/trigger', () => {
  it('answers 202 with the execution, workflow and run ids, and the run completes', async () => {
    await useWorker();
    const before = Date.now();
    const res = await post(`/processes/${RESCHEDULE}/trigger`);

    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({
      execution_id: expect.stringMatching(UUID),
      process_name: RESCHEDULE,
      workflow_id: `${scheduleIdFor(RESCHEDULE, api.temporal)}-manual-${body.execution_id}`,
      run_id: expect.any(String),
      status: expect.stringMatching(/^(running|completed)$/),
      execution_url: `/executions/${body.execution_id}`,
    });
    expect(body.web_ui_url).toBe(
      `${api.config.temporalUiUrl}/namespaces/default/workflows/${encodeURIComponent(body.workflow_id)}/${body.run_id}/history`,
    );
    expect(res.headers.location).toBe(`/executions/${body.execution_id}`);

    const done = await eventually(async () => {
      const view = (await get(`/executions/${body.execution_id}`)).json();
      return view.status === 'completed' ? view : undefined;
    });
    expect(done).toMatchObject({
      execution_id: body.execution_id,
      process_name: RESCHEDULE,
      trigger: 'manual',
      workflow_id: body.workflow_id,
      workflow_run_id: body.run_id,
      result: { success: true, tasks_found: 0, tasks_rescheduled: 0 },
      error_message: null,
    });
    expect(Date.parse(done.logical_time)).toBeGreaterThanOrEqual(before - 1000);
  });

  it("answers as soon as the run has opened its row, with the workflow's executionOpened update", async () => {
    const hold = holdingActivity();
    await useWorker({ rescheduleRemainingTasks: hold.activity });

    const res = await post(`/processes/${RESCHEDULE}/trigger`);

    // The run is still in its work activity: the answer came from the opened row, not the run's end.
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({ status: 'running', message: expect.stringContaining('has started') });
    expect((await rows(RESCHEDULE)).find((r) => r.execution_id === body.execution_id)).toMatchObject({
      status: 'running',
      workflow_id: body.workflow_id,
    });
    // Update-with-start: the workflow itself answered when it opened the row.
    expect(await openedUpdateAnswers(body.workflow_id)).toEqual([
      { status: 'started', executionId: body.execution_id, runId: body.run_id },
    ]);
    hold.release();
    await eventually(() => allFinished(RESCHEDULE));
  });

  it('with wait=true answers 200 with the finished execution and its result', async () => {
    await useWorker();
    const res = await post(`/processes/${ARCHIVE}/trigger?wait=true`);

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      process_name: ARCHIVE,
      status: 'completed',
      trigger: 'manual',
      result: { success: true, tasks_archived: 0 },
      error_message: null,
      completed_at: expect.any(String),
      duration_ms: expect.any(Number),
    });
  });

  it('with wait=true answers 200 with the failed execution and its error', async () => {
    await useWorker({
      rescheduleRemainingTasks: async () => {
        throw ApplicationFailure.nonRetryable('tasks table is locked for maintenance', 'Maintenance');
      },
    });
    const res = await post(`/processes/${RESCHEDULE}/trigger?wait=true`);

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'failed',
      error_message: 'rescheduleRemainingTasks: tasks table is locked for maintenance [Maintenance]',
      result: null,
    });
  });

  it('answers 409 with the execution in progress, whatever started it, and starts nothing', async () => {
    const hold = holdingActivity();
    await useWorker({ rescheduleRemainingTasks: hold.activity });
    const first = await post(`/processes/${RESCHEDULE}/trigger`);
    expect(first.json()).toMatchObject({ status: 'running' });
    const rowsBefore = await rows(RESCHEDULE);

    const second = await post(`/processes/${RESCHEDULE}/trigger`);
    const waiting = await post(`/processes/${RESCHEDULE}/trigger?wait=true`);

    for (const res of [second, waiting]) {
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({
        statusCode: 409,
        code: 'RUN_IN_PROGRESS',
        message: expect.stringContaining(first.json().execution_id),
        execution: { execution_id: first.json().execution_id, status: 'running', trigger: 'manual' },
      });
    }
    expect(await rows(RESCHEDULE)).toEqual(rowsBefore);
    hold.release();
    await eventually(() => allFinished(RESCHEDULE));
  });

  it('answers 409 while a scheduled run is in progress', async () => {
    const hold = holdingActivity();
    await useWorker({ rescheduleRemainingTasks: hold.activity });
    await api.temporal.client.schedule
      .getHandle(scheduleIdFor(RESCHEDULE, api.temporal))
      .trigger(ScheduleOverlapPolicy.SKIP);
    await hold.running;
    const scheduled = await eventually(async () => (await rows(RESCHEDULE)).find((r) => r.status === 'running'));

    const res = await post(`/processes/${RESCHEDULE}/trigger`);

    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      code: 'RUN_IN_PROGRESS',
      execution: { execution_id: scheduled.execution_id, trigger: 'schedule' },
    });
    hold.release();
    await eventually(() => allFinished(RESCHEDULE));
  });

  it('of two requests at once, starts one run and answers the other 409 (the race is closed)', async () => {
    const hold = holdingActivity();
    await useWorker({ rescheduleRemainingTasks: hold.activity });
    const before = (await rows(RESCHEDULE)).length;

    const answers = await Promise.all([
      post(`/processes/${RESCHEDULE}/trigger`),
      post(`/processes/${RESCHEDULE}/trigger`),
    ]);

    expect(answers.map((r) => r.statusCode).sort()).toEqual([202, 409]);
    const accepted = answers.find((r) => r.statusCode === 202)!.json();
    const refused = answers.find((r) => r.statusCode === 409)!.json();
    expect(refused).toMatchObject({ code: 'RUN_IN_PROGRESS', execution: { execution_id: accepted.execution_id } });
    expect((await rows(RESCHEDULE)).length).toBe(before + 1);
    hold.release();
    await eventually(() => allFinished(RESCHEDULE));
  });

  it('with an Idempotency-Key answers a retried request with the same execution and starts one run', async () => {
    await useWorker();
    const before = (await rows(ARCHIVE)).length;
    const key = `retry-${randomUUID()}`;
    const headers = { 'idempotency-key': key };

    const [a, b] = await Promise.all([
      post(`/processes/${ARCHIVE}/trigger`, { headers }),
      post(`/processes/${ARCHIVE}/trigger`, { headers }),
    ]);
    const later = await post(`/processes/${ARCHIVE}/trigger?wait=true`, { headers });
    // The replay answered at once: another key's run would meet this one still running.
    await eventually(() => allFinished(ARCHIVE));
    const other = await post(`/processes/${ARCHIVE}/trigger?wait=true`, { headers: { 'idempotency-key': `${key}x` } });

    expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
    // The one at the same time waited for the first's answer; a replay answers it, whatever its own wait.
    expect(b.body).toBe(a.body);
    expect({ status: later.statusCode, body: later.body }).toEqual({ status: 202, body: a.body });
    expect(a.json().workflow_id).toMatch(new RegExp(`^${scheduleIdFor(ARCHIVE, api.temporal)}-manual-[0-9a-f]{32}$`));
    expect(other.statusCode).toBe(200);
    expect(other.json().execution_id).not.toBe(a.json().execution_id);
    expect((await rows(ARCHIVE)).length).toBe(before + 2);

    const replay = await post(`/processes/${ARCHIVE}/trigger`, { headers });
    expect({ status: replay.statusCode, body: replay.body }).toEqual({ status: 202, body: a.body });
    expect((await rows(ARCHIVE)).length).toBe(before + 2);
  });

  it('with an Idempotency-Key whose run was skipped answers the same 409 again, and runs nothing', async () => {
    const hold = holdingActivity();
    await useWorker({ rescheduleRemainingTasks: hold.activity });
    const headers = { 'idempotency-key': `skip-${randomUUID()}` };
    const answers = await Promise.all([
      post(`/processes/${RESCHEDULE}/trigger`),
      post(`/processes/${RESCHEDULE}/trigger`, { headers }),
    ]);
    const holder = answers.find((r) => r.statusCode === 202)?.json();
    expect(holder).toBeDefined();
    hold.release();
    await eventually(() => allFinished(RESCHEDULE));
    const count = (await rows(RESCHEDULE)).length;

    const retried = await post(`/processes/${RESCHEDULE}/trigger`, { headers });

    if (answers[1]!.statusCode === 409) {
      // The keyed request lost the race: its run was skipped (or refused), and a retry says so again.
      expect(answers[1]!.json()).toMatchObject({
        code: 'RUN_IN_PROGRESS',
        execution: { execution_id: holder.execution_id },
      });
    }
    // Exactly the first answer, although the run it names as in progress has finished since.
    expect({ status: retried.statusCode, body: retried.body }).toEqual({
      status: answers[1]!.statusCode,
      body: answers[1]!.body,
    });
    expect((await rows(RESCHEDULE)).length).toBe(count);
  });

  it('is not blocked by a row left running by a workflow that no longer runs, and closes that row', async () => {
    await useWorker();
    const [archive] = await sql<{ process_id: string }>(
      api.db.orm,
      'SELECT process_id FROM automated_processes WHERE name = ?',
      [ARCHIVE],
    );
    const stale = randomUUID();
    await sql(
      api.db.orm,
      `INSERT INTO automated_process_executions (execution_id, process_id, status, started_at, trigger, workflow_id)
       VALUES (?, ?, 'running', now() - interval '1 day', 'manual', ?)`,
      [stale, archive!.process_id, `terminated-${stale}`],
    );

    const res = await post(`/processes/${ARCHIVE}/trigger?wait=true`);

    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'completed' });
    expect((await get(`/executions/${stale}`)).json()).toMatchObject({
      status: 'failed',
      error_message: 'its workflow is gone without closing this row; closed by the next run',
    });
  });

  it('ends a wait=true wait when the server closes, answering 202 with the run as it is', async () => {
    const hold = holdingActivity();
    await useWorker({ rescheduleRemainingTasks: hold.activity });
    const closing = await buildApp(
      { orm: api.db.orm, client: api.temporal.client, config: api.config, registry: PROCESS_REGISTRY },
      { logger: false },
    );
    const pending = closing.inject({
      method: 'POST',
      url: `/processes/${RESCHEDULE}/trigger?wait=true`,
      headers: WRITE,
    });
    await hold.running;
    const closedAt = Date.now();
    await closing.close();
    const res = await pending;

    expect(Date.now() - closedAt).toBeLessThan(2000);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'running' });
    hold.release();
    await eventually(() => allFinished(RESCHEDULE));
  });

  it('answers 409 RUN_NOT_STARTED with the reason when the run fails before opening its row', async () => {
    await useWorker({
      beginExecution: async () => {
        throw ApplicationFailure.nonRetryable('schedule_config.timezone is missing', 'InvalidProcessConfig');
      },
    });
    const before = await rows(ARCHIVE);
    for (const url of [`/processes/${ARCHIVE}/trigger`, `/processes/${ARCHIVE}/trigger?wait=true`]) {
      const res = await post(url);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({
        code: 'RUN_NOT_STARTED',
        message: expect.stringContaining('beginExecution: schedule_config.timezone is missing [InvalidProcessConfig]'),
      });
    }
    expect(await rows(ARCHIVE)).toEqual(before);
  });

  it('with an Idempotency-Key answers a retry of a run that did not open its row 409 RUN_NOT_STARTED again', async () => {
    await useWorker({
      beginExecution: async () => {
        throw ApplicationFailure.nonRetryable('schedule_config.timezone is missing', 'InvalidProcessConfig');
      },
    });
    const before = await rows(ARCHIVE);
    const key = `broken-${randomUUID()}`;
    const headers = { 'idempotency-key': key };
    const [archive] = await sql<{ process_id: string }>(
      api.db.orm,
      'SELECT process_id FROM automated_processes WHERE name = ?',
      [ARCHIVE],
    );
    const { workflowId } = manualRunIds({ name: ARCHIVE, processId: archive!.process_id }, api.temporal, key);
    const first = await post(`/processes/${ARCHIVE}/trigger`, { headers });
    const handle = api.temporal.client.workflow.getHandle(workflowId);
    await handle.result().catch(() => undefined);
    const { runId } = await handle.describe();

    const retried = await post(`/processes/${ARCHIVE}/trigger?wait=true`, { headers });

    for (const res of [first, retried]) {
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({
        code: 'RUN_NOT_STARTED',
        message: expect.stringContaining('beginExecution: schedule_config.timezone is missing [InvalidProcessConfig]'),
      });
    }
    // The update failed with the reason, and the retry met the ended run instead of starting another.
    expect(await openedUpdateAnswers(workflowId)).toEqual([
      { failure: 'beginExecution: schedule_config.timezone is missing [InvalidProcessConfig]' },
    ]);
    expect(await handle.describe()).toMatchObject({ runId, status: { name: 'FAILED' } });
    expect(await rows(ARCHIVE)).toEqual(before);
  });

  it('answers 202 "pending" when no worker picks the run up, and the run waits for one', async () => {
    const res = await post(`/processes/${ARCHIVE}/trigger`);

    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'pending', message: expect.stringContaining('no worker') });
    expect((await get(`/executions/${res.json().execution_id}`)).statusCode).toBe(404);
    await useWorker();
    await eventually(async () => {
      const view = (await get(`/executions/${res.json().execution_id}`)).json();
      return view.status === 'completed' ? view : undefined;
    });
  }, 40_000);

  it('refuses bad input with 400 naming the field', async () => {
    const cases: [string, Record<string, string>, unknown, string][] = [
      [`/processes/${RESCHEDULE}/trigger`, { 'idempotency-key': 'has space' }, undefined, 'headers.idempotency-key'],
      [
        `/processes/${RESCHEDULE}/trigger`,
        { 'idempotency-key': 'k'.repeat(201) },
        undefined,
        'headers.idempotency-key',
      ],
      [`/processes/${RESCHEDULE}/trigger?wait=maybe`, {}, undefined, 'querystring.wait'],
      [`/processes/${RESCHEDULE}/trigger?now=1`, {}, undefined, 'querystring.now'],
      [`/processes/${RESCHEDULE}/trigger`, {}, { force: true }, 'body'],
      [`/processes/${RESCHEDULE}/trigger`, {}, [], 'body'],
      ['/processes/Bad-Name/trigger', {}, undefined, 'params.name'],
    ];
    for (const [url, headers, body, field] of cases) {
      const res = await post(url, { headers, body });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 400 });
      expect(res.json()).toMatchObject({ code: 'INVALID_INPUT', field: expect.stringContaining(field) });
    }
  });

  it('answers 404 for an unknown process and 409 for one whose implementation is not registered', async () => {
    const missing = await post('/processes/no_such_process/trigger');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'NOT_FOUND', message: 'process "no_such_process" does not exist' });

    const orphan = await insertProcess(api.db.orm);
    const res = await post(`/processes/${orphan.name}/trigger`);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'NO_IMPLEMENTATION', message: expect.stringContaining('not registered') });
    expect(await rows(orphan.name)).toEqual([]);
  });
});

describe('POST /processes/:name/backfill', () => {
  it("runs the schedule's times in the range one after another and answers 202 with them", async () => {
    await useWorker();
    const before = (await rows(ARCHIVE)).length;
    const end = Date.now() - 60_000;
    const start = end - 2 * DAY;

    const res = await post(`/processes/${ARCHIVE}/backfill`, {
      body: { start: new Date(start).toISOString(), end: new Date(end).toISOString() },
    });

    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body).toMatchObject({
      process_name: ARCHIVE,
      schedule_id: scheduleIdFor(ARCHIVE, api.temporal),
      overlap: 'BUFFER_ALL',
      times_truncated: false,
    });
    // Daily at 03:00 Asia/Tehran: two days hold 2 of them (3 if both ends fall on one).
    expect(body.count).toBeGreaterThanOrEqual(2);
    expect(body.times).toHaveLength(body.count);
    for (const time of body.times as string[]) {
      expect(time).toMatch(/T03:00:00\+03:30$/);
      expect(Date.parse(time)).toBeGreaterThanOrEqual(start);
      expect(Date.parse(time)).toBeLessThanOrEqual(end);
    }

    const runs = await eventually(async () => {
      const all = (await rows(ARCHIVE)).slice(before);
      return all.length === body.count && all.every((r) => r.status === 'completed') ? all : undefined;
    });
    expect(runs.map((r) => r.logical_time).sort()).toEqual(
      (body.times as string[]).map((t) => new Date(t).toISOString()).sort(),
    );
    expect(runs.every((r) => r.trigger === 'backfill')).toBe(true);
    for (let i = 1; i < runs.length; i++) {
      // One after another: each run starts once the one before has finished.
      expect(Date.parse(String(runs[i]!.started_at))).toBeGreaterThanOrEqual(
        Date.parse(String(runs[i - 1]!.completed_at)),
      );
    }
  });

  it('refuses a bad range with 400 stating the bound', async () => {
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const cases: [unknown, string, string][] = [
      [{ start: iso(now - 40 * DAY), end: iso(now - 8 * DAY) }, 'body.end', 'must be at most 31 days after body.start'],
      [{ start: iso(now - DAY), end: iso(now - 2 * DAY) }, 'body.end', 'must be after body.start'],
      [{ start: iso(now - DAY), end: iso(now - DAY) }, 'body.end', 'must be after body.start'],
      [{ start: iso(now - DAY), end: iso(now + DAY) }, 'body.end', 'must not be in the future'],
      [{ start: 'yesterday', end: iso(now - DAY) }, 'body.start', 'date-time'],
      [{ start: iso(now - 2 * DAY), end: '2026-02-30T00:00:00Z' }, 'body.end', 'date-time'],
      [{ start: iso(now - 2 * DAY) }, 'body.end', 'is required'],
      [{ start: iso(now - 2 * DAY), end: iso(now - DAY), overlap: 'ALLOW_ALL' }, 'body.overlap', 'not a known field'],
    ];
    for (const [body, field, rule] of cases) {
      const res = await post(`/processes/${ARCHIVE}/backfill`, { body });
      expect({ body, status: res.statusCode }).toEqual({ body, status: 400 });
      expect(res.json()).toMatchObject({ code: 'INVALID_INPUT', field, message: expect.stringContaining(rule) });
    }
    const maxed = await post(`/processes/${ARCHIVE}/backfill`, {
      body: { start: iso(now - 40 * DAY), end: iso(now - 8 * DAY) },
    });
    expect(maxed.json().message).toBe('body.end must be at most 31 days after body.start');
  });

  it('answers 404 for an unknown process, 409 for one without a schedule or implementation', async () => {
    const body = { start: new Date(Date.now() - 2 * DAY).toISOString(), end: new Date(Date.now() - DAY).toISOString() };
    const missing = await post('/processes/no_such_process/backfill', { body });
    expect(missing.statusCode).toBe(404);

    const manual = await insertProcess(api.db.orm);
    await sql(api.db.orm, `UPDATE automated_processes SET trigger_type = 'manual' WHERE process_id = ?`, [
      manual.processId,
    ]);
    await sql(
      api.db.orm,
      `INSERT INTO automated_process_registrations (process_id, implementation, display_name) VALUES (?, ?, ?)`,
      [manual.processId, ARCHIVE, manual.name],
    );
    const noSchedule = await post(`/processes/${manual.name}/backfill`, { body });
    expect(noSchedule.statusCode).toBe(409);
    expect(noSchedule.json()).toMatchObject({ code: 'NO_SCHEDULE', message: expect.stringContaining('trigger') });

    const unsynced = await insertProcess(api.db.orm);
    await sql(
      api.db.orm,
      `INSERT INTO automated_process_registrations (process_id, implementation, display_name) VALUES (?, ?, ?)`,
      [unsynced.processId, ARCHIVE, unsynced.name],
    );
    // The times come from the row, not from the Temporal schedule: a row without one still backfills.
    const noTemporalSchedule = await post(`/processes/${unsynced.name}/backfill`, { body });
    expect(noTemporalSchedule.statusCode).toBe(202);
    await api.temporal.client.workflow.getHandle(noTemporalSchedule.json().workflow_id).terminate();

    const orphan = await insertProcess(api.db.orm);
    const noImplementation = await post(`/processes/${orphan.name}/backfill`, { body });
    expect(noImplementation.statusCode).toBe(409);
    expect(noImplementation.json()).toMatchObject({ code: 'NO_IMPLEMENTATION' });
  });
});

describe('the OpenAPI document', () => {
  it('describes the run routes and their responses', async () => {
    const doc = (await api.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const trigger = doc.paths['/processes/{name}/trigger'].post;
    expect(Object.keys(trigger.responses).sort()).toEqual(['200', '202', '400', '401', '404', '409', '503']);
    expect(trigger.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: 'header', name: 'idempotency-key' })]),
    );
    for (const path of [
      '/processes/{name}/backfill',
      '/processes/{name}/executions',
      '/executions/{id}',
      '/executions/{id}/tasks',
    ]) {
      expect(doc.paths[path]).toBeDefined();
    }
    expect(doc.components.schemas).toHaveProperty('Execution');
  });
});
