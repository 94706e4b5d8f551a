import { scopeOfRun } from '../../activities/event-scope';
import type { RunContext } from '../../activities/run-types';
import { InvalidProcessConfigError } from '../../config/process-config';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';

/** 2026-12-01T21:00Z: already 2026-12-02 in Tehran (+03:30), still 2026-12-01 in UTC and New York. */
const RUN: RunContext = {
  executionId: 'e',
  processId: 'p',
  processName: 'reschedule_on_day_start',
  timezone: 'UTC',
  logicalTime: '2026-12-01T21:00:00.000Z',
  day: '2026-12-01',
  processConfig: {},
};
const withData = (data: Record<string, unknown>): RunContext => ({
  ...RUN,
  event: { id: 'evt', name: 'user.day_started', data },
});

describe('scopeOfRun', () => {
  it('leaves a run without an event as its process has it', () => {
    expect(scopeOfRun(RUN, [A])).toEqual({ timezone: 'UTC', day: '2026-12-01', userIds: [A] });
    expect(scopeOfRun(withData({}), null)).toEqual({ timezone: 'UTC', day: '2026-12-01', userIds: null });
  });

  it("narrows to data.user_id and data.user_ids, within the process's own user_ids", () => {
    expect(scopeOfRun(withData({ user_id: A }), null).userIds).toEqual([A]);
    expect(scopeOfRun(withData({ user_id: A, user_ids: [B, A] }), null).userIds).toEqual([A, B]);
    expect(scopeOfRun(withData({ user_ids: [A, C] }), [A, B]).userIds).toEqual([A]);
    expect(scopeOfRun(withData({ user_id: C }), [A, B]).userIds).toEqual([]);
  });

  it("takes data.timezone's today at the run's logical time", () => {
    expect(scopeOfRun(withData({ timezone: 'Asia/Tehran' }), null)).toMatchObject({
      timezone: 'Asia/Tehran',
      day: '2026-12-02',
    });
    expect(scopeOfRun(withData({ timezone: 'America/New_York' }), null).day).toBe('2026-12-01');
  });

  it.each([
    [{ user_id: 'not-a-uuid' }, 'event.data.user_id'],
    [{ user_ids: [] }, 'event.data.user_ids'],
    [{ timezone: 'Mars/Olympus' }, 'event.data.timezone'],
    [{ timezone: 7 }, 'event.data.timezone'],
  ])('refuses %j naming %s', (data, field) => {
    expect(() => scopeOfRun(withData(data), null)).toThrow(InvalidProcessConfigError);
    expect(() => scopeOfRun(withData(data), null)).toThrow(field);
  });
});
