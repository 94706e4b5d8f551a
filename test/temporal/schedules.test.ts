import { PROCESS_REGISTRY } from '../../processes/registry';
import { scheduleIdFor } from '../../temporal/ids';
import { DISABLED_NOTE } from '../../temporal/schedule-options';
import { syncSchedule } from '../../temporal/schedules';
import { connectTestTemporal, type TestTemporal } from '../helpers/temporal';
import { firingTimeOf } from '../helpers/schedule-spec';

const definition = PROCESS_REGISTRY[0]!;
const SCHEDULE = { hour: 7, minute: 30, timezone: 'Asia/Tehran' };

let temporal: TestTemporal;
let settings: { taskQueue: string; catchupWindowMinutes: number };

beforeAll(async () => {
  temporal = await connectTestTemporal();
  settings = { taskQueue: temporal.taskQueue, catchupWindowMinutes: 240 };
});
afterAll(async () => {
  await temporal.client.schedule
    .getHandle(scheduleIdFor('one_write', temporal))
    .delete()
    .catch(() => undefined);
  await temporal.close();
});

/** Counts the schedule calls that reach Temporal while `action` runs. */
async function callsDuring(action: () => Promise<unknown>): Promise<Record<string, number>> {
  const service = temporal.client.workflowService;
  const names = ['describeSchedule', 'createSchedule', 'updateSchedule', 'patchSchedule'] as const;
  const spies = names.map((name) => jest.spyOn(service, name));
  try {
    await action();
    return Object.fromEntries(names.map((name, i) => [name, spies[i]!.mock.calls.length]));
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

describe("a process's schedule in Temporal", () => {
  const process = { name: 'one_write', description: 'test', isEnabled: true };
  const sync = (p = process, schedule = SCHEDULE, explicit?: { paused: boolean; note: string }) =>
    syncSchedule(temporal.client, p, schedule, definition, settings, explicit);

  it('is created, changed, paused and resumed with one describe and at most one write each', async () => {
    expect(await callsDuring(() => sync())).toEqual({
      describeSchedule: 1,
      createSchedule: 1,
      updateSchedule: 0,
      patchSchedule: 0,
    });
    expect(await callsDuring(() => sync())).toEqual({
      describeSchedule: 1,
      createSchedule: 0,
      updateSchedule: 0,
      patchSchedule: 0,
    });
    // A new time and a disabled row together: one write carries both.
    const disabled = { ...process, isEnabled: false };
    let outcome: string[] = [];
    expect(await callsDuring(async () => (outcome = await sync(disabled, { ...SCHEDULE, hour: 8 })))).toEqual({
      describeSchedule: 1,
      createSchedule: 0,
      updateSchedule: 1,
      patchSchedule: 0,
    });
    expect(outcome).toEqual(['updated', 'paused']);
    const handle = temporal.client.schedule.getHandle(scheduleIdFor('one_write', temporal));
    const paused = await handle.describe();
    expect(paused.state).toMatchObject({ paused: true, note: DISABLED_NOTE });
    expect(firingTimeOf(paused)).toEqual({ ...SCHEDULE, hour: 8 });

    expect(await sync(process, { ...SCHEDULE, hour: 8 }, { paused: false, note: 'back to work' })).toEqual([
      'unpaused',
    ]);
    expect((await handle.describe()).state).toMatchObject({ paused: false, note: 'back to work' });
  });

  it('keeps a pause made elsewhere (Web UI, CLI) while the row stays enabled', async () => {
    const handle = temporal.client.schedule.getHandle(scheduleIdFor('one_write', temporal));
    await handle.pause('maintenance window');
    expect(await sync(process, { ...SCHEDULE, minute: 45 })).toEqual(['updated']);
    expect((await handle.describe()).state).toMatchObject({ paused: true, note: 'maintenance window' });
  });
});
