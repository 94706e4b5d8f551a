import { nextFiringAfter } from '../../time/firing-times';
import { html, type SafeHtml } from './html';

function formatter(zone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
}

/** "2026-12-02 03:30" in `zone`. */
export function inZone(instant: Date, zone: string): string {
  return formatter(zone).format(instant).replace(', ', ' ');
}

/** An instant shown in the process zone, with its UTC time on hover (title) and in the datetime attribute. */
export function timeCell(iso: string | null, zone: string): SafeHtml {
  if (iso === null) return html`<span class="muted">never</span>`;
  const instant = new Date(iso);
  const utc = instant.toISOString();
  return html`<time datetime="${utc}" title="${inZone(instant, 'UTC')} UTC">${inZone(instant, zone)}</time>`;
}

/**
 * A daily schedule at hour:minute in its zone, and the UTC time of its next firing after `now` (the
 * UTC time moves with the zone's DST, so it is the next run's).
 */
export function scheduleText(schedule: { hour: number; minute: number; timezone: string }, now: number): string {
  const local = `${String(schedule.hour).padStart(2, '0')}:${String(schedule.minute).padStart(2, '0')}`;
  const utc = inZone(new Date(nextFiringAfter(schedule.timezone, schedule, now)), 'UTC').slice(11);
  return `daily at ${local} ${schedule.timezone} (${utc} UTC)`;
}
