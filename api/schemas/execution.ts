import { Type, type Static } from '@sinclair/typebox';
import { NullableTimestamp } from './common';

export const ExecutionStatus = Type.Union(
  ['pending', 'running', 'completed', 'failed', 'disabled'].map((s) => Type.Literal(s)),
);

export const ExecutionView = Type.Object(
  {
    execution_id: Type.String({ format: 'uuid' }),
    process_name: Type.String(),
    status: ExecutionStatus,
    trigger: Type.Union([Type.String(), Type.Null()], {
      description: 'schedule, manual, backfill or rerun; null for Behflow-era rows',
    }),
    logical_time: NullableTimestamp,
    started_at: NullableTimestamp,
    completed_at: NullableTimestamp,
    duration_ms: Type.Union([Type.Integer(), Type.Null()]),
    result: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
      description:
        'the process result; null while running and for a failed run (as Behflow), whose error is error_message',
    }),
    error_message: Type.Union([Type.String(), Type.Null()]),
    workflow_id: Type.Union([Type.String(), Type.Null()]),
    workflow_run_id: Type.Union([Type.String(), Type.Null()]),
    web_ui_url: Type.Union([Type.String(), Type.Null()]),
    rerun_of: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
      description: 'A rerun (trigger rerun): the execution it reruns, for the same logical time; else null',
    }),
    event_id: Type.Union([Type.String(), Type.Null()], {
      description: 'A run started by an event (trigger event): the event id (POST /events, or the outbox); else null',
    }),
    caused_by: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
      description: 'A chained run (trigger chain): the upstream execution whose ending started it; else null',
    }),
    queued_at: {
      ...NullableTimestamp,
      description: 'A run a concurrency limit held back: when it began to wait; else null',
    },
    waiting_reason: Type.Union([Type.String(), Type.Null()], {
      description:
        'While the run waits for a slot (status pending): why, naming the limit and the runs holding it; else null',
    }),
    caused: Type.Optional(
      Type.Array(
        Type.Object({
          process: Type.String(),
          execution_id: Type.String({ format: 'uuid' }),
          started: Type.Boolean({ description: "false while queued (the worker's 30-second pass starts it)" }),
        }),
        {
          description:
            "GET /executions/:id: the chained runs this execution's ending started (their caused_by is this one)",
        },
      ),
    ),
  },
  { $id: 'Execution' },
);
export type ExecutionView = Static<typeof ExecutionView>;
