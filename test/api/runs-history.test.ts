import { randomUUID } from 'node:crypto';
import { sql } from '../helpers/database';
import { insertProcess } from '../helpers/fixtures';
import { AUTH, buildTestApi, type TestApi } from './helpers';

let api: TestApi;

beforeAll(async () => {
  api = await buildTestApi();
});
afterAll(async () => {
  await api.close();
});

function get(url: string) {
  return api.app.inject({ method: 'GET', url, headers: AUTH });
}

interface ExecutionInput {
  readonly status?: string;
  readonly startedAt?: string | null;
  readonly completedAt?: string | null;
  readonly trigger?: string | null;
  readonly workflowId?: string | null;
  readonly result?: Record<string, unknown> | null;
  readonly errorMessage?: string | null;
  readonly executionId?: string;
}

async function insertExecution(processId: string, input: ExecutionInput = {}): Promise<string> {
  const id = input.executionId ?? randomUUID();
  await sql(
    api.db.orm,
    `INSERT INTO automated_process_executions
       (execution_id, process_id, status, started_at, completed_at, trigger, logical_time, workflow_id,
        workflow_run_id, result, error_message)
     VALUES (?, ?, ?, ?::timestamptz, ?::timestamptz, ?, ?::timestamptz, ?, ?, ?::jsonb, ?)`,
    [
      id,
      processId,
      input.status ?? 'completed',
      input.startedAt === undefined ? '2026-01-01T00:00:00Z' : input.startedAt,
      input.completedAt ?? null,
      input.trigger === undefined ? 'schedule' : input.trigger,
      input.startedAt ?? null,
      input.workflowId === undefined ? `process:test-${id}` : input.workflowId,
      input.workflowId === null ? null : `run-${id}`,
      input.result === undefined ? null : JSON.stringify(input.result),
      input.errorMessage ?? null,
    ],
  );
  return id;
}

/** Every page of a listing, following next_cursor. */
async function walk(url: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let pages = 0;
  let cursor: string | null = null;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const res = await get(cursor ? `${url}${sep}cursor=${cursor}` : url);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    ids.push(...body.items.map((i: { execution_id: string }) => i.execution_id));
    cursor = body.next_cursor;
    pages++;
  } while (cursor && pages < 100);
  return { ids, pages };
}

describe('GET /processes/:name/executions', () => {
  let name: string;
  let processId: string;
  /** Newest first, as the API orders them. */
  let expected: string[];

  beforeAll(async () => {
    ({ name, processId } = await insertProcess(api.db.orm));
    const ids = Array.from({ length: 4 }, () => randomUUID()).sort();
    const byTime: [string, ExecutionInput][] = [
      ['a', { startedAt: '2026-01-05T07:30:00.000001Z', status: 'completed', result: { success: true } }],
      ['b', { startedAt: '2026-01-05T07:30:00.000002Z', status: 'failed', errorMessage: 'boom' }],
      ['c', { startedAt: '2026-01-06T07:30:00Z', status: 'running' }],
      ['d', { startedAt: '2026-01-04T07:30:00Z', status: 'completed' }],
    ];
    const created: Record<string, string> = {};
    for (const [label, input] of byTime) created[label] = await insertExecution(processId, input);
    // Four rows at the same instant: execution_id decides their order.
    for (const id of ids) await insertExecution(processId, { executionId: id, startedAt: '2026-01-03T07:30:00Z' });
    // Behflow's own rows: no start time, no trigger, no workflow.
    const old = [randomUUID(), randomUUID()].sort();
    for (const id of old) {
      await insertExecution(processId, { executionId: id, startedAt: null, trigger: null, workflowId: null });
    }
    expected = [created.c!, created.b!, created.a!, created.d!, ...[...ids].reverse(), ...[...old].reverse()];
  });

  it('lists newest first, rows without started_at last, in pages that neither repeat nor skip', async () => {
    const first = await get(`/processes/${name}/executions`);
    expect(first.statusCode).toBe(200);
    expect(first.json().items.map((i: { execution_id: string }) => i.execution_id)).toEqual(expected);
    expect(first.json().next_cursor).toBeNull();

    for (const limit of [1, 2, 3, 7]) {
      const { ids, pages } = await walk(`/processes/${name}/executions?limit=${limit}`);
      expect(ids).toEqual(expected);
      expect(pages).toBe(Math.ceil(expected.length / limit));
    }
  });

  it('shows each execution as the execution view', async () => {
    const items = (await get(`/processes/${name}/executions?limit=100`)).json().items;
    expect(items[1]).toMatchObject({
      process_name: name,
      status: 'failed',
      trigger: 'schedule',
      started_at: '2026-01-05T07:30:00.000Z',
      error_message: 'boom',
      web_ui_url: expect.stringContaining('/workflows/'),
    });
    expect(items.at(-1)).toMatchObject({ trigger: null, workflow_id: null, web_ui_url: null, started_at: null });
  });

  it('filters by status and by started_at (from inclusive, to exclusive)', async () => {
    const failed = (await get(`/processes/${name}/executions?status=failed`)).json().items;
    expect(failed.map((i: { status: string }) => i.status)).toEqual(['failed']);

    const ranged = await walk(
      `/processes/${name}/executions?from=2026-01-04T07:30:00Z&to=2026-01-06T07:30:00Z&limit=1`,
    );
    expect(ranged.ids).toEqual(expected.slice(1, 4));

    const completedSince = (
      await get(`/processes/${name}/executions?status=completed&from=2026-01-05T00:00:00Z`)
    ).json();
    expect(completedSince.items).toHaveLength(1);
  });

  it('answers 404 for an unknown process', async () => {
    const res = await get('/processes/no_such_process/executions');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'NOT_FOUND', message: 'process "no_such_process" does not exist' });
  });

  it('refuses bad input with 400 naming the field', async () => {
    const forged = Buffer.from('yesterday|not-a-uuid').toString('base64url');
    const wrongShape = Buffer.from(`2026-01-05T07:30:00.000001Z|${randomUUID()}|x`).toString('base64url');
    const cases: [string, string][] = [
      ['cursor=%%%', 'querystring.cursor'],
      [`cursor=${forged}`, 'querystring.cursor'],
      [`cursor=${wrongShape}`, 'querystring.cursor'],
      [
        `cursor=${Buffer.from(`2026-02-30T07:30:00.000001Z|${randomUUID()}`).toString('base64url')}`,
        'querystring.cursor',
      ],
      ['cursor=', 'querystring.cursor'],
      ['limit=0', 'querystring.limit'],
      ['limit=101', 'querystring.limit'],
      ['limit=ten', 'querystring.limit'],
      ['status=sleeping', 'querystring.status'],
      ['from=yesterday', 'querystring.from'],
      ['from=2026-01-05T00:00:00Z&to=2026-01-04T00:00:00Z', 'querystring.to'],
      ['order=asc', 'querystring.order'],
    ];
    for (const [query, field] of cases) {
      const res = await get(`/processes/${name}/executions?${query}`);
      expect({ query, status: res.statusCode }).toEqual({ query, status: 400 });
      expect(res.json()).toMatchObject({ code: 'INVALID_INPUT', field });
    }
    const bad = await get(`/processes/${name}/executions?cursor=${forged}`);
    expect(bad.json().message).toMatch(/^querystring\.cursor is not a cursor this API gave out/);
  });
});

describe('GET /executions/:id', () => {
  it('answers with the execution view, Behflow-era rows included', async () => {
    const { processId, name } = await insertProcess(api.db.orm);
    const id = await insertExecution(processId, {
      startedAt: '2026-01-05T07:30:00Z',
      completedAt: '2026-01-05T07:30:02.500Z',
      result: { success: true, tasks_rescheduled: 3 },
    });
    const old = await insertExecution(processId, {
      startedAt: null,
      trigger: null,
      workflowId: null,
      status: 'pending',
    });

    const res = await get(`/executions/${id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      execution_id: id,
      process_name: name,
      status: 'completed',
      trigger: 'schedule',
      logical_time: '2026-01-05T07:30:00.000Z',
      started_at: '2026-01-05T07:30:00.000Z',
      completed_at: '2026-01-05T07:30:02.500Z',
      duration_ms: 2500,
      result: { success: true, tasks_rescheduled: 3 },
      error_message: null,
      workflow_id: `process:test-${id}`,
      workflow_run_id: `run-${id}`,
      web_ui_url: `${api.config.temporalUiUrl}/namespaces/default/workflows/${encodeURIComponent(`process:test-${id}`)}/run-${id}/history`,
      rerun_of: null,
      event_id: null,
      caused_by: null,
      queued_at: null,
      waiting_reason: null,
      caused: [],
    });
    expect((await get(`/executions/${old}`)).json()).toMatchObject({
      execution_id: old,
      status: 'pending',
      trigger: null,
      workflow_id: null,
      started_at: null,
      duration_ms: null,
      web_ui_url: null,
    });
  });

  it("keeps a deleted process's runs readable, under the name it had", async () => {
    const { processId, name } = await insertProcess(api.db.orm);
    const id = await insertExecution(processId);
    await sql(
      api.db.orm,
      `INSERT INTO automated_process_registrations (process_id, implementation, display_name, deleted_at)
       VALUES (?, 'reschedule_remaining_tasks', ?, now())`,
      [processId, name],
    );
    await sql(api.db.orm, `UPDATE automated_processes SET name = ? WHERE process_id = ?`, [
      `deleted:${processId}`,
      processId,
    ]);

    expect((await get(`/executions/${id}`)).json()).toMatchObject({ execution_id: id, process_name: name });
    const listed = await get(`/processes/${name}/executions`);
    expect(listed.statusCode).toBe(200);
    expect(listed.json().items).toEqual([expect.objectContaining({ execution_id: id, process_name: name })]);
  });

  it('answers 404 for an unknown id and 400 for one that is not a UUID', async () => {
    const missing = randomUUID();
    const res = await get(`/executions/${missing}`);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'NOT_FOUND', message: `execution "${missing}" does not exist` });

    const bad = await get('/executions/42');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'INVALID_INPUT', field: 'params.id' });
  });
});

describe('GET /executions/:id/tasks', () => {
  let execution: string;
  let taskIds: string[];

  beforeAll(async () => {
    const { processId } = await insertProcess(api.db.orm);
    execution = await insertExecution(processId);
    taskIds = Array.from({ length: 5 }, () => randomUUID());
    for (const [i, taskId] of taskIds.entries()) {
      await sql(
        api.db.orm,
        `INSERT INTO automated_process_task_moves
           (execution_id, task_id, old_due_gregorian, new_due_gregorian, old_due_jalali, new_due_jalali, moved_at)
         VALUES (?, ?, ?, '2025-12-18T05:45:00Z', ?, '1404-09-27T09:15:00', '2025-12-18T04:00:01Z')`,
        [execution, taskId, i === 0 ? null : `2025-12-1${i}T05:45:00Z`, i === 0 ? null : `1404-09-2${i}T09:15:00`],
      );
    }
  });

  it('lists the moves in the order the run made them, paginated', async () => {
    const first = await get(`/executions/${execution}/tasks?limit=2`);
    expect(first.statusCode).toBe(200);
    expect(first.json().items).toEqual([
      {
        task_id: taskIds[0],
        old_due_gregorian: null,
        new_due_gregorian: '2025-12-18T05:45:00.000Z',
        old_due_jalali: null,
        new_due_jalali: '1404-09-27T09:15:00',
        moved_at: '2025-12-18T04:00:01.000Z',
      },
      expect.objectContaining({
        task_id: taskIds[1],
        old_due_gregorian: '2025-12-11T05:45:00.000Z',
        old_due_jalali: '1404-09-21T09:15:00',
      }),
    ]);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/executions/${execution}/tasks?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      const body = res.json();
      seen.push(...body.items.map((m: { task_id: string }) => m.task_id));
      cursor = body.next_cursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(taskIds);
    expect(pages).toBe(3);
  });

  it('answers an empty page for a run that moved nothing, 404 for an unknown one, 400 for bad input', async () => {
    const { processId } = await insertProcess(api.db.orm);
    const idle = await insertExecution(processId);
    expect((await get(`/executions/${idle}/tasks`)).json()).toEqual({ items: [], next_cursor: null });

    expect((await get(`/executions/${randomUUID()}/tasks`)).statusCode).toBe(404);
    const cases: [string, string][] = [
      ['/executions/nope/tasks', 'params.id'],
      [`/executions/${execution}/tasks?cursor=${Buffer.from('0').toString('base64url')}`, 'querystring.cursor'],
      [`/executions/${execution}/tasks?cursor=${Buffer.from('-1').toString('base64url')}`, 'querystring.cursor'],
      [
        `/executions/${execution}/tasks?cursor=${Buffer.from('9'.repeat(19)).toString('base64url')}`,
        'querystring.cursor',
      ],
      [`/executions/${execution}/tasks?limit=1000`, 'querystring.limit'],
    ];
    for (const [url, field] of cases) {
      const res = await get(url);
      expect({ url, status: res.statusCode }).toEqual({ url, status: 400 });
      expect(res.json()).toMatchObject({ code: 'INVALID_INPUT', field });
    }
  });
});
