import { Type, type Static } from '@sinclair/typebox';
import { NullableTimestamp, Timestamp } from './common';

// ---------- GET /processes/:name/notifications ----------

export const NotificationsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'next_cursor of the previous page' }),
    ),
  },
  { additionalProperties: false },
);
export type NotificationsQuery = Static<typeof NotificationsQuery>;

export const NotificationEvent = Type.Union(
  ['failed', 'timed_out', 'recovered', 'skipped', 'missed', 'unusual'].map((s) => Type.Literal(s)),
);

export const NotificationView = Type.Object({
  delivery_id: Type.String({
    format: 'uuid',
    description: 'The same on every attempt (the Behflow-Delivery header, the payload id)',
  }),
  event: NotificationEvent,
  channel: Type.Object(
    {
      kind: Type.Union([Type.Literal('webhook'), Type.Literal('slack'), Type.Literal('email')]),
      label: Type.String({
        description: 'Never a secret: a webhook by its URL without the query, Slack as "slack", email by recipients',
      }),
    },
    { additionalProperties: false },
  ),
  execution_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  attempts: Type.Integer({ minimum: 0 }),
  last_status: Type.Union([Type.Integer(), Type.Null()], {
    description: 'HTTP status (webhook, Slack) or SMTP reply code (email) of the last attempt, if it got one',
  }),
  last_error: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  delivered_at: NullableTimestamp,
  given_up_at: NullableTimestamp,
});
export type NotificationView = Static<typeof NotificationView>;

export const NotificationPage = Type.Object({
  items: Type.Array(NotificationView, { description: 'Newest first' }),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page' }),
});
export type NotificationPage = Static<typeof NotificationPage>;
