import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { knownTimeZone } from './parse';
import { InvalidProcessConfigError, readObject } from './process-config';

export const TIME_ZONE_RULE = 'must be an IANA time zone such as "Asia/Tehran" or "UTC"';

/**
 * A daily schedule: hour and minute in an IANA zone. The one schema of a schedule: the API's bodies,
 * the environment's defaults and the rows' schedule_config are all checked against it (parseSchedule).
 */
export const ScheduleSchema = Type.Object(
  {
    hour: Type.Integer({ minimum: 0, maximum: 23 }),
    minute: Type.Integer({ minimum: 0, maximum: 59 }),
    timezone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Asia/Tehran' }),
  },
  { additionalProperties: false },
);
export type Schedule = Static<typeof ScheduleSchema>;

export const SCHEDULE_FIELDS = Object.keys(ScheduleSchema.properties) as (keyof Schedule)[];

/**
 * Checks a schedule against ScheduleSchema and returns it with its zone as given (knownTimeZone:
 * Asia/Kolkata stays Asia/Kolkata; "asia/tehran" becomes "Asia/Tehran"). Throws InvalidProcessConfigError naming the field
 * (`${field}.hour`…) and the rule. `ignoreUnknownKeys`: for rows, which Behflow's own code or SQL
 * may have written with keys of their own; the API refuses them.
 */
export function parseSchedule(raw: unknown, field: string, options: { ignoreUnknownKeys?: boolean } = {}): Schedule {
  const given = readObject(raw, field);
  const value = options.ignoreUnknownKeys
    ? Object.fromEntries(SCHEDULE_FIELDS.filter((key) => key in given).map((key) => [key, given[key]]))
    : given;
  const error = Value.Errors(ScheduleSchema, value).First();
  if (error) throw new InvalidProcessConfigError(`${field}${error.path.replaceAll('/', '.')}`, ruleOf(error));
  const schedule = value as Schedule;
  const timezone = knownTimeZone(schedule.timezone);
  if (!timezone) throw new InvalidProcessConfigError(`${field}.timezone`, TIME_ZONE_RULE);
  return { hour: schedule.hour, minute: schedule.minute, timezone };
}

/** The rule a value broke, in the words of the project's other errors. */
function ruleOf(error: ValueError): string {
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    return `is not a known key; allowed keys are: ${SCHEDULE_FIELDS.join(', ')}`;
  }
  const key = error.path.split('/').pop() as keyof Schedule;
  const schema: TSchema | undefined = ScheduleSchema.properties[key];
  if (schema?.type === 'integer') return `must be a whole number from ${schema.minimum} to ${schema.maximum}`;
  return TIME_ZONE_RULE;
}

/**
 * The zone of a process's days: its schedule's, or the default (BEHFLOW_TIMEZONE) for a process
 * without one, which runs only when triggered. The one fallback: activities, the API and the
 * startup lines all use it.
 */
export function processZone(
  scheduleConfig: { readonly timezone?: unknown } | null | undefined,
  defaultZone: string,
): string {
  const zone = scheduleConfig?.timezone;
  return typeof zone === 'string' && zone !== '' ? zone : defaultZone;
}
