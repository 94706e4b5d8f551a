import { ServiceError, type Client } from '@temporalio/client';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { DISABLED_NOTE, MANAGED_BY } from '../../temporal/schedule-options';
import { scheduleIdFor } from '../../temporal/ids';
import { reconcileSchedules } from '../../temporal/reconcile';
import { silentLogger } from '../../platform/logger';
import { sql } from '../helpers/database';
import { AUTH, buildTestApi, type TestApi, WRITE } from './helpers';
import { firingTimeOf } from '../helpers/schedule-spec';

let api: TestApi;
beforeAll(async () => {
  api = await buildTestApi();
});
afterAll(async () => {
  await api.close();
});

const RESCHEDULE = 'reschedule_remaining_tasks';
const TEAM = { name: 'reschedule_team_london', implementation: RESCHEDULE };
const TEAM_USER = '00000000-0000-4000-8000-0000000000aa';

function inject(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) {
  return api.app.inject({
    method,
    url,
    headers: method === 'GET' ? AUTH : WRITE,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

function schedule(name: string) {
  return api.temporal.client.schedule.getHandle(scheduleIdFor(name, api.config));
}

/** The database and Temporal agree: every live time-based row has its schedule, paused iff disabled, and nothing else is ours. */
async function expectDatabaseAndTemporalAgree(): Promise<void> {
  const rows = await sql<{
    name: string;
    schedule_config: { hour: number; minute: number; timezone: string } | null;
    is_enabled: boolean;
  }>(
    api.db.orm,
    `SELECT p.name, p.schedule_config, p.is_enabled FROM automated_processes p
       LEFT JOIN automated_process_registrations r USING (process_id)
      WHERE r.deleted_at IS NULL AND p.trigger_type = 'time_based' ORDER BY p.name`,
  );
  for (const row of rows) {
    const described = await schedule(row.name).describe();
    expect({
      name: row.name,
      ...firingTimeOf(described),
      paused: described.state.paused,
    }).toEqual({
      name: row.name,
      timezone: row.schedule_config?.timezone,
      hour: row.schedule_config?.hour,
      minute: row.schedule_config?.minute,
      paused: !row.is_enabled,
    });
  }
  const owned: string[] = [];
  for await (const s of api.temporal.client.schedule.list()) {
    if (s.memo?.managedBy === MANAGED_BY && s.memo?.taskQueue === api.config.taskQueue)
      owned.push(String(s.memo.process));
  }
  // Listing is eventually consistent, so only check that nothing is listed that should not exist.
  for (const name of owned) {
    await expect(schedule(name).describe()).resolves.toBeDefined();
    if (!rows.some((r) => r.name === name)) await expect(schedule(name).describe()).rejects.toThrow();
  }
}

async function snapshot() {
  return {
    processes: await sql(
      api.db.orm,
      'SELECT name, schedule_config, process_config, is_enabled, description FROM automated_processes ORDER BY name',
    ),
    registrations: await sql(
      api.db.orm,
      'SELECT implementation, display_name, deleted_at FROM automated_process_registrations ORDER BY display_name',
    ),
  };
}

describe('reading processes', () => {
  it('lists every process with its schedule, state, next five runs in its zone, counters and links', async () => {
    await reconcileSchedules({
      orm: api.db.orm,
      client: api.temporal.client,
      registry: PROCESS_REGISTRY,
      settings: { taskQueue: api.config.taskQueue, catchupWindowMinutes: 240 },
      logger: silentLogger,
    });
    const res = await inject('GET', '/processes');
    expect(res.statusCode).toBe(200);
    const { items } = res.json<{ items: Record<string, unknown>[] }>();
    expect(items.map((p) => p.name)).toEqual(['archive_completed_tasks', RESCHEDULE]);
    const reschedule = items[1]!;
    expect(reschedule).toMatchObject({
      implementation: RESCHEDULE,
      trigger_type: 'time_based',
      schedule: { hour: 7, minute: 30, timezone: 'Asia/Tehran' },
      config: { include_statuses: ['pending', 'in_progress'], update_to_today: true },
      enabled: true,
      paused: false,
      pause_note: null,
      recent_runs: [],
      skipped_overlap: 0,
      missed_catchup_window: 0,
      schedule_id: scheduleIdFor(RESCHEDULE, api.config),
    });
    expect(reschedule.next_runs).toHaveLength(5);
    for (const run of reschedule.next_runs as string[]) expect(run).toMatch(/^\d{4}-\d\d-\d\dT07:30:00\+03:30$/);
    expect(reschedule.web_ui_url).toBe(
      `http://localhost:8233/namespaces/default/schedules/${encodeURIComponent(scheduleIdFor(RESCHEDULE, api.config))}`,
    );
  });

  it('answers 404 for an unknown process and 400 for a malformed name', async () => {
    expect((await inject('GET', '/processes/no_such_process')).json()).toMatchObject({
      statusCode: 404,
      code: 'NOT_FOUND',
    });
    const bad = await inject('GET', '/processes/Bad-Name!');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'params.name', code: 'INVALID_INPUT' });
  });

  it('requires the token', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/processes' });
    expect(res.statusCode).toBe(401);
  });
});

describe('creating a process', () => {
  it('creates a team reschedule at 07:30 in its zone, with its schedule in Temporal on return', async () => {
    const res = await inject('POST', '/processes', {
      ...TEAM,
      description: 'London team',
      schedule: { hour: 7, minute: 30, timezone: 'Europe/London' },
      config: { user_ids: [TEAM_USER] },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      name: TEAM.name,
      implementation: RESCHEDULE,
      schedule: { timezone: 'Europe/London' },
      config: { user_ids: [TEAM_USER] },
      enabled: true,
    });
    const described = await schedule(TEAM.name).describe();
    expect(firingTimeOf(described).timezone).toBe('Europe/London');
    expect(described.action).toMatchObject({
      workflowType: 'rescheduleRemainingTasks',
      args: [{ processName: TEAM.name }],
    });
    await expectDatabaseAndTemporalAgree();
  });

  it('refuses a taken name with 409', async () => {
    const res = await inject('POST', '/processes', TEAM);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'NAME_TAKEN' });
  });

  it.each([
    [{ ...TEAM, name: 'x_zone', schedule: { hour: 7, minute: 0, timezone: 'Mars/Olympus' } }, 'body.schedule.timezone'],
    [{ ...TEAM, name: 'x_hour', schedule: { hour: 24, minute: 0, timezone: 'UTC' } }, 'body.schedule.hour'],
    [{ ...TEAM, name: 'x_minute', schedule: { hour: 1, minute: -1, timezone: 'UTC' } }, 'body.schedule.minute'],
    [{ ...TEAM, name: 'x_impl', implementation: 'make_coffee' }, 'body.implementation'],
    [{ ...TEAM, name: 'Has Spaces' }, 'body.name'],
    [{ ...TEAM, name: 'x_unknown', colour: 'blue' }, 'body.colour'],
    [{ ...TEAM, name: 'x_config', config: { include_statuses: ['completed'] } }, 'body.config.include_statuses'],
    [{ ...TEAM, name: 'x_config_key', config: { colour: 'blue' } }, 'body.config.colour'],
    [{ implementation: RESCHEDULE }, 'body.name'],
  ])('refuses %j with 400 naming %s, and changes nothing', async (body, field) => {
    const before = await snapshot();
    const res = await inject('POST', '/processes', body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, field, rule: expect.any(String) });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses an oversized body with 400', async () => {
    const res = await inject('POST', '/processes', { ...TEAM, name: 'x_big', description: 'x'.repeat(100_000) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'BODY_TOO_LARGE', field: 'body' });
  });

  it("stores a zone as given (Asia/Kolkata, Europe/Kyiv), not as ICU's legacy alias, in the row and in Temporal", async () => {
    const res = await inject('POST', '/processes', {
      ...TEAM,
      name: 'reschedule_team_india',
      schedule: { hour: 9, minute: 0, timezone: 'Asia/Kolkata' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ schedule: { timezone: 'Asia/Kolkata' } });
    expect(res.json<{ next_runs: string[] }>().next_runs[0]).toMatch(/T09:00:00\+05:30$/);
    const patched = await inject('PATCH', '/processes/reschedule_team_india', {
      schedule: { timezone: 'Europe/Kyiv' },
    });
    expect(patched.json()).toMatchObject({ schedule: { timezone: 'Europe/Kyiv' } });
    const [row] = await sql(api.db.orm, 'SELECT schedule_config FROM automated_processes WHERE name = ?', [
      'reschedule_team_india',
    ]);
    expect(row).toEqual({ schedule_config: { hour: 9, minute: 0, timezone: 'Europe/Kyiv' } });
    expect(firingTimeOf(await schedule('reschedule_team_india').describe()).timezone).toBe('Europe/Kyiv');
    expect((await inject('DELETE', '/processes/reschedule_team_india')).statusCode).toBe(204);
  });

  it('creates a manual-only process with no schedule', async () => {
    const res = await inject('POST', '/processes', {
      name: 'archive_on_demand',
      implementation: 'archive_completed_tasks',
      schedule: null,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ trigger_type: 'manual', schedule: null, schedule_id: null, next_runs: [] });
    await expect(schedule('archive_on_demand').describe()).rejects.toThrow(/not found/i);
  });
});

describe('changing a process', () => {
  it('moves the schedule in Temporal in the same request', async () => {
    const res = await inject('PATCH', `/processes/${TEAM.name}`, {
      schedule: { hour: 6, minute: 45 },
      description: 'earlier',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      schedule: { hour: 6, minute: 45, timezone: 'Europe/London' },
      description: 'earlier',
    });
    expect(res.json<{ next_runs: string[] }>().next_runs[0] ?? '').toMatch(/T06:45:00(\+01:00|Z|\+00:00)$/);
    await expectDatabaseAndTemporalAgree();
  });

  it('changes the time of a row that SQL wrote with keys of its own, and stores the checked schedule', async () => {
    await sql(
      api.db.orm,
      `UPDATE automated_processes SET schedule_config = schedule_config::jsonb || '{"written_by": "behflow"}' WHERE name = ?`,
      [TEAM.name],
    );
    const res = await inject('PATCH', `/processes/${TEAM.name}`, { schedule: { minute: 50 } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ schedule: { hour: 6, minute: 50, timezone: 'Europe/London' } });
    const [row] = await sql(api.db.orm, 'SELECT schedule_config FROM automated_processes WHERE name = ?', [TEAM.name]);
    expect(row).toEqual({ schedule_config: { hour: 6, minute: 50, timezone: 'Europe/London' } });
    await expectDatabaseAndTemporalAgree();
  });

  it('pauses the schedule when disabled and resumes it when enabled', async () => {
    expect((await inject('PATCH', `/processes/${TEAM.name}`, { enabled: false })).json()).toMatchObject({
      enabled: false,
      paused: true,
      pause_note: DISABLED_NOTE,
      next_runs: [],
    });
    await expectDatabaseAndTemporalAgree();
    expect((await inject('PATCH', `/processes/${TEAM.name}`, { enabled: true })).json()).toMatchObject({
      enabled: true,
      paused: false,
    });
    await expectDatabaseAndTemporalAgree();
  });

  it.each([
    [{}, 'body'],
    [{ schedule: { hour: 99 } }, 'body.schedule.hour'],
    [{ schedule: { timezone: 'Nowhere/City' } }, 'body.schedule.timezone'],
    [{ config: { older_than_days: 5 } }, 'body.config.older_than_days'],
    [{ nickname: 'x' }, 'body.nickname'],
  ])('refuses %j with 400 naming %s, and changes nothing', async (body, field) => {
    const before = await snapshot();
    const res = await inject('PATCH', `/processes/${TEAM.name}`, body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field });
    expect(await snapshot()).toEqual(before);
  });

  it('answers 404 for an unknown process', async () => {
    expect((await inject('PATCH', '/processes/nobody_here', { description: 'x' })).statusCode).toBe(404);
  });
});

describe('pause and resume', () => {
  it('pauses with a note the Web UI shows, which a reload does not undo, and resumes', async () => {
    const paused = await inject('POST', `/processes/${TEAM.name}/pause`, { note: 'team offsite' });
    expect(paused.json()).toMatchObject({ enabled: false, paused: true, pause_note: 'team offsite' });
    expect((await schedule(TEAM.name).describe()).state).toMatchObject({ paused: true, note: 'team offsite' });

    await reconcileSchedules({
      orm: api.db.orm,
      client: api.temporal.client,
      registry: PROCESS_REGISTRY,
      settings: { taskQueue: api.config.taskQueue, catchupWindowMinutes: 240 },
      logger: silentLogger,
    });
    expect((await schedule(TEAM.name).describe()).state).toMatchObject({ paused: true, note: 'team offsite' });

    const resumed = await inject('POST', `/processes/${TEAM.name}/resume`);
    expect(resumed.json()).toMatchObject({ enabled: true, paused: false });
    await expectDatabaseAndTemporalAgree();
  });

  it('refuses an unknown field in the note body', async () => {
    expect((await inject('POST', `/processes/${TEAM.name}/pause`, { reason: 'x' })).json()).toMatchObject({
      statusCode: 400,
      field: 'body.reason',
    });
  });
});

describe('deleting a process', () => {
  it('removes the schedule, keeps the execution history readable, and frees the name', async () => {
    const [{ process_id: processId } = { process_id: '' }] = await sql<{ process_id: string }>(
      api.db.orm,
      'SELECT process_id FROM automated_processes WHERE name = ?',
      [TEAM.name],
    );
    await sql(
      api.db.orm,
      `INSERT INTO automated_process_executions (execution_id, process_id, status, started_at) VALUES (gen_random_uuid(), ?, 'completed', now())`,
      [processId],
    );

    expect((await inject('DELETE', `/processes/${TEAM.name}`)).statusCode).toBe(204);

    await expect(schedule(TEAM.name).describe()).rejects.toThrow(/not found/i);
    expect((await inject('GET', `/processes/${TEAM.name}`)).statusCode).toBe(404);
    const history = await sql(api.db.orm, 'SELECT 1 FROM automated_process_executions WHERE process_id = ?', [
      processId,
    ]);
    expect(history).toHaveLength(1);
    expect((await inject('POST', '/processes', TEAM)).statusCode).toBe(201);
    await expectDatabaseAndTemporalAgree();
    expect((await inject('DELETE', '/processes/nobody_here')).statusCode).toBe(404);
  });
});

describe('when Temporal cannot be reached', () => {
  let broken: TestApi;
  beforeAll(async () => {
    broken = await buildTestApi({ client: unavailableSchedules });
  });
  afterAll(async () => {
    await broken.close();
  });

  it('a create answers 503, hides internals, and leaves no row behind', async () => {
    const res = await broken.app.inject({
      method: 'POST',
      url: '/processes',
      headers: AUTH,
      payload: { ...TEAM, name: 'never_created' },
    });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      statusCode: 503,
      code: 'DEPENDENCY_UNAVAILABLE',
      error: 'Service Unavailable',
      message: 'Temporal cannot be reached; try again later',
      dependency: 'Temporal',
    });
    expect(await sql(broken.db.orm, "SELECT 1 FROM automated_processes WHERE name = 'never_created'")).toEqual([]);
  });

  it('a change answers 503 and the row keeps its old values', async () => {
    const before = await sql(broken.db.orm, 'SELECT schedule_config FROM automated_processes WHERE name = ?', [
      RESCHEDULE,
    ]);
    const res = await broken.app.inject({
      method: 'PATCH',
      url: `/processes/${RESCHEDULE}`,
      headers: AUTH,
      payload: { schedule: { hour: 9 } },
    });
    expect(res.statusCode).toBe(503);
    expect(
      await sql(broken.db.orm, 'SELECT schedule_config FROM automated_processes WHERE name = ?', [RESCHEDULE]),
    ).toEqual(before);
  });
});

/** A client whose schedule calls fail as when the server is down. */
function unavailableSchedules(real: Client): Client {
  const fail = () => {
    throw new ServiceError('Failed to reach Temporal', {
      cause: Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: GrpcStatus.UNAVAILABLE }),
    });
  };
  const schedule = new Proxy(real.schedule, {
    get: (target, prop, receiver) =>
      prop === 'create' || prop === 'getHandle' ? fail : Reflect.get(target, prop, receiver),
  });
  return new Proxy(real, {
    get: (target, prop, receiver) => (prop === 'schedule' ? schedule : Reflect.get(target, prop, receiver)),
  });
}
