import { Type, type Static } from '@sinclair/typebox';
import { ProcessName } from './common';

/** An event's data, as JSON text: at most 64 KiB (the body may be a little larger, for name and id). */
export const MAX_EVENT_DATA_BYTES = 64 * 1024;
/** The route's body limit: above any valid event, so an oversized data is refused by name, not as 413. */
export const EVENT_BODY_LIMIT = 1024 * 1024;

export const EventName = Type.String({
  minLength: 1,
  maxLength: 200,
  description: 'What happened, e.g. user.day_started; event-based processes bind to it',
});

export const EventBody = Type.Object(
  {
    name: EventName,
    id: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Unique per event: the same id again starts nothing and answers the runs the first one started',
    }),
    data: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: `An object of at most ${MAX_EVENT_DATA_BYTES} bytes of JSON, given to the runs (RunContext.event)`,
      }),
    ),
  },
  { additionalProperties: false },
);
export type EventBody = Static<typeof EventBody>;

export const EventRunRef = Type.Object({
  process: ProcessName,
  execution_id: Type.String({ format: 'uuid', description: "The run's execution row, once the run has opened it" }),
});

export const EventAccepted = Type.Object({
  event_id: Type.String(),
  runs: Type.Array(EventRunRef, { description: 'One run per event-based process bound to the event' }),
});
export type EventAccepted = Static<typeof EventAccepted>;
