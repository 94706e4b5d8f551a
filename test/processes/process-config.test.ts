import { parseArchiveConfig } from '../../activities/archive-completed-tasks';
import { parseRescheduleConfig } from '../../activities/reschedule-remaining-tasks';
import type { Orm } from '../../db/orm';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { createRegisteredActivities } from '../../worker/create-worker';
import { parseSchedule } from '../../config/schedule';
import { USER_A } from '../helpers/fixtures';

describe('reschedule process_config', () => {
  it("accepts Behflow's own row and defaults to pending and in-progress for every user", () => {
    expect(parseRescheduleConfig({ include_statuses: ['pending', 'in_progress'], update_to_today: true })).toEqual({
      includeStatuses: ['pending', 'in_progress'],
      userIds: null,
      updateToToday: true,
    });
    expect(parseRescheduleConfig(null)).toEqual({
      includeStatuses: ['pending', 'in_progress'],
      userIds: null,
      updateToToday: true,
    });
  });

  it.each([
    [
      { include_statuses: ['completed'] },
      'process_config.include_statuses must be a non-empty list of pending, in_progress',
    ],
    [{ include_statuses: [] }, 'process_config.include_statuses'],
    [{ user_ids: ['not-a-uuid'] }, 'process_config.user_ids must be a non-empty list of user ids (UUIDs)'],
    [{ update_to_today: 'yes' }, 'process_config.update_to_today must be true or false'],
    [
      { colour: 'blue' },
      'process_config.colour is not a known key; allowed keys are: include_statuses, update_to_today, user_ids',
    ],
    [[1, 2], 'process_config must be a JSON object'],
  ])('rejects %j naming the field and the rule', (raw, message) => {
    expect(() => parseRescheduleConfig(raw)).toThrow(message);
  });

  it('normalises user ids', () => {
    expect(parseRescheduleConfig({ user_ids: [USER_A.toUpperCase(), USER_A] }).userIds).toEqual([USER_A]);
  });
});

describe('archive process_config', () => {
  it('defaults to 30 days and rejects nonsense', () => {
    expect(parseArchiveConfig({})).toEqual({ olderThanDays: 30, userIds: null });
    expect(() => parseArchiveConfig({ older_than_days: 0 })).toThrow(
      'process_config.older_than_days must be a whole number from 1 to 3650',
    );
  });
});

describe('schedule_config', () => {
  it('reads a row written with keys of its own, as before, while the API refuses them', () => {
    const row = { hour: 7, minute: 30, timezone: 'UTC', written_by: 'behflow' };
    expect(parseSchedule(row, 'schedule_config', { ignoreUnknownKeys: true })).toEqual({
      hour: 7,
      minute: 30,
      timezone: 'UTC',
    });
    expect(() => parseSchedule(row, 'body.schedule')).toThrow('body.schedule.written_by is not a known key');
  });

  it('accepts and canonicalises a good one', () => {
    expect(parseSchedule({ hour: 7, minute: 30, timezone: 'asia/tehran' }, 'schedule_config')).toEqual({
      hour: 7,
      minute: 30,
      timezone: 'Asia/Tehran',
    });
  });

  it.each([
    [{ hour: 24, minute: 0, timezone: 'UTC' }, 'schedule_config.hour must be a whole number from 0 to 23'],
    [{ hour: 1, minute: 60, timezone: 'UTC' }, 'schedule_config.minute must be a whole number from 0 to 59'],
    [{ hour: 1, minute: 0, timezone: 'Nowhere/City' }, 'schedule_config.timezone must be an IANA time zone'],
    [{ hour: 1, minute: 0 }, 'schedule_config.timezone must be an IANA time zone'],
    [{ hour: 1.5, minute: 0, timezone: 'UTC' }, 'schedule_config.hour must be a whole number from 0 to 23'],
    [
      { hour: 1, minute: 0, timezone: 'UTC', day: 2 },
      'schedule_config.day is not a known key; allowed keys are: hour, minute, timezone',
    ],
    ['07:30', 'schedule_config must be a JSON object'],
  ])('rejects %j', (raw, message) => {
    expect(() => parseSchedule(raw, 'schedule_config')).toThrow(message);
  });
});

describe('the registry', () => {
  const deps = { orm: {} as Orm, batchSize: 1 };

  it("registers every process's activities, and refuses two processes offering one activity name", () => {
    expect(Object.keys(createRegisteredActivities(PROCESS_REGISTRY, deps))).toEqual(
      expect.arrayContaining(['beginExecution', 'rescheduleRemainingTasks', 'archiveCompletedTasks']),
    );
    const copy = { ...PROCESS_REGISTRY[1]!, name: 'archive_again' };
    expect(() => createRegisteredActivities([...PROCESS_REGISTRY, copy], deps)).toThrow(
      'process "archive_again" registers activity "archiveCompletedTasks", already registered by process "archive_completed_tasks"',
    );
  });

  it('gives every process a default config its own parser accepts', () => {
    for (const definition of PROCESS_REGISTRY) {
      expect(() => definition.validateProcessConfig(definition.defaultProcessConfig)).not.toThrow();
    }
  });

  it('names workflows that their modules export', async () => {
    for (const { workflow } of PROCESS_REGISTRY) {
      const exported = (await import(workflow.module)) as Record<string, unknown>;
      expect(typeof exported[workflow.type]).toBe('function');
    }
  });
});
