import { ConfigError } from './errors';
import type { Env } from './parse';
import { parseSchedule, SCHEDULE_FIELDS, type Schedule } from './schedule';
import { InvalidProcessConfigError } from './process-config';

/** What a registry entry declares about its schedule, as far as settings go. */
export interface ScheduleDeclaration {
  readonly name: string;
  /** The daily time a new process row starts with, in BEHFLOW_TIMEZONE; null: runs only when triggered. */
  readonly defaultSchedule: { readonly hour: number; readonly minute: number } | null;
  /** Other names of its variables that are read as well, e.g. the seed's RESCHEDULE_HOUR. */
  readonly scheduleVariables?: Partial<Record<keyof Schedule, string>>;
}

/** PROCESS_<NAME>_HOUR, _MINUTE and _TIMEZONE: every scheduled process has them, none is listed anywhere. */
export function processScheduleVariables(processName: string): Record<keyof Schedule, string> {
  const prefix = `PROCESS_${processName.toUpperCase()}_`;
  return { hour: `${prefix}HOUR`, minute: `${prefix}MINUTE`, timezone: `${prefix}TIMEZONE` };
}

export function readProcessSchedules(
  env: Env,
  processes: readonly ScheduleDeclaration[],
  timezone: string,
): Record<string, Schedule> {
  const schedules: Record<string, Schedule> = {};
  for (const process of processes) {
    const fallback = process.defaultSchedule && { ...process.defaultSchedule, timezone };
    if (fallback) schedules[process.name] = readProcessSchedule(env, process, fallback);
  }
  return schedules;
}

/** The declared default, overridden field by field by its variables, checked by the one schedule schema. */
function readProcessSchedule(env: Env, process: ScheduleDeclaration, fallback: Schedule): Schedule {
  const generic = processScheduleVariables(process.name);
  const raw: Record<string, string | number> = {};
  const source: Partial<Record<keyof Schedule, { variable: string; value: string }>> = {};
  for (const field of SCHEDULE_FIELDS) {
    const names = [generic[field], process.scheduleVariables?.[field]].filter((n): n is string => n !== undefined);
    const set = names.flatMap((variable) => {
      const value = env[variable]?.trim();
      return value ? [{ variable, value }] : [];
    });
    const [first, second] = set;
    if (first && second && first.value !== second.value) {
      throw new ConfigError(first.variable, `and ${second.variable} are both set, to different values`, first.value);
    }
    source[field] = first;
    raw[field] = first === undefined ? fallback[field] : field === 'timezone' ? first.value : wholeNumber(first.value);
  }
  try {
    return parseSchedule(raw, 'schedule');
  } catch (err) {
    if (!(err instanceof InvalidProcessConfigError)) throw err;
    const field = err.field.replace(/^schedule\./, '') as keyof Schedule;
    const given = source[field];
    throw new ConfigError(given?.variable ?? generic[field], err.rule, given?.value);
  }
}

/** "8" is 8; anything else (including "8.5" and "") fails the schema's whole-number rule. */
function wholeNumber(value: string): number {
  return /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
}
