import { Type, type TSchema } from '@sinclair/typebox';

export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ description: 'Stable machine-readable code, e.g. INVALID_INPUT, NOT_FOUND, RUN_IN_PROGRESS' }),
    error: Type.String(),
    message: Type.String({ description: 'What was wrong and what is allowed' }),
    field: Type.Optional(Type.String({ description: 'The offending field, e.g. body.schedule.hour' })),
    rule: Type.Optional(Type.String({ description: 'The rule it breaks' })),
    dependency: Type.Optional(Type.String({ description: 'For 503: PostgreSQL or Temporal' })),
  },
  { additionalProperties: true, $id: 'Error' },
);

/** The error responses a route can give, all of the same shape. */
export function errors(...codes: (400 | 401 | 404 | 409 | 503)[]): Record<number, TSchema> {
  return Object.fromEntries(codes.map((code) => [code, Type.Ref(ErrorBody)]));
}

/** PostgreSQL has no year 0; the `uuid` format alone would also take a "urn:uuid:" prefix. */
export const YEAR_1_OR_LATER = '^(?!0000-)';
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

export const Timestamp = Type.String({
  format: 'date-time',
  pattern: YEAR_1_OR_LATER,
  description: 'ISO-8601 instant',
});
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

export const ProcessName = Type.String({
  pattern: '^[a-z][a-z0-9_]{2,63}$',
  description: '3 to 64 characters: lowercase letters, digits and underscores, starting with a letter',
});

export const NameParams = Type.Object({ name: ProcessName }, { additionalProperties: false });

export const Note = Type.Object(
  { note: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Shown in the Temporal Web UI' })) },
  { additionalProperties: false },
);
