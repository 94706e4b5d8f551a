import { Client, Connection } from '@temporalio/client';
import type { InjectOptions } from 'fastify';
import { TEMPORAL_DEADLINE_MS } from '../../temporal/deadline';
import { sql } from '../helpers/database';
import { temporalAddress } from '../helpers/temporal';
import { freezableProxy, type FreezableProxy } from './frozen-proxy';
import { AUTH, buildTestApi, type TestApi, WRITE } from './helpers';

/** Temporal reached through a proxy that can stop answering while keeping its connections open. */
let proxy: FreezableProxy;
let connection: Connection;
let api: TestApi;
beforeAll(async () => {
  proxy = await freezableProxy(temporalAddress());
  connection = await Connection.connect({ address: proxy.address });
  api = await buildTestApi({ client: () => new Client({ connection }) });
});
afterAll(async () => {
  await proxy.close();
  await connection.close();
  await api.close();
});

const RESCHEDULE = 'reschedule_remaining_tasks';
const NO_ANSWER = 15_000;

/** The request's status and how long it took, or 'no answer' when it has none within NO_ANSWER ms. */
async function timed(options: InjectOptions): Promise<{ status: number | 'no answer'; ms: number; code?: unknown }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const answer = await Promise.race([
    api.app.inject({ ...options, headers: options.method === 'GET' ? AUTH : WRITE }),
    new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), NO_ANSWER))),
  ]);
  clearTimeout(timer);
  const ms = Date.now() - started;
  if (!answer) return { status: 'no answer', ms };
  return { status: answer.statusCode, ms, code: answer.json<{ code?: unknown }>().code };
}

describe('when Temporal accepts connections but never answers', () => {
  it('more concurrent writes than the pool holds all answer 503 within a few seconds, and reads still work', async () => {
    const pool = 4; // createTestDatabase's poolMax
    proxy.freeze();
    const writes: InjectOptions[] = [
      ...Array.from({ length: pool + 2 }, (_, i) => ({
        method: 'POST' as const,
        url: '/processes',
        payload: { name: `during_outage_${i}`, implementation: RESCHEDULE },
      })),
      ...Array.from({ length: pool }, (_, i) => ({
        method: 'PATCH' as const,
        url: `/processes/${RESCHEDULE}`,
        payload: { schedule: { minute: i } },
      })),
      { method: 'POST', url: `/processes/${RESCHEDULE}/pause`, payload: { note: 'outage' } },
      { method: 'DELETE', url: `/processes/${RESCHEDULE}` },
    ];
    const answers = await Promise.all(writes.map(timed));

    expect(answers.map((a) => [a.status, a.code])).toEqual(writes.map(() => [503, 'DEPENDENCY_UNAVAILABLE']));
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(TEMPORAL_DEADLINE_MS + 5_000);

    // The pool is not used up: a read of the database answers at once.
    const read = await timed({ method: 'GET', url: `/processes/${RESCHEDULE}/executions` });
    expect(read.status).toBe(200);
    expect(read.ms).toBeLessThan(2_000);

    proxy.thaw();
    const after = await timed({
      method: 'POST',
      url: '/processes',
      payload: { name: 'after_outage', implementation: RESCHEDULE },
    });
    expect(after.status).toBe(201);
  });

  it('a Temporal call that hangs inside the transaction gives up at the deadline: 503, and the row is unchanged', async () => {
    // Temporal answers the check a write makes first, then hangs: the hang is inside the transaction.
    const hanging = await buildTestApi({ client: (real) => answersOnlyTheCheck(new Client({ connection }), real) });
    try {
      const before = await sql(hanging.db.orm, 'SELECT schedule_config FROM automated_processes WHERE name = ?', [
        RESCHEDULE,
      ]);
      proxy.freeze();
      const started = Date.now();
      const res = await hanging.app.inject({
        method: 'PATCH',
        url: `/processes/${RESCHEDULE}`,
        headers: AUTH,
        payload: { schedule: { hour: 9 } },
      });
      const ms = Date.now() - started;
      proxy.thaw();
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', dependency: 'Temporal' });
      expect(ms).toBeGreaterThanOrEqual(TEMPORAL_DEADLINE_MS - 100);
      expect(ms).toBeLessThan(TEMPORAL_DEADLINE_MS + 3_000);
      expect(
        await sql(hanging.db.orm, 'SELECT schedule_config FROM automated_processes WHERE name = ?', [RESCHEDULE]),
      ).toEqual(before);
    } finally {
      proxy.thaw();
      await hanging.close();
    }
  });
});

/** `client`, but its workflow service's getSystemInfo (the check writes make first) asks `answering`. */
function answersOnlyTheCheck(client: Client, answering: Client): Client {
  const service = new Proxy(client.workflowService, {
    get: (target, prop, receiver) =>
      prop === 'getSystemInfo'
        ? answering.workflowService.getSystemInfo.bind(answering.workflowService)
        : (Reflect.get(target, prop, receiver) as unknown),
  });
  return new Proxy(client, {
    get: (target, prop, receiver) =>
      prop === 'workflowService' ? service : (Reflect.get(target, prop, receiver) as unknown),
  });
}
