import { canonicalTimeZone } from '../config/parse';
import type { ScheduleConfig } from '../db/entities';
import { InvalidProcessConfigError, readObject } from './config-error';

/** Validates a row's schedule_config; the error names the field and the rule. */
export function parseScheduleConfig(raw: unknown): ScheduleConfig {
  const config = readObject(raw, 'schedule_config');
  const { hour, minute, timezone } = config;
  if (typeof hour !== 'number' || !Number.isInteger(hour) || hour < 0 || hour > 23) {
    throw new InvalidProcessConfigError('schedule_config.hour', 'must be a whole number from 0 to 23');
  }
  if (typeof minute !== 'number' || !Number.isInteger(minute) || minute < 0 || minute > 59) {
    throw new InvalidProcessConfigError('schedule_config.minute', 'must be a whole number from 0 to 59');
  }
  const zone = typeof timezone === 'string' ? canonicalTimeZone(timezone) : undefined;
  if (!zone) {
    throw new InvalidProcessConfigError('schedule_config.timezone', 'must be an IANA time zone such as "Asia/Tehran"');
  }
  return { hour, minute, timezone: zone };
}
