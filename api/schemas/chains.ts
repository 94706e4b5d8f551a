import { Type, type Static } from '@sinclair/typebox';
import { CHAIN_ON } from '../../config/chains';

/** `after` and `requires` of a process (config/chains.ts checks the rules and names the field that breaks one). */
export const AfterBody = Type.Array(
  Type.Object(
    {
      process: Type.String({ minLength: 1, description: 'The upstream process (it must exist)' }),
      on: Type.Union(
        CHAIN_ON.map((on) => Type.Literal(on)),
        { description: "Which ending of the upstream's run starts this process: completed, failed or any" },
      ),
    },
    { additionalProperties: false },
  ),
  {
    maxItems: 20,
    description:
      "Run this process (trigger 'chain', caused_by the upstream execution) when a run of one of these ends " +
      'that way; a cycle is refused. Replaces the stored list; [] removes it',
  },
);
export type AfterBody = Static<typeof AfterBody>;

export const RequiresBody = Type.Array(
  Type.Object(
    {
      process: Type.String({ minLength: 1, description: 'The required process (it must exist)' }),
      same_local_day: Type.Literal(true, {
        description: "It must have completed a run whose logical time falls on the scheduled run's local day",
      }),
    },
    { additionalProperties: false },
  ),
  {
    maxItems: 20,
    description:
      "A scheduled run waits (at most the policy's timeouts.run_seconds) until each of these has completed for " +
      'its local day, else it fails naming the requirement not met. Replaces the stored list; [] removes it',
  },
);
export type RequiresBody = Static<typeof RequiresBody>;
