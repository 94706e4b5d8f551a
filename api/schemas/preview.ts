import { Type, type Static } from '@sinclair/typebox';

// ---------- GET /processes/:name/preview ----------

export const PreviewQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'How many of the tasks to list' }),
    ),
  },
  { additionalProperties: false },
);
export type PreviewQuery = Static<typeof PreviewQuery>;

const NullableString = Type.Union([Type.String(), Type.Null()]);

export const PreviewTask = Type.Object({
  task_id: Type.String({ format: 'uuid' }),
  user_id: Type.String({ format: 'uuid' }),
  title: Type.String(),
  status: Type.String(),
  due_date_gregorian: Type.Optional(
    Type.Union([Type.String(), Type.Null()], { description: 'Moves: the due date now, in the zone of the run' }),
  ),
  new_due_date_gregorian: Type.Optional(Type.String({ description: 'Moves: the due date the run would write' })),
  due_date_jalali: Type.Optional(NullableString),
  new_due_date_jalali: Type.Optional(Type.String({ description: 'Moves: the Jalali due date the run would write' })),
  completed_at: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'Archives: completed when' })),
  add_tag: Type.Optional(Type.String({ description: 'Archives: the tag the run would add' })),
});

export const ProcessPreview = Type.Object({
  process: Type.String(),
  implementation: Type.String(),
  as_of: Type.String({ description: 'The instant previewed, in the process zone (ISO-8601 with its offset)' }),
  timezone: Type.String({ description: "The zone of the run's day" }),
  day: Type.String({ description: 'The local day a run now would be for, YYYY-MM-DD' }),
  would_change: Type.Integer({ minimum: 0, description: 'How many tasks a run now would change' }),
  sample: Type.Array(PreviewTask, { description: 'Up to limit of them, in the order the implementation lists them' }),
  sample_size: Type.Integer({ minimum: 0 }),
  notes: Type.Array(Type.String(), {
    description: 'What makes a run differ from the obvious reading: a setting, an event-driven process',
  }),
  details: Type.Optional(
    Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]), {
      description: 'Facts of the run particular to the implementation, e.g. the archive cutoff',
    }),
  ),
});
export type ProcessPreview = Static<typeof ProcessPreview>;
