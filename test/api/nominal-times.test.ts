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

async function record(processId: string, nominal: string, date: string, outcome: string, reason: string | null) {
  await sql(
    api.db.orm,
    `INSERT INTO automated_process_nominal_times (process_id, nominal_time, local_date, trigger, outcome, execution_id, reason, workflow_id)
     VALUES (?, ?, ?, 'schedule', ?, ?, ?, ?)`,
    [processId, nominal, date, outcome, randomUUID(), reason, `wf-${randomUUID()}`],
  );
}

describe('GET /processes/:name/nominal-times', () => {
  it('lists every nominal time newest first in the process zone, with why, in pages; the process counts them', async () => {
    const { processId, name } = await insertProcess(api.db.orm, { timezone: 'America/New_York', hour: 1, minute: 30 });
    await record(processId, '2026-10-31T05:30:00Z', '2026-10-31', 'missed', 'its day 2026-10-31 had ended');
    await record(processId, '2026-11-01T05:30:00Z', '2026-11-01', 'ran', null);
    await record(processId, '2026-11-01T06:30:00Z', '2026-11-01', 'skipped', 'the day 2026-11-01 was already covered');
    await record(processId, '2026-11-02T06:30:00Z', '2026-11-02', 'ran', null);

    const first = await get(`/processes/${name}/nominal-times?limit=3`);
    expect(first.statusCode).toBe(200);
    const page = first.json<{
      items: { nominal_time: string; outcome: string; reason: string | null }[];
      next_cursor: string;
    }>();
    expect(page.items.map((i) => [i.nominal_time, i.outcome])).toEqual([
      ['2026-11-02T01:30:00-05:00', 'ran'],
      ['2026-11-01T01:30:00-05:00', 'skipped'],
      ['2026-11-01T01:30:00-04:00', 'ran'],
    ]);
    const second = (await get(`/processes/${name}/nominal-times?limit=3&cursor=${page.next_cursor}`)).json<{
      items: { outcome: string; reason: string }[];
      next_cursor: null;
    }>();
    expect(second).toEqual({
      items: [expect.objectContaining({ outcome: 'missed', reason: 'its day 2026-10-31 had ended' })],
      next_cursor: null,
    });
    const missed = (await get(`/processes/${name}/nominal-times?outcome=missed`)).json<{ items: unknown[] }>();
    expect(missed.items).toHaveLength(1);

    const view = await get(`/processes/${name}`);
    expect(view.json()).toMatchObject({ nominal_times: { skipped: 1, missed: 1 } });
  });

  it('answers 404 for an unknown process and 400 naming the field for bad input', async () => {
    expect((await get('/processes/no_such_process/nominal-times')).statusCode).toBe(404);
    const { name } = await insertProcess(api.db.orm);
    for (const [query, field] of [
      ['outcome=ok', 'querystring.outcome'],
      ['cursor=not-a-cursor!', 'querystring.cursor'],
      ['limit=0', 'querystring.limit'],
    ]) {
      const response = await get(`/processes/${name}/nominal-times?${query}`);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ field });
    }
  });
});

describe('other_scheduler_runs', () => {
  it("counts the process's execution rows this service did not write (no workflow id), and the latest", async () => {
    const { processId, name } = await insertProcess(api.db.orm);
    const insert = (startedAt: string, workflowId: string | null) =>
      sql(
        api.db.orm,
        `INSERT INTO automated_process_executions (execution_id, process_id, status, started_at, workflow_id)
         VALUES (?, ?, 'completed', ?, ?)`,
        [randomUUID(), processId, startedAt, workflowId],
      );
    const now = Date.now();
    const daysAgo = (n: number) => new Date(now - n * 86_400_000).toISOString();
    expect((await get(`/processes/${name}`)).json()).toMatchObject({
      other_scheduler_runs: { count_7d: 0, last: null },
    });
    await insert(daysAgo(10), null);
    await insert(daysAgo(2), null);
    await insert(daysAgo(1), `${name}-ours`);

    expect((await get(`/processes/${name}`)).json()).toMatchObject({
      other_scheduler_runs: { count_7d: 1, last: daysAgo(2) },
    });
  });
});
