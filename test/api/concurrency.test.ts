import { firingTimeOf } from '../helpers/schedule-spec';
import { scheduleIdFor } from '../../temporal/ids';
import { sql } from '../helpers/database';
import { AUTH, buildTestApi, type TestApi, WRITE } from './helpers';

let api: TestApi;
beforeAll(async () => {
  api = await buildTestApi();
});
afterAll(async () => {
  await api.close();
});

const RESCHEDULE = 'reschedule_remaining_tasks';

function inject(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) {
  return api.app.inject({
    method,
    url,
    headers: method === 'GET' ? AUTH : WRITE,
    ...(payload === undefined ? {} : { payload }),
  });
}

/** The process's row and its Temporal schedule, side by side. */
async function rowAndSchedule(name: string) {
  const [row] = await sql<{ schedule_config: { hour: number; minute: number; timezone: string }; is_enabled: boolean }>(
    api.db.orm,
    'SELECT schedule_config, is_enabled FROM automated_processes WHERE name = ?',
    [name],
  );
  const described = await api.temporal.client.schedule.getHandle(scheduleIdFor(name, api.config)).describe();
  return {
    row: {
      hour: row?.schedule_config.hour,
      minute: row?.schedule_config.minute,
      timezone: row?.schedule_config.timezone,
      paused: !row?.is_enabled,
    },
    temporal: {
      ...firingTimeOf(described),
      paused: described.state.paused,
    },
    note: described.state.note,
  };
}

describe('concurrent writes', () => {
  it('six concurrent creates with one name answer one 201 and five 409s', async () => {
    const body = {
      name: 'raced_create',
      implementation: RESCHEDULE,
      schedule: { hour: 6, minute: 0, timezone: 'UTC' },
    };
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => inject('POST', '/processes', body)));
    const statuses = answers.map((a) => a.statusCode).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    for (const a of answers.filter((x) => x.statusCode === 409)) expect(a.json()).toMatchObject({ code: 'NAME_TAKEN' });
    expect(await sql(api.db.orm, "SELECT 1 FROM automated_processes WHERE name = 'raced_create'")).toHaveLength(1);
  });

  it('two concurrent PATCHes, hour and minute, both survive (in the row and in Temporal)', async () => {
    for (const [hour, minute] of [
      [5, 17],
      [8, 41],
      [11, 3],
    ] as const) {
      const answers = await Promise.all([
        inject('PATCH', `/processes/${RESCHEDULE}`, { schedule: { hour } }),
        inject('PATCH', `/processes/${RESCHEDULE}`, { schedule: { minute } }),
      ]);
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200]);
      const { row, temporal } = await rowAndSchedule(RESCHEDULE);
      expect(row).toEqual({ hour, minute, timezone: 'Asia/Tehran', paused: false });
      expect(temporal).toEqual(row);
    }
  });

  it('twenty concurrent PATCH, pause and resume calls lose no change, and PostgreSQL and Temporal agree', async () => {
    const hours = [1, 2, 3, 4, 5];
    const minutes = [11, 12, 13, 14, 15];
    const calls = Array.from({ length: 20 }, (_, i) => {
      const k = Math.floor(i / 4);
      switch (i % 4) {
        case 0:
          return inject('PATCH', `/processes/${RESCHEDULE}`, { schedule: { hour: hours[k] } });
        case 1:
          return inject('PATCH', `/processes/${RESCHEDULE}`, { schedule: { minute: minutes[k] } });
        case 2:
          return inject('POST', `/processes/${RESCHEDULE}/pause`, { note: 'team offsite' });
        default:
          return inject('POST', `/processes/${RESCHEDULE}/resume`);
      }
    });
    const answers = await Promise.all(calls);
    expect(answers.filter((a) => a.statusCode !== 200).map((a) => a.body)).toEqual([]);
    // Each change of a field is kept until a later one (by commit: updated_at) changes it again.
    const views = answers.map((a) => a.json<{ schedule: { hour: number; minute: number }; updated_at: string }>());
    const lastOf = (kind: number) =>
      views.filter((_, i) => i % 4 === kind).sort((a, b) => a.updated_at.localeCompare(b.updated_at))[4]!;
    const expected = { hour: lastOf(0).schedule.hour, minute: lastOf(1).schedule.minute };
    const { row, temporal, note } = await rowAndSchedule(RESCHEDULE);
    expect({ hour: row.hour, minute: row.minute }).toEqual(expected);
    expect(temporal).toEqual(row);
    if (row.paused) expect(note).toBe('team offsite');
    expect((await inject('GET', `/processes/${RESCHEDULE}`)).json()).toMatchObject({
      schedule: expected,
      paused: row.paused,
      enabled: !row.paused,
    });
  });
});
