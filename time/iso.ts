/** ISO 8601 text for an instant as seen in a zone. */

import { formatLocalDate } from './local-date';
import { formatTimeOfDay } from './time-of-day';
import { zeroPad } from './zero-pad';
import { zonedClockAt } from './zone-offset';

/** e.g. '2025-12-18T07:30:00+03:30'; whole seconds, sub-second part dropped. */
export function formatIsoWithOffset(zone: string, epochMs: number): string {
  const clock = zonedClockAt(zone, epochMs);
  return `${formatLocalDate(clock.date)}T${formatTimeOfDay(clock.secondsOfDay)}${formatUtcOffset(clock.offsetSeconds)}`;
}

/**
 * '±HH:MM', or '±HH:MM:SS' when the offset has seconds (local mean time before
 * standard time, e.g. Asia/Kolkata '+05:53:28'): rounding to minutes would put
 * the printed local time and offset out of step with the instant.
 */
export function formatUtcOffset(offsetSeconds: number): string {
  const sign = offsetSeconds < 0 ? '-' : '+';
  const magnitude = Math.abs(offsetSeconds);
  const hours = Math.floor(magnitude / 3600);
  const minutes = Math.floor((magnitude % 3600) / 60);
  const seconds = magnitude % 60;
  const secondsPart = seconds === 0 ? '' : `:${zeroPad(seconds, 2)}`;
  return `${sign}${zeroPad(hours, 2)}:${zeroPad(minutes, 2)}${secondsPart}`;
}
