import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { createRescheduleActivities } from '../../activities/reschedule-remaining-tasks';
import type { RunContext } from '../../activities/run-types';
import { chainIds } from '../../activities/chains/queue';
import { chainSettings } from '../../worker/create-worker';
import { startPendingChains } from '../../worker/chain-sweep';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { sql } from '../helpers/database';
import { eventually, startWorker, type RunningWorker } from '../helpers/temporal';
import { AUTH, buildTestApi, type TestApi, WRITE } from './helpers';

const RESCHEDULE = 'reschedule_remaining_tasks';
/** Upstream processes whose name starts with this fail their work (the real work otherwise). */
const FAILING = 'failing_';

let api: TestApi;
let worker: RunningWorker;

beforeAll(async () => {
  api = await buildTestApi();
  const real = createRescheduleActivities({ orm: api.db.orm, batchSize: 500 });
  worker = await startWorker(api.temporal, api.db.orm, {
    rescheduleRemainingTasks: async (run: RunContext) => {
      if (run.processName.startsWith(FAILING)) {
        throw ApplicationFailure.nonRetryable('column t.due_date_gregorian does not exist', 'Broken');
      }
      return real.rescheduleRemainingTasks(run);
    },
  });
});
afterAll(async () => {
  await eventually(allClosed);
  await worker.stop();
  await api.close();
});

function send(method: 'POST' | 'PATCH' | 'GET', url: string, body?: object) {
  return api.app.inject({
    method,
    url,
    headers: method === 'GET' ? AUTH : WRITE,
    ...(body === undefined ? {} : { payload: body }),
  });
}

async function allClosed(): Promise<true | undefined> {
  const [row] = await sql<{ n: string }>(
    api.db.orm,
    `SELECT count(*) AS n FROM automated_process_executions WHERE status = 'running'`,
  );
  return Number(row?.n) === 0 ? true : undefined;
}

/** A manual-only process of its own; `extra` adds after/requires/policy. */
async function createProcess(prefix: string, extra: object = {}): Promise<string> {
  const name = `${prefix}${randomUUID().slice(0, 8)}`;
  const res = await send('POST', '/processes', { name, implementation: RESCHEDULE, schedule: null, ...extra });
  expect(res.statusCode).toBe(201);
  return name;
}

interface Row {
  execution_id: string;
  status: string;
  trigger: string;
  caused_by: string | null;
}

async function executionsOf(name: string): Promise<Row[]> {
  return sql<Row>(
    api.db.orm,
    `SELECT e.execution_id, e.status, e.trigger, e.caused_by
       FROM automated_process_executions e JOIN automated_processes p USING (process_id)
      WHERE p.name = ? ORDER BY e.started_at`,
    [name],
  );
}

/** Triggers a run of `name` and waits for its row to close; returns its execution id and status. */
async function runToEnd(name: string): Promise<Row> {
  const res = await send('POST', `/processes/${name}/trigger`);
  expect(res.statusCode).toBe(202);
  const executionId = res.json().execution_id as string;
  return eventually(async () =>
    (await executionsOf(name)).find((r) => r.execution_id === executionId && r.status !== 'running'),
  );
}

describe('after: a chained process runs when its upstream ends that way, naming it', () => {
  it.each([
    ['completed', 'completed', ''],
    ['failed', 'failed', FAILING],
    ['any', 'completed', ''],
    ['any', 'failed', FAILING],
  ] as const)('on %s: runs after an upstream run that %s', async (on, ending, upstreamPrefix) => {
    const upstream = await createProcess(`${upstreamPrefix}up_`);
    const downstream = await createProcess('down_', { after: [{ process: upstream, on }] });
    const shown = await send('GET', `/processes/${downstream}`);
    expect(shown.json()).toMatchObject({ after: [{ process: upstream, on }], requires: [] });

    const up = await runToEnd(upstream);
    expect(up.status).toBe(ending);

    const [down] = await eventually(async () => {
      const rows = await executionsOf(downstream);
      return rows.length > 0 && rows.every((r) => r.status !== 'running') ? rows : undefined;
    });
    expect(down).toMatchObject({ status: 'completed', trigger: 'chain', caused_by: up.execution_id });
    const downView = await send('GET', `/executions/${down!.execution_id}`);
    expect(downView.json()).toMatchObject({ trigger: 'chain', caused_by: up.execution_id, caused: [] });
    const upView = await send('GET', `/executions/${up.execution_id}`);
    expect(upView.json()).toMatchObject({
      caused_by: null,
      caused: [{ process: downstream, execution_id: down!.execution_id, started: true }],
    });
    expect(await executionsOf(downstream)).toHaveLength(1);
    const [gap] = await sql<{ ms: number }>(
      api.db.orm,
      `SELECT (extract(epoch FROM d.started_at - u.completed_at) * 1000)::int AS ms
         FROM automated_process_executions u, automated_process_executions d
        WHERE u.execution_id = ? AND d.execution_id = ?`,
      [up.execution_id, down!.execution_id],
    );
    // Measured, not asserted: from the upstream's row closing to the chained run's row opening.
    console.log(`chain on ${on}: the downstream's row opened ${gap?.ms} ms after the upstream's closed`);
  });

  it.each([
    ['completed', FAILING],
    ['failed', ''],
  ] as const)('on %s: not started when the upstream ended the other way', async (on, upstreamPrefix) => {
    const upstream = await createProcess(`${upstreamPrefix}up_`);
    const downstream = await createProcess('down_', { after: [{ process: upstream, on }] });
    const up = await runToEnd(upstream);
    expect(up.status).toBe(on === 'completed' ? 'failed' : 'completed');
    // Queued in the transaction that closed the upstream's row: none now means none ever.
    const queued = await sql(
      api.db.orm,
      'SELECT * FROM automated_process_chain_starts WHERE upstream_execution_id = ?',
      [up.execution_id],
    );
    expect(queued).toEqual([]);
    expect(await executionsOf(downstream)).toEqual([]);
    expect((await send('GET', `/executions/${up.execution_id}`)).json()).toMatchObject({ caused: [] });
  });
});

describe("the worker's pass: a chained run queued by a closing whose activity died before starting it", () => {
  it('is started once, naming its upstream, however often the pass runs', async () => {
    const upstream = await createProcess('up_');
    const downstream = await createProcess('down_', { after: [{ process: upstream, on: 'completed' }] });
    const idOf = async (name: string) =>
      (
        await sql<{ process_id: string }>(api.db.orm, 'SELECT process_id FROM automated_processes WHERE name = ?', [
          name,
        ])
      )[0]!.process_id;
    const [upId, downId] = [await idOf(upstream), await idOf(downstream)];
    // As the closing's transaction left it: the upstream's row closed, the start queued, never started.
    const upstreamExecutionId = randomUUID();
    await sql(
      api.db.orm,
      `INSERT INTO automated_process_executions (execution_id, process_id, status, started_at, completed_at, trigger, logical_time)
       VALUES (?, ?, 'completed', now(), now(), 'manual', now())`,
      [upstreamExecutionId, upId],
    );
    const ids = chainIds(api.temporal.taskQueue, { processId: downId, name: downstream }, upstreamExecutionId);
    await sql(
      api.db.orm,
      `INSERT INTO automated_process_chain_starts (upstream_execution_id, downstream_process_id, execution_id, workflow_id, created_at)
       VALUES (?, ?, ?, ?, now() - interval '1 minute')`,
      [upstreamExecutionId, downId, ids.executionId, ids.workflowId],
    );
    const services = { orm: api.db.orm, client: api.temporal.client };
    const settings = chainSettings(PROCESS_REGISTRY, api.temporal.taskQueue);
    const quiet = { warn: () => undefined };

    expect(await startPendingChains(services, settings, quiet)).toEqual([ids.workflowId]);
    expect(await startPendingChains(services, settings, quiet)).toEqual([]);
    const [run] = await eventually(async () => {
      const rows = await executionsOf(downstream);
      return rows.length > 0 && rows.every((r) => r.status !== 'running') ? rows : undefined;
    });
    expect(run).toMatchObject({ execution_id: ids.executionId, trigger: 'chain', caused_by: upstreamExecutionId });
    // A start asked for again (the closing's activity retried after all) starts nothing new.
    await sql(
      api.db.orm,
      'UPDATE automated_process_chain_starts SET started_at = NULL WHERE upstream_execution_id = ?',
      [upstreamExecutionId],
    );
    expect(await startPendingChains(services, settings, quiet)).toEqual([ids.workflowId]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await executionsOf(downstream)).toHaveLength(1);
  });
});

describe('after and requires: bad bodies answer 400 naming the field, and change nothing', () => {
  it('refuses a cycle, naming it', async () => {
    const a = await createProcess('a_');
    const b = await createProcess('b_', { after: [{ process: a, on: 'completed' }] });
    const res = await send('PATCH', `/processes/${a}`, { after: [{ process: b, on: 'any' }] });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'body.after', rule: `makes a cycle: ${a} → ${b} → ${a}` });
    expect((await send('GET', `/processes/${a}`)).json()).toMatchObject({ after: [] });

    const c = await createProcess('c_', { after: [{ process: b, on: 'failed' }] });
    const longer = await send('PATCH', `/processes/${a}`, { after: [{ process: c, on: 'completed' }] });
    expect(longer.statusCode).toBe(400);
    expect(longer.json()).toMatchObject({ field: 'body.after', rule: `makes a cycle: ${a} → ${b} → ${c} → ${a}` });

    const itself = await send('PATCH', `/processes/${a}`, { after: [{ process: a, on: 'completed' }] });
    expect(itself.json()).toMatchObject({ field: 'body.after', rule: `makes a cycle: ${a} → ${a}` });
    expect((await send('GET', `/processes/${a}`)).json()).toMatchObject({ after: [] });
  });

  it('refuses an unknown process in after or requires', async () => {
    const missing = `missing_${randomUUID().slice(0, 8)}`;
    const name = `down_${randomUUID().slice(0, 8)}`;
    const created = await send('POST', '/processes', {
      name,
      implementation: RESCHEDULE,
      schedule: null,
      after: [{ process: missing, on: 'completed' }],
    });
    expect(created.statusCode).toBe(400);
    expect(created.json()).toMatchObject({ field: 'body.after[0].process', rule: `names no process: "${missing}"` });
    expect((await send('GET', `/processes/${name}`)).statusCode).toBe(404);

    const existing = await createProcess('down_');
    const patched = await send('PATCH', `/processes/${existing}`, {
      requires: [{ process: missing, same_local_day: true }],
    });
    expect(patched.statusCode).toBe(400);
    expect(patched.json()).toMatchObject({ field: 'body.requires[0].process' });
    expect((await send('GET', `/processes/${existing}`)).json()).toMatchObject({ requires: [] });
  });

  it('refuses a bad on, naming it', async () => {
    const upstream = await createProcess('up_');
    const res = await send('POST', '/processes', {
      name: `down_${randomUUID().slice(0, 8)}`,
      implementation: RESCHEDULE,
      schedule: null,
      after: [{ process: upstream, on: 'sometimes' }],
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().field).toMatch(/^body\.after.*0.*on$/);
  });
});
