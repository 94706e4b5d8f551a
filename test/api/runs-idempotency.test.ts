import { randomUUID } from 'node:crypto';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { triggerRun } from '../../api/services/runs/trigger';
import { sql } from '../helpers/database';
import { holdingActivity } from '../helpers/holding-activity';
import { eventually, startWorker, type ActivityOverrides, type RunningWorker } from '../helpers/temporal';
import { buildTestApi, type TestApi, WRITE } from './helpers';

const RESCHEDULE = 'reschedule_remaining_tasks';
const ARCHIVE = 'archive_completed_tasks';

let api: TestApi;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  api = await buildTestApi();
});
afterEach(async () => {
  await eventually(() => allFinished());
  // A row closes one workflow task before its workflow does: let the workflows end before the worker goes.
  const started = await sql<{ workflow_id: string }>(
    api.db.orm,
    'SELECT workflow_id FROM automated_process_executions WHERE workflow_id IS NOT NULL',
  );
  for (const { workflow_id } of started) {
    await api.temporal.client.workflow
      .getHandle(workflow_id)
      .result()
      .catch(() => undefined);
  }
  await worker?.stop();
  worker = undefined;
});
afterAll(async () => {
  await api.close();
});

async function useWorker(overrides: ActivityOverrides = {}): Promise<void> {
  worker = await startWorker(api.temporal, api.db.orm, overrides);
}

function trigger(name: string, query = '', key?: string) {
  return api.app.inject({
    method: 'POST',
    url: `/processes/${name}/trigger${query}`,
    headers: { ...WRITE, ...(key === undefined ? {} : { 'idempotency-key': key }) },
  });
}

function deps() {
  return { orm: api.db.orm, client: api.temporal.client, config: api.config, registry: PROCESS_REGISTRY };
}

async function runCount(): Promise<number> {
  const [row] = await sql<{ n: number }>(api.db.orm, 'SELECT count(*)::int AS n FROM automated_process_executions');
  return row?.n ?? 0;
}

async function allFinished(): Promise<true | undefined> {
  const running = await sql(api.db.orm, "SELECT 1 FROM automated_process_executions WHERE status = 'running'");
  return running.length === 0 ? true : undefined;
}

async function processId(name: string): Promise<string> {
  const [row] = await sql<{ process_id: string }>(
    api.db.orm,
    'SELECT process_id FROM automated_processes WHERE name = ?',
    [name],
  );
  return row?.process_id ?? '';
}

describe('POST /processes/:name/trigger with an Idempotency-Key', () => {
  it('answers a replay after the run has finished exactly as it answered the first request', async () => {
    const hold = holdingActivity();
    await useWorker({ rescheduleRemainingTasks: hold.activity });
    const key = `finished-${randomUUID()}`;
    const first = await trigger(RESCHEDULE, '', key);
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ status: 'running' });
    hold.release();
    await eventually(() => allFinished());
    const runs = await runCount();

    const replays = [await trigger(RESCHEDULE, '', key), await trigger(RESCHEDULE, '?wait=true', key)];

    for (const replay of replays) {
      expect({ status: replay.statusCode, body: replay.body }).toEqual({ status: 202, body: first.body });
      expect(replay.headers.location).toBe(first.headers.location);
    }
    expect(await runCount()).toBe(runs);
  });

  it('answers a replay of a request refused 409 (another run in progress) with that 409, after that run', async () => {
    const hold = holdingActivity();
    await useWorker({ rescheduleRemainingTasks: hold.activity });
    const holder = await trigger(RESCHEDULE);
    const key = `refused-${randomUUID()}`;
    const first = await trigger(RESCHEDULE, '', key);
    expect(first.statusCode).toBe(409);
    expect(first.json()).toMatchObject({
      code: 'RUN_IN_PROGRESS',
      execution: { execution_id: holder.json().execution_id, status: 'running' },
    });
    hold.release();
    await eventually(() => allFinished());
    const runs = await runCount();

    const replay = await trigger(RESCHEDULE, '', key);

    expect({ status: replay.statusCode, body: replay.body }).toEqual({ status: 409, body: first.body });
    expect(await runCount()).toBe(runs);
  });

  it('makes a replay that arrives while the first request is in flight wait for its answer', async () => {
    const hold = holdingActivity();
    await useWorker({ rescheduleRemainingTasks: hold.activity });
    const key = `in-flight-${randomUUID()}`;
    const first = trigger(RESCHEDULE, '?wait=true', key);
    await hold.running;
    const replay = trigger(RESCHEDULE, '', key);
    await new Promise((resolve) => setTimeout(resolve, 300));
    hold.release();

    const [a, b] = await Promise.all([first, replay]);

    expect(a.statusCode).toBe(200);
    expect(a.json()).toMatchObject({ status: 'completed', trigger: 'manual' });
    expect({ status: b.statusCode, body: b.body }).toEqual({ status: 200, body: a.body });
  });

  it('stores the key before the run starts; a replay answers 409 in progress, and takes over an abandoned one', async () => {
    await useWorker();
    const key = `abandoned-${randomUUID()}`;
    const archive = await processId(ARCHIVE);
    // A request with this key came in (stored first), and its API process died before it answered.
    await sql(
      api.db.orm,
      'INSERT INTO automated_process_idempotency_keys (process_id, idempotency_key, claim) VALUES (?, ?, ?)',
      [archive, key, randomUUID()],
    );
    const runs = await runCount();
    const request = { name: ARCHIVE, idempotencyKey: key, wait: true, replayWaitMs: 300 };

    await expect(triggerRun(deps(), request)).rejects.toMatchObject({
      statusCode: 409,
      code: 'IDEMPOTENCY_KEY_IN_PROGRESS',
      message: expect.stringContaining(key),
    });
    expect(await runCount()).toBe(runs);

    await sql(
      api.db.orm,
      `UPDATE automated_process_idempotency_keys SET claimed_at = now() - interval '11 minutes'
        WHERE process_id = ? AND idempotency_key = ?`,
      [archive, key],
    );
    const answer = await triggerRun(deps(), request);
    expect(answer).toMatchObject({ statusCode: 200, body: { status: 'completed', trigger: 'manual' } });
    const replay = await trigger(ARCHIVE, '', key);
    expect({ status: replay.statusCode, body: replay.json() }).toEqual({ status: 200, body: answer.body });
    expect(await runCount()).toBe(runs + 1);
  });

  it('scopes a key to its process: the same key on two processes is two requests, each replayed as answered', async () => {
    await useWorker();
    const key = `shared-${randomUUID()}`;
    const [reschedule, archive] = [await trigger(RESCHEDULE, '', key), await trigger(ARCHIVE, '', key)];
    expect([reschedule.statusCode, archive.statusCode]).toEqual([202, 202]);
    expect(reschedule.json().execution_id).not.toBe(archive.json().execution_id);
    await eventually(() => allFinished());

    const replays = [await trigger(RESCHEDULE, '', key), await trigger(ARCHIVE, '', key)];

    expect(replays.map((r) => r.body)).toEqual([reschedule.body, archive.body]);
    const stored = await sql<{ name: string; response_status: number }>(
      api.db.orm,
      `SELECT p.name, k.response_status FROM automated_process_idempotency_keys k JOIN automated_processes p USING (process_id)
        WHERE k.idempotency_key = ? ORDER BY p.name`,
      [key],
    );
    expect(stored).toEqual([
      { name: ARCHIVE, response_status: 202 },
      { name: RESCHEDULE, response_status: 202 },
    ]);
  });

  it('keeps a key for 24 hours, answering from the stored answer, and purges older ones when a key is stored', async () => {
    await useWorker();
    const archive = await processId(ARCHIVE);
    const [young, old] = [`young-${randomUUID()}`, `old-${randomUUID()}`];
    const stored = {
      execution_id: randomUUID(),
      process_name: ARCHIVE,
      workflow_id: 'answered-a-day-ago',
      run_id: 'r',
      status: 'completed',
      web_ui_url: 'http://ui/w',
      execution_url: '/executions/x',
      message: 'the run has completed',
    };
    for (const [key, age] of [
      [young, '23 hours'],
      [old, '25 hours'],
    ]) {
      await sql(
        api.db.orm,
        `INSERT INTO automated_process_idempotency_keys
                (process_id, idempotency_key, claim, claimed_at, created_at, response_status, response_body)
         VALUES (?, ?, ?, now() - ?::interval, now() - ?::interval, 202, ?::jsonb)`,
        [archive, key, randomUUID(), age, age, JSON.stringify(stored)],
      );
    }

    const fresh = await trigger(ARCHIVE, '?wait=true', `fresh-${randomUUID()}`);
    expect(fresh.statusCode).toBe(200);

    const left = await sql<{ idempotency_key: string }>(
      api.db.orm,
      'SELECT idempotency_key FROM automated_process_idempotency_keys WHERE idempotency_key IN (?, ?)',
      [young, old],
    );
    expect(left).toEqual([{ idempotency_key: young }]);
    const replay = await trigger(ARCHIVE, '', young);
    expect({ status: replay.statusCode, body: replay.json() }).toEqual({ status: 202, body: stored });
  });
});
