import { Type, type Static } from '@sinclair/typebox';
import { OVERLAP_POLICIES } from '../../config/concurrency';

/** A process's `concurrency` and `overlap` (config/concurrency.ts checks the key and names the field that breaks it). */
export const ConcurrencyBody = Type.Object(
  {
    limit: Type.Integer({
      minimum: 1,
      maximum: 100,
      description: 'Runs in progress at once (per key value, with a key)',
    }),
    key: Type.Optional(
      Type.String({
        maxLength: 200,
        description:
          'event.data.<field>: event runs whose data holds different values there have a limit each; ' +
          'runs without an event (or without the field) share one',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'How many runs of the process may be in progress at once; default {"limit": 1}',
  },
);
export type ConcurrencyBody = Static<typeof ConcurrencyBody>;

export const OverlapBody = Type.Union(
  OVERLAP_POLICIES.map((o) => Type.Literal(o)),
  {
    description:
      'When the limit is reached: skip (the run ends skipped; a scheduled run waits, as always), buffer_one ' +
      '(it waits, one per key at most), cancel_other (the runs in progress are cancelled). Event runs always wait. ' +
      'Default skip',
  },
);
export type OverlapBody = Static<typeof OverlapBody>;
