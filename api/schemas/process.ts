import { Type, type Static } from '@sinclair/typebox';
import { ScheduleSchema } from '../../config/schedule';
import { NullableTimestamp, ProcessName, Timestamp } from './common';
import type { ProcessPolicy } from '../../config/policy';
import { ExecutionView } from './execution';
import { EventName } from './events';
import { AfterBody, RequiresBody } from './chains';
import { ConcurrencyBody, OverlapBody } from './concurrency';
import { PolicyBody } from './policy';

/** The one schedule schema (config/schedule.ts): what the environment's defaults and the rows are checked by. */
export const ScheduleBody = ScheduleSchema;

export const ConfigBody = Type.Record(Type.String(), Type.Unknown(), {
  description: "The implementation's process_config; unknown keys are refused",
});

/** What an event-based process runs on: an event name, and equality on fields of the event's data. */
export const EventBinding = Type.Object(
  {
    name: EventName,
    filter: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Type.Unknown(), {
        description: 'Runs only for events whose data has each of these fields equal to the value given',
      }),
    ),
  },
  { additionalProperties: false },
);
export type EventBinding = Static<typeof EventBinding>;

export const CreateProcessBody = Type.Object(
  {
    name: ProcessName,
    implementation: Type.String({ description: 'A registered implementation, e.g. reschedule_remaining_tasks' }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    schedule: Type.Optional(
      Type.Union([ScheduleBody, Type.Null()], {
        description: "Daily run time; omitted: the implementation's default; null: manual only",
      }),
    ),
    config: Type.Optional(ConfigBody),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    policy: Type.Optional(PolicyBody),
    trigger_type: Type.Optional(
      Type.Union([Type.Literal('time_based'), Type.Literal('manual'), Type.Literal('event_based')], {
        description:
          'event_based: no schedule, runs for each event matching `event` (POST /events, the outbox); ' +
          'otherwise as the schedule says (time_based with one, manual without)',
      }),
    ),
    event: Type.Optional(EventBinding),
    after: Type.Optional(AfterBody),
    requires: Type.Optional(RequiresBody),
    concurrency: Type.Optional(ConcurrencyBody),
    overlap: Type.Optional(OverlapBody),
  },
  { additionalProperties: false },
);
export type CreateProcessBody = Static<typeof CreateProcessBody>;

export const UpdateProcessBody = Type.Object(
  {
    description: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
    schedule: Type.Optional(
      Type.Partial(ScheduleSchema, { additionalProperties: false, description: 'Fields left out keep their value' }),
    ),
    config: Type.Optional(ConfigBody),
    enabled: Type.Optional(Type.Boolean()),
    policy: Type.Optional(PolicyBody),
    after: Type.Optional(AfterBody),
    requires: Type.Optional(RequiresBody),
    concurrency: Type.Optional(ConcurrencyBody),
    overlap: Type.Optional(OverlapBody),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateProcessBody = Static<typeof UpdateProcessBody>;

export const ProcessView = Type.Object(
  {
    name: ProcessName,
    description: Type.Union([Type.String(), Type.Null()]),
    implementation: Type.String(),
    trigger_type: Type.String(),
    event: Type.Union([EventBinding, Type.Null()], {
      description: 'An event-based process: the events it runs on; else null',
    }),
    schedule: Type.Union([
      ScheduleBody,
      Type.Null(),
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'schedule_config as stored, when it breaks the rules (schedule_error says how)',
      }),
    ]),
    schedule_error: Type.Union([Type.String(), Type.Null()], {
      description:
        'Why the stored schedule_config cannot be used (its schedule is paused until a PATCH repairs it), or null',
    }),
    config: Type.Record(Type.String(), Type.Unknown()),
    policy: Type.Unsafe<ProcessPolicy>({
      ...PolicyBody,
      description: 'The effective failure policy, every key filled in; secrets shown as "***"',
    }),
    after: AfterBody,
    requires: RequiresBody,
    concurrency: ConcurrencyBody,
    overlap: OverlapBody,
    waiting_runs: Type.Integer({
      description: 'Runs of this process waiting for a slot (status pending; each says why in waiting_reason)',
    }),
    enabled: Type.Boolean(),
    paused: Type.Boolean({ description: 'Whether the Temporal schedule is paused' }),
    pause_note: Type.Union([Type.String(), Type.Null()]),
    next_runs: Type.Array(Type.String(), { description: 'Next 5 run times, in the process zone with offset' }),
    recent_runs: Type.Array(Type.Ref(ExecutionView)),
    skipped_overlap: Type.Integer({ description: "Temporal's count of runs skipped because one was in progress" }),
    missed_catchup_window: Type.Integer({ description: "Temporal's count of runs missed past the catch-up window" }),
    nominal_times: Type.Object(
      {
        skipped: Type.Integer({
          description: 'Scheduled or backfilled times not run: the day was covered, or a run was in progress',
        }),
        missed: Type.Integer({ description: 'Scheduled times whose day ended before a run could start' }),
      },
      { description: 'From the ledger (GET /processes/:name/nominal-times), which says why for each' },
    ),
    other_scheduler_runs: Type.Object(
      {
        count_7d: Type.Integer({ description: 'In the last 7 days' }),
        last: Type.Union([Timestamp, Type.Null()], { description: 'When the latest one started' }),
      },
      {
        description:
          "Execution rows of this process this service did not write: Behflow's own scheduler still running " +
          '(see the README, "Switching Behflow over"), or its rows from before the switch',
      },
    ),
    schedule_id: Type.Union([Type.String(), Type.Null()]),
    web_ui_url: Type.String(),
    created_at: Timestamp,
    updated_at: Timestamp,
    last_executed_at: NullableTimestamp,
  },
  { $id: 'Process' },
);
export type ProcessView = Static<typeof ProcessView>;
