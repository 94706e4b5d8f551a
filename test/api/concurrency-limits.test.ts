import { randomUUID } from 'node:crypto';
import type { RunContext } from '../../activities/run-types';
import { sql } from '../helpers/database';
import { allClosed, countingWork, mostAtOnce, runRows } from '../helpers/run-limits';
import { holdingActivity } from '../helpers/holding-activity';
import { eventually, startWorker, type RunningWorker } from '../helpers/temporal';
import { AUTH, buildTestApi, WRITE, type TestApi } from './helpers';

/** Concurrency limits (issue 12, item 5), on the real stack: API, worker, Temporal, PostgreSQL. */

let api: TestApi;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  api = await buildTestApi();
});
afterEach(async () => {
  if (worker) await eventually(() => allClosed(api.db.orm), 60_000);
  await worker?.stop();
  worker = undefined;
});
afterAll(async () => {
  await api.close();
});

function post(url: string, body: unknown = {}) {
  return api.app.inject({ method: 'POST', url, headers: WRITE, payload: body as object });
}

async function createProcess(name: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await post('/processes', { name, implementation: 'reschedule_remaining_tasks', ...body });
  expect(res.statusCode).toBe(201);
  return res.json();
}

describe('concurrency limits', () => {
  it('MAX_CONCURRENT_RUNS=2 holds under a burst across processes, and waiting runs say why', async () => {
    const names = ['burst_a', 'burst_b', 'burst_c'];
    for (const name of names) {
      await createProcess(name, {
        trigger_type: 'event_based',
        event: { name: 'burst.global' },
        concurrency: { limit: 10 },
      });
    }
    const work = countingWork(150);
    worker = await startWorker(
      api.temporal,
      api.db.orm,
      { rescheduleRemainingTasks: work.activity },
      500,
      {},
      {
        maxConcurrentRuns: 2,
      },
    );
    const began = Date.now();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        post('/events', { name: 'burst.global', id: `evt-burst-${i}-${randomUUID()}` }),
      ),
    );
    const waiting = await eventually(async () => {
      const [row] = await sql<{ execution_id: string }>(
        api.db.orm,
        `SELECT execution_id FROM automated_process_executions WHERE status = 'pending' LIMIT 1`,
      );
      return row;
    });
    const shown = await api.app.inject({ method: 'GET', url: `/executions/${waiting.execution_id}`, headers: AUTH });
    // It may have started meanwhile: while pending, it says why.
    const execution = shown.json<{ status: string; waiting_reason: string | null; queued_at: string | null }>();
    expect(execution.queued_at).not.toBeNull();
    // The global limit, or the runs of its own process that came first and wait for it.
    if (execution.status === 'pending') {
      expect(execution.waiting_reason).toMatch(
        /MAX_CONCURRENT_RUNS is 2|earlier run\(s\) of "burst_[abc]" wait before it/,
      );
    }

    const rows = await eventually(async () => {
      const found = await runRows(api.db.orm, names);
      return found.length === 30 && found.every((r) => r.status === 'completed') ? found : undefined;
    }, 120_000);
    expect(new Set(rows.map((r) => r.execution_id)).size).toBe(30);
    expect(mostAtOnce(rows)).toBe(2);
    expect(work.stats()).toMatchObject({ most: 2, calls: 30 });
    console.log(
      `Global burst: 30 runs of 3 processes (150 ms of work each), MAX_CONCURRENT_RUNS 2: done in ${Date.now() - began} ms ` +
        `(${Math.round((30 * 150) / 2)} ms of work at 2 at once)`,
    );
  });

  it('overlap buffer_one: a manual run while one is in progress waits (202 pending, with why); a third is refused', async () => {
    await createProcess('buffered_by_hand', { schedule: null, overlap: 'buffer_one' });
    const hold = holdingActivity();
    let calls = 0;
    const quick = countingWork(10);
    worker = await startWorker(api.temporal, api.db.orm, {
      rescheduleRemainingTasks: (run: RunContext) => (++calls === 1 ? hold.activity(run) : quick.activity(run)),
    });
    const first = await post('/processes/buffered_by_hand/trigger');
    expect(first.statusCode).toBe(202);
    await hold.running;
    const second = await post('/processes/buffered_by_hand/trigger');
    expect(second.statusCode).toBe(202);
    const waiting = second.json<{ execution_id: string; status: string; message: string }>();
    expect(waiting.status).toBe('pending');
    expect(waiting.message).toContain(first.json<{ execution_id: string }>().execution_id);
    const shown = await api.app.inject({ method: 'GET', url: `/executions/${waiting.execution_id}`, headers: AUTH });
    expect(shown.json()).toMatchObject({ status: 'pending', waiting_reason: expect.stringContaining('buffer_one') });
    const process = await api.app.inject({ method: 'GET', url: '/processes/buffered_by_hand', headers: AUTH });
    expect(process.json()).toMatchObject({ overlap: 'buffer_one', waiting_runs: 1 });

    const third = await post('/processes/buffered_by_hand/trigger');
    expect(third.statusCode).toBe(409);

    hold.release();
    await eventually(async () => {
      const rows = await runRows(api.db.orm, ['buffered_by_hand']);
      return rows.length === 2 && rows.every((r) => r.status === 'completed') ? rows : undefined;
    });
  });

  it('a run waiting for a slot whose process is deleted closes its row as failed: never left pending', async () => {
    await createProcess('deleted_while_waiting', { schedule: null, overlap: 'buffer_one' });
    const hold = holdingActivity();
    worker = await startWorker(api.temporal, api.db.orm, { rescheduleRemainingTasks: hold.activity });
    await post('/processes/deleted_while_waiting/trigger');
    await hold.running;
    const waiting = (await post('/processes/deleted_while_waiting/trigger')).json<{ execution_id: string }>();
    const deleted = await api.app.inject({ method: 'DELETE', url: '/processes/deleted_while_waiting', headers: WRITE });
    expect(deleted.statusCode).toBe(204);
    hold.release();
    const [closed] = await eventually(async () => {
      const rows = await sql<{ status: string; error_message: string | null }>(
        api.db.orm,
        'SELECT status::text AS status, error_message FROM automated_process_executions WHERE execution_id = ?',
        [waiting.execution_id],
      );
      return rows[0]?.status === 'failed' ? rows : undefined;
    });
    expect(closed?.error_message).toContain('does not exist');
  });

  it('overlap cancel_other: a new run cancels the one in progress and takes its slot', async () => {
    await createProcess('newest_wins', { schedule: null, overlap: 'cancel_other' });
    const hold = holdingActivity();
    let calls = 0;
    const quick = countingWork(10);
    worker = await startWorker(api.temporal, api.db.orm, {
      rescheduleRemainingTasks: (run: RunContext) => (++calls === 1 ? hold.activity(run) : quick.activity(run)),
    });
    const first = (await post('/processes/newest_wins/trigger')).json<{ execution_id: string }>();
    await hold.running;
    const second = await post('/processes/newest_wins/trigger');
    expect(second.statusCode).toBe(202);
    const rows = await eventually(async () => {
      const found = await runRows(api.db.orm, ['newest_wins']);
      return found.length === 2 && found.every((r) => r.status !== 'running' && r.status !== 'pending')
        ? found
        : undefined;
    });
    const byId = new Map(rows.map((r) => [r.execution_id, r]));
    expect(byId.get(first.execution_id)?.status).toBe('failed');
    expect(byId.get(second.json<{ execution_id: string }>().execution_id)?.status).toBe('completed');
    const [failed] = await sql<{ error_message: string }>(
      api.db.orm,
      'SELECT error_message FROM automated_process_executions WHERE execution_id = ?',
      [first.execution_id],
    );
    expect(failed?.error_message).toMatch(/cancel/i);
  });

  it.each([
    ['a key outside event.data', { concurrency: { limit: 1, key: 'data.user_id' } }, 'body.concurrency.key'],
    ['a key of the event itself', { concurrency: { limit: 1, key: 'event.name' } }, 'body.concurrency.key'],
    ['a limit of 0', { concurrency: { limit: 0 } }, 'concurrency'],
    ['no limit', { concurrency: { key: 'event.data.user_id' } }, 'concurrency'],
    ['an unknown overlap', { overlap: 'queue' }, 'overlap'],
  ])('answers 400 naming the field for %s, and creates nothing', async (_case, body, field) => {
    const res = await post('/processes', {
      name: 'limited_badly',
      implementation: 'reschedule_remaining_tasks',
      ...body,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ field?: string; message: string }>().field ?? res.json<{ message: string }>().message).toContain(
      field,
    );
    expect((await api.app.inject({ method: 'GET', url: '/processes/limited_badly', headers: AUTH })).statusCode).toBe(
      404,
    );
  });

  it('PATCH changes the limit and overlap; a bad key answers 400 and changes nothing', async () => {
    await createProcess('limits_changed', { schedule: null });
    const patch = (body: unknown) =>
      api.app.inject({ method: 'PATCH', url: '/processes/limits_changed', headers: WRITE, payload: body as object });
    const changed = await patch({ concurrency: { limit: 3, key: 'event.data.team.id' }, overlap: 'buffer_one' });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({
      concurrency: { limit: 3, key: 'event.data.team.id' },
      overlap: 'buffer_one',
    });
    const refused = await patch({ concurrency: { limit: 1, key: 'event.data.' } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ field: string }>().field).toBe('body.concurrency.key');
    const shown = await api.app.inject({ method: 'GET', url: '/processes/limits_changed', headers: AUTH });
    expect(shown.json()).toMatchObject({ concurrency: { limit: 3, key: 'event.data.team.id' }, overlap: 'buffer_one' });
  });
});
