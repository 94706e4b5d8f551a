import { Type, type Static } from '@sinclair/typebox';
import { ProcessName, Timestamp } from './common';
import { MAX_BACKFILL_DAYS, TriggerAccepted } from './runs';

// ---------- POST /executions/:id/rerun ----------

export const RerunAccepted = Type.Object({
  ...TriggerAccepted.properties,
  rerun_of: Type.String({ format: 'uuid', description: 'The execution this run reruns, for its logical time' }),
});
export type RerunAccepted = Static<typeof RerunAccepted>;

// ---------- POST /processes/:name/rerun-failed ----------

export const MAX_RERUN_DAYS = MAX_BACKFILL_DAYS;
/** At most this many failed executions per request, the earliest first. */
export const MAX_RERUNS = 100;

const LocalDate = Type.String({
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
  description: 'A local date in the process zone, YYYY-MM-DD',
});

export const RerunFailedBody = Type.Object(
  { from: LocalDate, to: LocalDate },
  {
    additionalProperties: false,
    description:
      `The process's failed executions whose logical time falls on a local day from \`from\` to \`to\` (both ` +
      `included, at most ${MAX_RERUN_DAYS} days) and that were not rerun yet`,
  },
);
export type RerunFailedBody = Static<typeof RerunFailedBody>;

export const PlannedRerun = Type.Object({
  rerun_of: Type.String({ format: 'uuid', description: 'The failed execution' }),
  execution_id: Type.String({ format: 'uuid', description: "The rerun's execution, once it starts" }),
  logical_time: Timestamp,
  workflow_id: Type.String(),
});

export const RerunFailedAccepted = Type.Object({
  process_name: ProcessName,
  timezone: Type.String({ description: 'The zone the dates are read in: the process zone' }),
  from: LocalDate,
  to: LocalDate,
  workflow_id: Type.Union([Type.String(), Type.Null()], {
    description: 'The workflow running the reruns one after another; null when there is nothing to rerun',
  }),
  count: Type.Integer({ description: 'How many reruns will run' }),
  reruns: Type.Array(PlannedRerun, { description: 'In the order they run: by logical time' }),
  truncated: Type.Boolean({ description: `true: more than ${MAX_RERUNS} failed; the earliest ${MAX_RERUNS} rerun` }),
  web_ui_url: Type.Union([Type.String(), Type.Null()]),
  message: Type.String(),
});
export type RerunFailedAccepted = Static<typeof RerunFailedAccepted>;
