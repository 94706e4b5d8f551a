import { RELOAD_DEADLINE_MS } from '../../temporal/deadline';
import { firingTimeOf } from '../helpers/schedule-spec';
import type { Client, ScheduleHandle } from '@temporalio/client';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { silentLogger } from '../../platform/logger';
import { scheduleIdFor } from '../../temporal/ids';
import { reconcileSchedules, type ReconcileReport } from '../../temporal/reconcile';
import { DISABLED_NOTE } from '../../temporal/schedule-options';
import { sql } from '../helpers/database';
import { eventually } from '../helpers/temporal';
import { AUTH, buildTestApi, type TestApi, WRITE } from './helpers';

let api: TestApi;
beforeAll(async () => {
  // Writes wait for a reload far longer than the tests below stall one: CI's load must not turn a wait into a 503.
  api = await buildTestApi({ env: { RELOAD_WAIT_SECONDS: '120' } });
  await reload();
});
afterAll(async () => {
  await api.close();
});

const RESCHEDULE = 'reschedule_remaining_tasks';

function inject(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, target = api) {
  return target.app.inject({
    method,
    url,
    headers: method === 'GET' ? AUTH : WRITE,
    ...(payload === undefined ? {} : { payload }),
  });
}

/** `npm run schedules:reload`, with the client it is given. */
function reload(client: Client = api.temporal.client, target = api): Promise<ReconcileReport> {
  return reconcileSchedules({
    orm: target.db.orm,
    client,
    registry: PROCESS_REGISTRY,
    settings: { taskQueue: target.config.taskQueue, catchupWindowMinutes: 240 },
    logger: silentLogger,
  });
}

function handle(name: string) {
  return api.temporal.client.schedule.getHandle(scheduleIdFor(name, api.config));
}

async function exists(name: string): Promise<boolean> {
  return handle(name)
    .describe()
    .then(
      () => true,
      () => false,
    );
}

async function setRow(name: string, assignments: string) {
  await sql(api.db.orm, `UPDATE automated_processes SET ${assignments} WHERE name = ?`, [name]);
}

/** A client whose schedule calls wait until `release` is called: a reload stopped in the middle of its run. */
function stalledClient(real: Client) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let stalled!: () => void;
  const reached = new Promise<void>((resolve) => (stalled = resolve));
  const wrapHandle = (h: ScheduleHandle) =>
    new Proxy(h, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          stalled();
          await released;
          // The stall stands for a long reload, not a slow call: the call itself gets a reload's own deadline.
          return real.connection.withDeadline(Date.now() + RELOAD_DEADLINE_MS, async () =>
            (value as (...a: unknown[]) => unknown).apply(target, args),
          );
        };
      },
    });
  const schedule = new Proxy(real.schedule, {
    get: (target, prop, receiver) =>
      prop === 'getHandle'
        ? (id: string) => wrapHandle(target.getHandle(id))
        : (Reflect.get(target, prop, receiver) as unknown),
  });
  const client = new Proxy(real, {
    get: (target, prop, receiver) =>
      prop === 'schedule' ? schedule : (Reflect.get(target, prop, receiver) as unknown),
  });
  return { client, release, reached };
}

/** Backends of this test's database waiting for an advisory lock (the schedules lock a reload holds). */
async function lockWaiters(): Promise<number> {
  const [row] = await sql<{ n: number }>(
    api.db.orm,
    `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
      WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()`,
  );
  return row?.n ?? 0;
}

async function listed(name: string): Promise<boolean> {
  for await (const s of api.temporal.client.schedule.list()) {
    if (s.scheduleId === scheduleIdFor(name, api.config)) return true;
  }
  return false;
}

describe('reload and API writes take turns', () => {
  it('a process created during a reload keeps its schedule; one deleted during it does not get it back', async () => {
    const doomed = 'zz_deleted_during_reload';
    expect(
      (
        await inject('POST', '/processes', {
          name: doomed,
          implementation: RESCHEDULE,
          schedule: { hour: 1, minute: 0, timezone: 'UTC' },
        })
      ).statusCode,
    ).toBe(201);

    const stalled = stalledClient(api.temporal.client);
    const reloading = reload(stalled.client);
    await stalled.reached; // the reload has read the rows and is syncing the first one

    const created = inject('POST', '/processes', {
      name: 'created_during_reload',
      implementation: RESCHEDULE,
      schedule: { hour: 2, minute: 0, timezone: 'UTC' },
    });
    const deleted = inject('DELETE', `/processes/${doomed}`);
    // Released as soon as both writes wait for the reload's lock (or have settled, not serialised): a fixed
    // pause here ate into the writes' 5 s wait, and under CI's load the rest of the reload took longer.
    const first = await Promise.race([
      Promise.all([created, deleted]).then(() => 'settled' as const),
      eventually(async () => ((await lockWaiters()) >= 2 ? ('waiting' as const) : undefined), 10_000),
    ]);
    if (first === 'settled') {
      // Not serialised: let the reload's listing see the new schedule, as it would a moment later.
      await eventually(async () => ((await listed('created_during_reload')) ? true : undefined), 10_000);
    }
    stalled.release();
    await reloading;
    expect((await created).statusCode).toBe(201);
    expect((await deleted).statusCode).toBe(204);

    expect({ created: await exists('created_during_reload'), deleted: await exists(doomed) }).toEqual({
      created: true,
      deleted: false,
    });
  });

  it('a write waiting longer than RELOAD_WAIT_SECONDS for a reload answers 503 saying so', async () => {
    const impatient = await buildTestApi({ env: { RELOAD_WAIT_SECONDS: '2' } });
    try {
      await reload(impatient.temporal.client, impatient);
      const stalled = stalledClient(impatient.temporal.client);
      const reloading = reload(stalled.client, impatient);
      await stalled.reached;
      const started = Date.now();
      const res = await inject('PATCH', `/processes/${RESCHEDULE}`, { description: 'in a long reload' }, impatient);
      const waited = Date.now() - started;
      stalled.release();
      await reloading;
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ statusCode: 503, code: 'SCHEDULES_RELOADING' });
      expect(res.json<{ message: string }>().message).toMatch(/schedules are being reloaded/);
      expect(waited).toBeGreaterThanOrEqual(2000);
      expect(waited).toBeLessThan(10_000);
    } finally {
      await impatient.close();
    }
  });
});

describe('is_enabled set in the database and pauses', () => {
  it('a process paused through the API and re-enabled in SQL is resumed by a reload', async () => {
    expect((await inject('POST', `/processes/${RESCHEDULE}/pause`, { note: 'team offsite' })).statusCode).toBe(200);
    expect((await handle(RESCHEDULE).describe()).state).toMatchObject({ paused: true, note: 'team offsite' });
    await setRow(RESCHEDULE, 'is_enabled = true');

    const report = await reload();

    expect(report.unpaused).toEqual([RESCHEDULE]);
    expect((await handle(RESCHEDULE).describe()).state.paused).toBe(false);
  });

  it('a pause made on the Temporal schedule itself, with the row enabled, stays', async () => {
    await handle(RESCHEDULE).pause('by hand');
    await reload();
    expect((await handle(RESCHEDULE).describe()).state).toMatchObject({ paused: true, note: 'by hand' });
    await handle(RESCHEDULE).unpause();
  });

  it('a pause by hand over an API pause stays when SQL re-enables the row', async () => {
    await inject('POST', `/processes/${RESCHEDULE}/pause`, { note: 'team offsite' });
    await handle(RESCHEDULE).pause('by hand, later');
    await setRow(RESCHEDULE, 'is_enabled = true');
    await reload();
    expect((await handle(RESCHEDULE).describe()).state).toMatchObject({ paused: true, note: 'by hand, later' });
    await inject('POST', `/processes/${RESCHEDULE}/resume`);
  });
});

describe('a stored schedule_config that breaks the rules', () => {
  const name = 'broken_by_sql';
  const good = { hour: 6, minute: 30, timezone: 'Europe/Paris' };

  beforeAll(async () => {
    expect((await inject('POST', '/processes', { name, implementation: RESCHEDULE, schedule: good })).statusCode).toBe(
      201,
    );
  });

  it.each([
    [`'{"hour": 7, "minute": 0, "timezone": "Mars/Olympus"}'`, 'schedule_config.timezone must be an IANA time zone'],
    [`'{"hour": 25, "minute": 0, "timezone": "UTC"}'`, 'schedule_config.hour must be a whole number from 0 to 23'],
    [`'{"hour": "7", "minute": 0, "timezone": "UTC"}'`, 'schedule_config.hour must be a whole number'],
    [`'{"hour": 7, "timezone": "UTC"}'`, 'schedule_config.minute'],
    [`'"07:30"'`, 'schedule_config must be a JSON object'],
  ])('%s: GET and a PATCH of another field answer 200, naming the field', async (stored, why) => {
    await setRow(name, `schedule_config = ${stored}::jsonb`);
    const patched = await inject('PATCH', `/processes/${name}`, { description: 'still broken' });
    const got = await inject('GET', `/processes/${name}`);
    const listedAll = await inject('GET', '/processes');
    expect([patched.statusCode, got.statusCode, listedAll.statusCode]).toEqual([200, 200, 200]);
    expect(patched.json()).toMatchObject({ paused: true });
    expect(patched.json<{ pause_note: string }>().pause_note).toContain(why);
    expect(got.json<{ schedule_error: string }>().schedule_error).toContain(why);
  });

  it('reload pauses its schedule with a note saying why and how to repair it', async () => {
    await setRow(name, `schedule_config = '{"hour": 7, "minute": 0, "timezone": "Mars/Olympus"}'`);
    await handle(name).unpause();
    const report = await reload();
    expect(report.invalid).toContain(name);
    const { state } = await handle(name).describe();
    expect(state.paused).toBe(true);
    expect(state.note).toMatch(
      new RegExp(
        `^Paused: schedule_config\\.timezone must be an IANA time zone .*; PATCH /processes/${name} to repair$`,
      ),
    );
    expect((await reload()).paused).not.toContain(name); // and says so once
  });

  it('a PATCH keeping the bad zone answers 400 naming it; one with a good schedule repairs the row and the schedule', async () => {
    const kept = await inject('PATCH', `/processes/${name}`, { schedule: { hour: 8 } });
    expect(kept.statusCode).toBe(400);
    expect(kept.json()).toMatchObject({ field: 'body.schedule.timezone' });

    const fixed = await inject('PATCH', `/processes/${name}`, { schedule: { hour: 8, timezone: 'Europe/Paris' } });
    expect(fixed.statusCode).toBe(200);
    expect(fixed.json()).toMatchObject({ paused: false, schedule_error: null });
    const [row] = await sql(api.db.orm, 'SELECT schedule_config FROM automated_processes WHERE name = ?', [name]);
    expect(row).toEqual({ schedule_config: { hour: 8, minute: 0, timezone: 'Europe/Paris' } });
    const described = await handle(name).describe();
    expect(described.state.paused).toBe(false);
    expect(firingTimeOf(described)).toMatchObject({ hour: 8, timezone: 'Europe/Paris' });
  });

  it('a disabled row, repaired, stays paused as disabled', async () => {
    await setRow(name, `is_enabled = false, schedule_config = '{"hour": 7, "minute": 0, "timezone": "Mars/Olympus"}'`);
    await inject('PATCH', `/processes/${name}`, { description: 'broken and disabled' });
    const fixed = await inject('PATCH', `/processes/${name}`, { schedule: { timezone: 'UTC' } });
    expect(fixed.statusCode).toBe(200);
    expect((await handle(name).describe()).state).toMatchObject({ paused: true, note: DISABLED_NOTE });
  });
});
