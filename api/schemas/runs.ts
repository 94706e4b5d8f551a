import { Type, type Static } from '@sinclair/typebox';
import { NullableTimestamp, ProcessName, Timestamp, UUID_PATTERN, YEAR_1_OR_LATER } from './common';
import { ExecutionStatus, type ExecutionView } from './execution';

/** `$ref: Execution`, typed as the execution view (app.ts adds the shared schema). */
export const ExecutionRef = Type.Unsafe<ExecutionView>(Type.Ref('Execution'));

// ---------- POST /processes/:name/trigger ----------

export const TriggerQuery = Type.Object(
  {
    wait: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'true: wait (at most 5 minutes) for the run to finish and answer 200 with its execution',
      }),
    ),
  },
  { additionalProperties: false },
);
export type TriggerQuery = Static<typeof TriggerQuery>;

export const IDEMPOTENCY_KEY_PATTERN = '^[A-Za-z0-9._:-]+$';

/** Headers keep additionalProperties: every request carries others (authorization, host, ...). */
export const TriggerHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: IDEMPOTENCY_KEY_PATTERN,
      description:
        '1 to 200 characters of A-Z a-z 0-9 . _ : -. Stored with the answer for at least 24 hours, per process: a ' +
        'replay with the same key answers what the first request answered (status and body) and starts nothing',
    }),
  ),
});
export type TriggerHeaders = Static<typeof TriggerHeaders>;

export const RunStatus = Type.Union(
  ['pending', 'running', 'completed', 'failed'].map((s) => Type.Literal(s)),
  {
    description:
      'pending: no worker has picked the run up yet (the execution row appears when one does); running, ' +
      'completed, failed: the execution row says so',
  },
);

export const TriggerAccepted = Type.Object({
  execution_id: Type.String({ format: 'uuid' }),
  process_name: ProcessName,
  workflow_id: Type.String(),
  run_id: Type.String({ description: 'The Temporal run id' }),
  status: RunStatus,
  web_ui_url: Type.String({ description: 'The run in the Temporal Web UI' }),
  execution_url: Type.String({ description: 'Where this API shows the execution: /executions/<execution_id>' }),
  message: Type.String(),
});
export type TriggerAccepted = Static<typeof TriggerAccepted>;

/** 409 of the run routes: the error shape, plus the execution in progress for RUN_IN_PROGRESS. */
export const RunConflict = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String({
    description:
      'RUN_IN_PROGRESS, NO_IMPLEMENTATION, RUN_NOT_STARTED, IDEMPOTENCY_KEY_IN_PROGRESS, NO_SCHEDULE, SCHEDULE_MISSING, PROCESS_DELETED or NO_LOGICAL_TIME',
  }),
  error: Type.String(),
  message: Type.String(),
  execution: Type.Optional(ExecutionRef),
});
export type RunConflict = Static<typeof RunConflict>;

// ---------- POST /processes/:name/backfill ----------

export const MAX_BACKFILL_DAYS = 31;
export const MAX_BACKFILL_TIMES_LISTED = 100;

export const BackfillBody = Type.Object(
  {
    start: Timestamp,
    end: Timestamp,
  },
  {
    additionalProperties: false,
    description:
      `The schedule's times from start to end, both included (one per local day, as the schedule fires); ` +
      `at most ${MAX_BACKFILL_DAYS} days, not in the future`,
  },
);
export type BackfillBody = Static<typeof BackfillBody>;

export const BackfillAccepted = Type.Object({
  process_name: ProcessName,
  schedule_id: Type.String(),
  workflow_id: Type.Union([Type.String(), Type.Null()], {
    description: 'The backfill workflow running the times one after another; null when no time falls in the range',
  }),
  start: Timestamp,
  end: Timestamp,
  overlap: Type.Literal('BUFFER_ALL', { description: 'The runs go one after another, never overlapping' }),
  count: Type.Integer({
    description:
      "How many of the schedule's times fall in the range (the firing rule's: a time in a DST gap moves " +
      'forward by the gap, one in a fold runs once, at the earlier instant): the runs to come',
  }),
  times: Type.Array(Type.String(), {
    description: `The first ${MAX_BACKFILL_TIMES_LISTED} of those times, in the process zone with offset`,
  }),
  times_truncated: Type.Boolean(),
  web_ui_url: Type.String({
    description: 'The backfill workflow in the Temporal Web UI (the schedule when nothing was started)',
  }),
  message: Type.String(),
});
export type BackfillAccepted = Static<typeof BackfillAccepted>;

// ---------- GET /processes/:name/executions, /executions/:id, /executions/:id/tasks ----------

export const DEFAULT_PAGE_SIZE = 20;
const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: DEFAULT_PAGE_SIZE }));
const Cursor = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'next_cursor of the previous page; omit for the first page',
});

/** What can start a run (db/entities/enums.ts RunTrigger); Behflow-era rows have none. */
export const RUN_TRIGGERS = ['schedule', 'manual', 'backfill', 'rerun', 'event', 'chain'] as const;
export const RunTriggerValue = Type.Union(
  RUN_TRIGGERS.map((t) => Type.Literal(t)),
  { description: 'Only runs with this trigger' },
);

export const ExecutionsQuery = Type.Object(
  {
    status: Type.Optional(ExecutionStatus),
    trigger: Type.Optional(RunTriggerValue),
    from: Type.Optional(
      Type.String({
        format: 'date-time',
        pattern: YEAR_1_OR_LATER,
        description: 'started_at at or after this instant',
      }),
    ),
    to: Type.Optional(
      Type.String({ format: 'date-time', pattern: YEAR_1_OR_LATER, description: 'started_at before this instant' }),
    ),
    limit: Limit,
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type ExecutionsQuery = Static<typeof ExecutionsQuery>;

export const ExecutionPage = Type.Object({
  items: Type.Array(ExecutionRef, {
    description: 'Newest first (started_at, then execution_id, descending; rows without started_at last)',
  }),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page' }),
});
export type ExecutionPage = Static<typeof ExecutionPage>;

export const ExecutionParams = Type.Object(
  { id: Type.String({ format: 'uuid', pattern: UUID_PATTERN, description: 'execution_id' }) },
  { additionalProperties: false },
);

export const TaskMovesQuery = Type.Object(
  { limit: Limit, cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);
export type TaskMovesQuery = Static<typeof TaskMovesQuery>;

export const TaskMoveView = Type.Object({
  task_id: Type.String({ format: 'uuid' }),
  old_due_gregorian: NullableTimestamp,
  new_due_gregorian: Timestamp,
  old_due_jalali: Type.Union([Type.String(), Type.Null()]),
  new_due_jalali: Type.String(),
  moved_at: Timestamp,
});
export type TaskMoveView = Static<typeof TaskMoveView>;

export const TaskMovePage = Type.Object({
  items: Type.Array(TaskMoveView, { description: 'In the order the run moved them' }),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page' }),
});
export type TaskMovePage = Static<typeof TaskMovePage>;
