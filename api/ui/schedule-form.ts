import { InvalidProcessConfigError } from '../../config/process-config';
import { parseSchedule, type Schedule } from '../../config/schedule';
import type { ScheduleFieldError, ScheduleFormValues } from './pages/schedule-edit';

/**
 * The zone picker's list: the runtime's zones, and UTC (which Intl lists under none of its names).
 * Any zone the schedule rule accepts can still be typed; this is only the searchable list.
 */
export const ZONE_CHOICES: readonly string[] = [...new Set([...Intl.supportedValuesOf('timeZone'), 'UTC'])].sort();

/** A form's number as the schedule rule sees it: digits become a number, anything else stays text to be refused. */
function formNumber(text: string): number | string {
  const trimmed = text.trim();
  return /^\d{1,9}$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/**
 * The form's values checked by the one schedule rule (config/schedule.ts, what PATCH /processes/:name
 * applies): the schedule, its zone canonical ("asia/tehran" becomes "Asia/Tehran"), or the field at fault.
 */
export function readScheduleForm(values: ScheduleFormValues): Schedule | ScheduleFieldError {
  const raw = { hour: formNumber(values.hour), minute: formNumber(values.minute), timezone: values.timezone.trim() };
  try {
    return parseSchedule(raw, 'schedule');
  } catch (err) {
    if (!(err instanceof InvalidProcessConfigError)) throw err;
    const field = err.field.replace(/^schedule\./, '');
    return { field: field === 'hour' || field === 'minute' ? field : 'timezone', message: err.rule };
  }
}

export function isFieldError(value: Schedule | ScheduleFieldError): value is ScheduleFieldError {
  return 'field' in value;
}
