import { Type, type Static } from '@sinclair/typebox';
import { AUTO, MASKED, MAX_PARTITIONS, NOTIFY_EVENTS } from '../../config/policy';

/**
 * The failure policy's shape, for the OpenAPI document and a first check of types; config/policy.ts
 * checks the rules across fields (ranges, URLs, secrets) and names the field that breaks one.
 */
const Events = Type.Array(Type.String(), {
  minItems: 1,
  description: `Which outcomes this channel is told of: ${NOTIFY_EVENTS.join(', ')}`,
});

/** One object with exactly one of webhook, slack, email (checked by config/policy.ts, which names what is wrong). */
const Channel = Type.Object(
  {
    on: Events,
    webhook: Type.Optional(
      Type.Object(
        {
          url: Type.String({ description: 'https (http only to localhost); POSTed a signed JSON event' }),
          secret: Type.Optional(
            Type.String({
              description: `Signs each delivery (HMAC-SHA256); 16 to 512 characters. Shown as "${MASKED}"; left out, the stored one is kept`,
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    slack: Type.Optional(
      Type.Object(
        {
          webhook_url: Type.Optional(
            Type.String({
              description: `Slack's incoming-webhook URL (a secret: shown as "${MASKED}"; left out, kept)`,
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    email: Type.Optional(
      Type.Object({ to: Type.Array(Type.String(), { minItems: 1, maxItems: 20 }) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false, description: 'A channel: "on" and exactly one of webhook, slack, email' },
);

export const PolicyBody = Type.Object(
  {
    retry: Type.Optional(
      Type.Object(
        {
          max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
          initial_interval_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
          backoff: Type.Optional(Type.Number({ minimum: 1, maximum: 10 })),
          max_interval_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
        },
        { additionalProperties: false, description: "Retries of the process's work activity" },
      ),
    ),
    rerun_failed: Type.Optional(
      Type.Object(
        {
          max_runs: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
          delay_minutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1440 })),
        },
        {
          additionalProperties: false,
          description: 'A failed run is run again, for the same local day, as a new execution (rerun_of)',
        },
      ),
    ),
    timeouts: Type.Optional(
      Type.Object(
        {
          run_seconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 604_800 })),
          activity_seconds: Type.Optional(Type.Integer({ minimum: 5 })),
          heartbeat_seconds: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false, description: 'A run past run_seconds ends failed, "timed out after N s"' },
      ),
    ),
    notify: Type.Optional(
      Type.Array(Channel, {
        maxItems: 20,
        description: 'Channels; when given, the whole list',
      }),
    ),
    alert_after_consecutive_failures: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    unusual: Type.Optional(
      Type.Object(
        { max_moved: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])) },
        { additionalProperties: false, description: '"unusual": more moved than max_moved, or none when usually some' },
      ),
    ),
    partitions: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: MAX_PARTITIONS }), Type.Literal(AUTO)], {
        description:
          'Parts a run of reschedule_remaining_tasks splits its table walk into, walked side by side (README, "Running at scale"); 1: one activity; "auto" (the default): by the run\'s overdue count',
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'Failure policy (README, "When runs fail"); sections and keys left out keep their value (the defaults at first)',
  },
);
export type PolicyBody = Static<typeof PolicyBody>;
