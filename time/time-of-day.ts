/**
 * A time of day as whole seconds since local midnight, [0, 86400).
 *
 * Whole seconds because that is the finest unit in which time zone offsets
 * (including historical local mean time) are defined, and the unit the SQL
 * side works in.
 */

import { SECONDS_PER_DAY } from './local-date';
import { zeroPad } from './zero-pad';

export function isSecondsOfDay(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value < SECONDS_PER_DAY;
}

export function assertSecondsOfDay(value: number): void {
  if (!isSecondsOfDay(value)) {
    throw new RangeError(`Seconds of day must be an integer in [0, ${SECONDS_PER_DAY}), got ${value}`);
  }
}

/** 'HH:MM:SS' */
export function formatTimeOfDay(secondsOfDay: number): string {
  assertSecondsOfDay(secondsOfDay);
  const hours = Math.floor(secondsOfDay / 3600);
  const minutes = Math.floor((secondsOfDay % 3600) / 60);
  const seconds = secondsOfDay % 60;
  return `${zeroPad(hours, 2)}:${zeroPad(minutes, 2)}:${zeroPad(seconds, 2)}`;
}
