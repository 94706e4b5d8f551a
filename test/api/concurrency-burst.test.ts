import { randomUUID } from 'node:crypto';
import { allClosed, countingWork, mostAtOnce, runRows } from '../helpers/run-limits';
import { eventually, startWorker, type RunningWorker } from '../helpers/temporal';
import { buildTestApi, WRITE, type TestApi } from './helpers';

/**
 * The burst of issue 12, item 5: 200 events for 20 users under a per-user limit of 1. On the new
 * database only (jest.config.js): it measures the admission and Temporal under load, not a flavour's
 * SQL, which concurrency-limits.test.ts runs on all three.
 */

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

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

describe('concurrency limits under a burst', () => {
  it('200 events for 20 users with key event.data.user_id and limit 1: 200 runs, one at a time per user, none lost or doubled', async () => {
    const view = await createProcess('day_start_per_user', {
      trigger_type: 'event_based',
      event: { name: 'user.day_started.keyed' },
      concurrency: { limit: 1, key: 'event.data.user_id' },
    });
    expect(view).toMatchObject({ concurrency: { limit: 1, key: 'event.data.user_id' }, overlap: 'skip' });
    const work = countingWork(40);
    worker = await startWorker(
      api.temporal,
      api.db.orm,
      { rescheduleRemainingTasks: work.activity },
      500,
      {},
      {
        maxConcurrentRuns: 8,
      },
    );
    const users = Array.from({ length: 20 }, () => randomUUID());
    const events = Array.from({ length: 200 }, (_, i) => ({
      name: 'user.day_started.keyed',
      id: `evt-keyed-${i}-${randomUUID()}`,
      data: { user_id: users[i % users.length] },
    }));
    const began = Date.now();
    const answers = await Promise.all(events.map((event) => post('/events', event)));
    expect(answers.map((a) => a.statusCode)).toEqual(events.map(() => 202));

    const rows = await eventually(async () => {
      const found = await runRows(api.db.orm, ['day_start_per_user']);
      return found.length === 200 && found.every((r) => r.status === 'completed') ? found : undefined;
      // Alone it takes about 20 s; under CI's load (two suites at once on two cores) it once took over 120.
    }, 360_000);
    const burstMs = Date.now() - began;
    expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(events.map((e) => e.id)));
    expect(new Set(rows.map((r) => r.execution_id)).size).toBe(200);
    for (const user of users) {
      const own = rows.filter((r) => r.key === user);
      expect(own).toHaveLength(10);
      expect(mostAtOnce(own)).toBe(1);
    }
    expect(work.stats()).toMatchObject({ mostForOneUser: 1, calls: 200 });
    expect(work.stats().most).toBeGreaterThan(1); // different users did run side by side
    expect(mostAtOnce(rows)).toBeLessThanOrEqual(8);
    const waited = rows.filter((r) => r.queued).length;
    expect(waited).toBeGreaterThan(0);
    const latencies = rows.map((r) => Number(r.completed) - began).sort((a, b) => a - b);
    console.log(
      `Keyed burst: 200 events, 20 users, limit 1 per user, MAX_CONCURRENT_RUNS 8: all done in ${burstMs} ms; ` +
        `${waited} runs waited (pending); at most ${work.stats().most} at once; ` +
        `completion after the burst p50 ${Math.round(quantile(latencies, 0.5))} ms, p99 ${Math.round(quantile(latencies, 0.99))} ms`,
    );
  }, 480_000);
});
