import { Type, type Static } from '@sinclair/typebox';
import { Timestamp } from './common';

// ---------- GET /processes/:name/nominal-times ----------

export const NominalOutcome = Type.Union(
  ['ran', 'skipped', 'missed'].map((s) => Type.Literal(s)),
  {
    description:
      'ran: this run held the day (its execution_id); skipped: not run because another run covered the day or ' +
      'was in progress (execution_id names it); missed: its day ended before a run could start (reason says why)',
  },
);

export const NominalTimesQuery = Type.Object(
  {
    outcome: Type.Optional(NominalOutcome),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'next_cursor of the previous page' }),
    ),
  },
  { additionalProperties: false },
);
export type NominalTimesQuery = Static<typeof NominalTimesQuery>;

export const NominalTimeView = Type.Object({
  nominal_time: Type.String({ description: 'The time the schedule (or a backfill) was for, in the process zone' }),
  local_date: Type.String({ description: 'Its day in the process zone, YYYY-MM-DD' }),
  trigger: Type.String({ description: 'schedule or backfill' }),
  outcome: NominalOutcome,
  execution_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  workflow_id: Type.String(),
  recorded_at: Timestamp,
});
export type NominalTimeView = Static<typeof NominalTimeView>;

export const NominalTimePage = Type.Object({
  items: Type.Array(NominalTimeView, { description: 'Newest nominal time first' }),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page' }),
});
export type NominalTimePage = Static<typeof NominalTimePage>;
