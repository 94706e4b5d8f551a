import { buildApp } from '../../api/app';
import { previewProcess } from '../../api/services/runs/preview';
import type { ProcessDefinition } from '../../processes/definition';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { formatIsoWithOffset } from '../../time';
import { sql } from '../helpers/database';
import { insertProcess, insertTask, insertTaskSeries, USER_B } from '../helpers/fixtures';
import { startWorker, type RunningWorker } from '../helpers/temporal';
import { AUTH, buildTestApi, type TestApi, WRITE } from './helpers';

const RESCHEDULE = 'reschedule_remaining_tasks';
const ARCHIVE = 'archive_completed_tasks';
const DAY = 86_400_000;

interface PreviewTask {
  task_id: string;
  user_id: string;
  title: string;
  status: string;
  due_date_gregorian?: string | null;
  new_due_date_gregorian?: string;
  due_date_jalali?: string | null;
  new_due_date_jalali?: string;
  completed_at?: string | null;
  add_tag?: string;
}

interface Preview {
  process: string;
  implementation: string;
  as_of: string;
  timezone: string;
  day: string;
  would_change: number;
  sample: PreviewTask[];
  sample_size: number;
  notes: string[];
  details?: Record<string, unknown>;
}

let api: TestApi;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  api = await buildTestApi();
});
beforeEach(async () => {
  await sql(api.db.orm, 'DELETE FROM automated_process_task_moves');
  await sql(api.db.orm, 'DELETE FROM automated_process_task_archives');
  await sql(api.db.orm, 'DELETE FROM tasks');
  await setProcess(RESCHEDULE, { process_config: { include_statuses: ['pending', 'in_progress'] } });
  await setProcess(ARCHIVE, { process_config: { older_than_days: 30 } });
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});
afterAll(async () => {
  await api.close();
});

async function setProcess(
  name: string,
  change: { process_config?: Record<string, unknown>; trigger_type?: string },
): Promise<void> {
  if (change.process_config) {
    await sql(api.db.orm, 'UPDATE automated_processes SET process_config = ? WHERE name = ?', [
      JSON.stringify(change.process_config),
      name,
    ]);
  }
  if (change.trigger_type) {
    await sql(api.db.orm, 'UPDATE automated_processes SET trigger_type = ? WHERE name = ?', [
      change.trigger_type,
      name,
    ]);
  }
}

function get(url: string) {
  return api.app.inject({ method: 'GET', url, headers: AUTH });
}

async function preview(name: string, query = ''): Promise<Preview> {
  const res = await get(`/processes/${name}/preview${query}`);
  expect([res.statusCode, res.body]).toEqual([200, expect.any(String)]);
  return res.json<Preview>();
}

/** A run of the process, triggered and awaited as a client would: its execution id and result. */
async function runNow(name: string): Promise<{ execution_id: string; result: Record<string, unknown> }> {
  worker ??= await startWorker(api.temporal, api.db.orm);
  const res = await api.app.inject({ method: 'POST', url: `/processes/${name}/trigger?wait=true`, headers: WRITE });
  expect([res.statusCode, res.json<{ status: string }>().status]).toEqual([200, 'completed']);
  return res.json();
}

/** Everything a preview must leave as it was: the tasks, the run rows and the audit rows. */
async function snapshot(): Promise<Record<string, string>> {
  const tables = [
    'tasks',
    'automated_process_executions',
    'automated_process_task_moves',
    'automated_process_task_archives',
    'automated_process_nominal_times',
    'automated_processes',
  ];
  const out: Record<string, string> = {};
  for (const table of tables) {
    const [row] = await sql<{ rows: string | null }>(
      api.db.orm,
      `SELECT string_agg(row_to_json(x)::text, E'\\n' ORDER BY row_to_json(x)::text) AS rows FROM ${table} x`,
    );
    out[table] = row?.rows ?? '';
  }
  return out;
}

async function movesOf(executionId: string, zone: string) {
  const rows = await sql<{ task_id: string; old_ms: number; new_ms: number; new_jalali: string }>(
    api.db.orm,
    `SELECT task_id, new_due_jalali AS new_jalali,
            (extract(epoch FROM old_due_gregorian) * 1000)::float8 AS old_ms,
            (extract(epoch FROM new_due_gregorian) * 1000)::float8 AS new_ms
       FROM automated_process_task_moves WHERE execution_id = ?`,
    [executionId],
  );
  return rows
    .map((r) => ({
      task_id: r.task_id,
      due_date_gregorian: formatIsoWithOffset(zone, Number(r.old_ms)),
      new_due_date_gregorian: formatIsoWithOffset(zone, Number(r.new_ms)),
      new_due_date_jalali: r.new_jalali,
    }))
    .sort((a, b) => a.task_id.localeCompare(b.task_id));
}

function movesIn(sample: readonly PreviewTask[]) {
  return sample
    .map((t) => ({
      task_id: t.task_id,
      due_date_gregorian: t.due_date_gregorian,
      new_due_date_gregorian: t.new_due_date_gregorian,
      new_due_date_jalali: t.new_due_date_jalali,
    }))
    .sort((a, b) => a.task_id.localeCompare(b.task_id));
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Overdue tasks of both users and statuses at several times of day, and tasks no run moves. */
async function arrangeTasks(): Promise<{ overdue: string[]; inProgressOfB: string[] }> {
  const now = Date.now();
  const overdue = [
    await insertTask(api.db.orm, { due: iso(now - 3 * DAY + 1234), dueJalali: '1404-01-01T10:00:00' }),
    await insertTask(api.db.orm, { due: iso(now - 2 * DAY - 7 * 3600_000), status: 'in_progress' }),
    await insertTask(api.db.orm, { due: iso(now - 40 * DAY), userId: USER_B }),
  ];
  const inProgressOfB = [
    await insertTask(api.db.orm, { due: iso(now - 5 * DAY + 3 * 3600_000), userId: USER_B, status: 'in_progress' }),
  ];
  overdue.push(...inProgressOfB);
  // Not moved: due later, no due date, completed or cancelled.
  await insertTask(api.db.orm, { due: iso(now + 2 * DAY) });
  await insertTask(api.db.orm, { due: null });
  await insertTask(api.db.orm, { due: iso(now - 3 * DAY), status: 'completed', completedAt: iso(now - 3 * DAY) });
  await insertTask(api.db.orm, { due: iso(now - 3 * DAY), status: 'cancelled', userId: USER_B });
  return { overdue, inProgressOfB };
}

describe('GET /processes/:name/preview of reschedule_remaining_tasks', () => {
  it('lists what a run then moves, to the same due dates, and changes nothing itself', async () => {
    const { overdue } = await arrangeTasks();
    const before = await snapshot();

    const seen = await preview(RESCHEDULE);

    expect(await snapshot()).toEqual(before);
    expect(seen).toMatchObject({
      process: RESCHEDULE,
      implementation: RESCHEDULE,
      timezone: 'Asia/Tehran',
      would_change: overdue.length,
      sample_size: overdue.length,
      notes: [],
    });
    expect(seen.as_of).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+03:30$/);
    expect(seen.as_of.slice(0, 10)).toBe(seen.day);
    expect(seen.sample.map((t) => t.task_id).sort()).toEqual([...overdue].sort());
    // Most overdue first; each keeps its local time of day on the run's day.
    expect(seen.sample[0]).toMatchObject({ user_id: USER_B, status: 'pending' });
    for (const task of seen.sample) {
      expect(task.new_due_date_gregorian?.slice(0, 10)).toBe(seen.day);
      expect(task.new_due_date_gregorian?.slice(10)).toBe(task.due_date_gregorian?.slice(10));
      expect(task.new_due_date_jalali).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    }
    expect(seen.sample.find((t) => t.task_id === overdue[0])?.due_date_jalali).toBe('1404-01-01T10:00:00');

    const run = await runNow(RESCHEDULE);

    expect(run.result).toMatchObject({ tasks_found: seen.would_change, tasks_rescheduled: seen.would_change });
    expect(await movesOf(run.execution_id, seen.timezone)).toEqual(movesIn(seen.sample));
    expect((await preview(RESCHEDULE)).would_change).toBe(0);
  });

  it("honours the process's user_ids and include_statuses, as the run does", async () => {
    const { inProgressOfB } = await arrangeTasks();
    await setProcess(RESCHEDULE, { process_config: { include_statuses: ['in_progress'], user_ids: [USER_B] } });

    const seen = await preview(RESCHEDULE);
    expect(seen.would_change).toBe(1);
    expect(seen.sample.map((t) => t.task_id)).toEqual(inProgressOfB);

    const run = await runNow(RESCHEDULE);
    expect(await movesOf(run.execution_id, seen.timezone)).toEqual(movesIn(seen.sample));
  });

  it('with update_to_today false would change nothing, and says why', async () => {
    const { overdue } = await arrangeTasks();
    await setProcess(RESCHEDULE, { process_config: { update_to_today: false } });

    const seen = await preview(RESCHEDULE);

    expect(seen).toMatchObject({ would_change: 0, details: { overdue: overdue.length, update_to_today: false } });
    expect(seen.notes).toEqual([expect.stringContaining('update_to_today is false')]);
  });

  it('counts them all and lists `limit`, in one snapshot', async () => {
    await insertTaskSeries(api.db.orm, {
      from: 'generate_series(1, 5000) i',
      due: "now() - interval '2 days' - i * interval '1 second'",
    });

    const started = performance.now();
    const seen = await preview(RESCHEDULE, '?limit=7');
    const tookMs = performance.now() - started;
    if (process.env.PREVIEW_TIMING) process.stdout.write(`preview of 5000 overdue tasks: ${tookMs.toFixed(1)} ms\n`);

    expect(seen).toMatchObject({ would_change: 5000, sample_size: 7 });
    expect(seen.sample).toHaveLength(7);
    expect(seen.sample[0]?.title).toBe('bulk 5000');
    expect((await preview(RESCHEDULE, '?limit=100')).sample_size).toBe(100);
  });

  it('says an event-driven process is previewed as a run without an event', async () => {
    await arrangeTasks();
    await setProcess(RESCHEDULE, { trigger_type: 'event_based' });
    try {
      const seen = await preview(RESCHEDULE);
      expect(seen.would_change).toBe(4);
      expect(seen.notes).toEqual([expect.stringContaining('runs on events: previewed as a run without an event')]);
    } finally {
      await setProcess(RESCHEDULE, { trigger_type: 'time_based' });
    }
  });
});

describe('GET /processes/:name/preview of archive_completed_tasks', () => {
  it('lists the completed tasks older than the cutoff that a run then tags', async () => {
    const now = Date.now();
    const old = [
      await insertTask(api.db.orm, { due: iso(now - 50 * DAY), status: 'completed', completedAt: iso(now - 45 * DAY) }),
      await insertTask(api.db.orm, {
        due: null,
        status: 'completed',
        completedAt: iso(now - 31 * DAY - 3600_000),
        userId: USER_B,
        tags: ['work'],
      }),
    ];
    // Not tagged: completed recently, already archived, or not completed.
    await insertTask(api.db.orm, { due: null, status: 'completed', completedAt: iso(now - 2 * DAY) });
    await insertTask(api.db.orm, {
      due: null,
      status: 'completed',
      completedAt: iso(now - 60 * DAY),
      tags: ['archived'],
    });
    await insertTask(api.db.orm, { due: iso(now - 60 * DAY), status: 'pending' });
    const before = await snapshot();

    const seen = await preview(ARCHIVE);

    expect(await snapshot()).toEqual(before);
    expect(seen).toMatchObject({
      implementation: ARCHIVE,
      would_change: 2,
      sample_size: 2,
      details: { older_than_days: 30, cutoff: expect.stringMatching(/T00:00:00\+03:30$/) },
    });
    expect(seen.sample.map((t) => t.task_id)).toEqual(old);
    expect(seen.sample[1]).toMatchObject({ user_id: USER_B, status: 'completed', add_tag: 'archived' });

    const run = await runNow(ARCHIVE);

    expect(run.result).toMatchObject({ tasks_archived: 2, cutoff: seen.details?.cutoff });
    const tagged = await sql<{ task_id: string }>(
      api.db.orm,
      'SELECT task_id FROM automated_process_task_archives WHERE execution_id = ? ORDER BY task_id',
      [run.execution_id],
    );
    expect(tagged.map((r) => r.task_id)).toEqual([...old].sort());
  });

  it('honours user_ids and older_than_days', async () => {
    const now = Date.now();
    await insertTask(api.db.orm, { due: null, status: 'completed', completedAt: iso(now - 10 * DAY) });
    const ofB = await insertTask(api.db.orm, {
      due: null,
      status: 'completed',
      completedAt: iso(now - 10 * DAY),
      userId: USER_B,
    });
    await setProcess(ARCHIVE, { process_config: { older_than_days: 5, user_ids: [USER_B] } });

    const seen = await preview(ARCHIVE);

    expect(seen).toMatchObject({ would_change: 1, details: { older_than_days: 5 } });
    expect(seen.sample.map((t) => t.task_id)).toEqual([ofB]);
  });
});

describe('GET /processes/:name/preview refuses', () => {
  it('400 naming querystring.limit outside 1 to 100', async () => {
    for (const query of ['limit=0', 'limit=101', 'limit=ten', 'limit=2.5']) {
      const res = await get(`/processes/${RESCHEDULE}/preview?${query}`);
      expect([query, res.statusCode, res.json()]).toEqual([
        query,
        400,
        expect.objectContaining({ field: 'querystring.limit' }),
      ]);
    }
  });

  it('404 for an unknown process', async () => {
    const res = await get('/processes/no_such_process/preview');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'NOT_FOUND', message: 'process "no_such_process" does not exist' });
  });

  it('409 for an implementation without a preview, or one not registered here', async () => {
    const withoutPreviews: ProcessDefinition[] = PROCESS_REGISTRY.map((d) => {
      const { preview, ...definition } = d;
      return preview ? definition : d;
    });
    const app = await buildApp(
      { orm: api.db.orm, client: api.temporal.client, config: api.config, registry: withoutPreviews },
      { logger: false },
    );
    try {
      const res = await app.inject({ method: 'GET', url: `/processes/${RESCHEDULE}/preview`, headers: AUTH });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'NO_PREVIEW', message: expect.stringContaining('offers no preview') });
    } finally {
      await app.close();
    }

    const { name } = await insertProcess(api.db.orm);
    const res = await get(`/processes/${name}/preview`);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'NO_PREVIEW', message: expect.stringContaining('not registered') });
  });

  it('409 naming the stored setting a run would fail on', async () => {
    await setProcess(RESCHEDULE, { process_config: { include_statuses: ['completed'] } });
    const res = await get(`/processes/${RESCHEDULE}/preview`);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'INVALID_STORED_CONFIG', field: 'process_config.include_statuses' });
  });

  it('cannot write: a preview runs in a read-only transaction', async () => {
    const taskId = await insertTask(api.db.orm, { due: iso(Date.now() - DAY) });
    const writing: ProcessDefinition[] = PROCESS_REGISTRY.map((d) => ({
      ...d,
      preview: async ({ em }) => {
        await em.execute(`UPDATE tasks SET name = 'written' WHERE task_id = ?`, [taskId]);
        return { day: '', would_change: 0, sample: [], notes: [] };
      },
    }));

    await expect(previewProcess(api.db.orm.em.fork(), writing, api.config, RESCHEDULE, {})).rejects.toThrow(
      /read-only transaction/,
    );
    const [row] = await sql<{ name: string }>(api.db.orm, 'SELECT name FROM tasks WHERE task_id = ?', [taskId]);
    expect(row?.name).not.toBe('written');
  });
});
