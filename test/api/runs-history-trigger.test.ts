/** GET /processes/:name/executions?trigger=…: only runs with that trigger, paged like the rest. */
import { randomUUID } from 'node:crypto';
import { sql } from '../helpers/database';
import { insertProcess } from '../helpers/fixtures';
import { AUTH, buildTestApi, type TestApi } from './helpers';

let api: TestApi;
let name: string;
const byTrigger: Record<string, string[]> = {};

beforeAll(async () => {
  api = await buildTestApi();
  const created = await insertProcess(api.db.orm);
  name = created.name;
  const rows: [string | null, string, string][] = [
    ['schedule', 'completed', '2026-01-01T07:30:00Z'],
    ['manual', 'completed', '2026-01-02T07:30:00Z'],
    ['manual', 'failed', '2026-01-03T07:30:00Z'],
    ['backfill', 'completed', '2026-01-04T07:30:00Z'],
    ['manual', 'completed', '2026-01-05T07:30:00Z'],
    [null, 'completed', '2026-01-06T07:30:00Z'],
  ];
  for (const [trigger, status, startedAt] of rows) {
    const id = randomUUID();
    await sql(
      api.db.orm,
      `INSERT INTO automated_process_executions (execution_id, process_id, status, trigger, started_at)
       VALUES (?, ?, ?, ?, ?::timestamptz)`,
      [id, created.processId, status, trigger, startedAt],
    );
    (byTrigger[trigger ?? 'none'] ??= []).unshift(id); // newest first
  }
});
afterAll(async () => {
  await api.close();
});

function get(url: string) {
  return api.app.inject({ method: 'GET', url, headers: AUTH });
}

const ids = (body: { items: { execution_id: string }[] }) => body.items.map((i) => i.execution_id);

it('lists only the runs with that trigger, newest first', async () => {
  const manual = await get(`/processes/${name}/executions?trigger=manual`);
  expect(manual.statusCode).toBe(200);
  expect(ids(manual.json())).toEqual(byTrigger.manual);
  expect(manual.json().items.every((i: { trigger: string }) => i.trigger === 'manual')).toBe(true);
  expect(ids((await get(`/processes/${name}/executions?trigger=backfill`)).json())).toEqual(byTrigger.backfill);
  expect(ids((await get(`/processes/${name}/executions?trigger=chain`)).json())).toEqual([]);
});

it('combines with status and the started_at range, and pages without repeats or gaps', async () => {
  const failed = await get(`/processes/${name}/executions?trigger=manual&status=failed`);
  expect(ids(failed.json())).toEqual([byTrigger.manual![1]]);
  const ranged = await get(`/processes/${name}/executions?trigger=manual&from=2026-01-03T00:00:00Z`);
  expect(ids(ranged.json())).toEqual(byTrigger.manual!.slice(0, 2));

  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await get(`/processes/${name}/executions?trigger=manual&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
    seen.push(...ids(res.json()));
    cursor = res.json().next_cursor;
  } while (cursor && seen.length < 10);
  expect(seen).toEqual(byTrigger.manual);
});

it('refuses an unknown trigger with 400 naming the field', async () => {
  const res = await get(`/processes/${name}/executions?trigger=cron`);
  expect(res.statusCode).toBe(400);
  expect(res.json()).toMatchObject({ code: 'INVALID_INPUT', field: 'querystring.trigger' });
});
