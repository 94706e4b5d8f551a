import type { ProcessView } from '../../schemas/process';
import type { ExecutionView } from '../../schemas/execution';
import { formatUtcOffset } from '../../../time/iso';
import { offsetChangeOnDayOf } from '../../../time/offset-change';
import { scheduleText, timeCell } from '../format';
import { html, type SafeHtml } from '../html';
import { layout, type PageContext } from './layout';

interface DailySchedule {
  hour: number;
  minute: number;
  timezone: string;
}

export function dailySchedule(schedule: ProcessView['schedule']): DailySchedule | null {
  if (schedule === null || typeof schedule !== 'object') return null;
  const { hour, minute, timezone } = schedule as Record<string, unknown>;
  return typeof hour === 'number' && typeof minute === 'number' && typeof timezone === 'string'
    ? { hour, minute, timezone }
    : null;
}

/** The zone a process's times are shown in: its schedule's, else the service default. */
export function zoneOf(view: ProcessView, defaultZone: string): string {
  return dailySchedule(view.schedule)?.timezone ?? defaultZone;
}

export function stateCell(view: ProcessView): SafeHtml {
  if (view.paused) {
    const note = view.pause_note ? html`<br /><span class="muted">Note: ${view.pause_note}</span>` : null;
    return html`<span class="state-paused">Paused</span>${view.enabled ? null : html` (disabled)`}${note}`;
  }
  return view.enabled ? html`<span class="state-enabled">Enabled</span>` : html`<span>Disabled</span>`;
}

export function scheduleCell(view: ProcessView): SafeHtml {
  if (view.schedule_error) return html`<span class="error">Invalid schedule: ${view.schedule_error}</span>`;
  const schedule = dailySchedule(view.schedule);
  if (view.trigger_type === 'event_based') return html`On event ${view.event?.name ?? ''}`;
  if (!schedule) return html`<span class="muted">Manual only</span>`;
  return html`${scheduleText(schedule, Date.now())}`;
}

/** A run on a day whose UTC offset changes (DST) says so: that day is 23 or 25 hours long. */
export function dstFlag(iso: string, zone: string): SafeHtml | null {
  const change = offsetChangeOnDayOf(zone, Date.parse(iso));
  if (!change) return null;
  return html` <span class="dst"
    >DST day: UTC${formatUtcOffset(change.before)} → UTC${formatUtcOffset(change.after)}</span
  >`;
}

export function nextRunsCell(view: ProcessView, zone: string): SafeHtml {
  if (view.next_runs.length === 0) return html`<span class="muted">none</span>`;
  return html`<ul class="plain">
    ${view.next_runs.map((run) => html`<li>${timeCell(run, zone)}${dstFlag(run, zone)}</li>`)}
  </ul>`;
}

/** Rows of this process that this service did not write: Behflow's own APScheduler still running beside it. */
export function otherSchedulerCell(view: ProcessView, zone: string): SafeHtml {
  const { count_7d, last } = view.other_scheduler_runs;
  if (last === null) return html`<span class="muted">none</span>`;
  const recent = count_7d > 0 ? html`<span class="error">${count_7d} in the last 7 days</span>` : html`none in 7 days`;
  return html`${recent}<br /><span class="muted">last</span> ${timeCell(last, zone)}`;
}

export function outcome(run: ExecutionView | undefined, zone: string): SafeHtml {
  if (!run) return html`<span class="muted">no runs yet</span>`;
  const when = run.completed_at ?? run.started_at;
  return html`<span class="outcome-${run.status}">${run.status}</span> ${timeCell(when, zone)}`;
}

function row(view: ProcessView, defaultZone: string): SafeHtml {
  const zone = zoneOf(view, defaultZone);
  return html`<tr>
    <th scope="row">
      <a href="/ui/processes/${encodeURIComponent(view.name)}">${view.name}</a>
      ${view.description ? html`<br /><span class="muted">${view.description}</span>` : null}
    </th>
    <td data-label="State">${stateCell(view)}</td>
    <td data-label="Schedule">${scheduleCell(view)}</td>
    <td data-label="Next runs (${zone})">${nextRunsCell(view, zone)}</td>
    <td data-label="Last run">${outcome(view.recent_runs[0], zone)}</td>
    <td data-label="Skipped">${view.nominal_times.skipped}</td>
    <td data-label="Missed">${view.nominal_times.missed}</td>
    <td data-label="Runs by another scheduler">${otherSchedulerCell(view, zone)}</td>
  </tr>`;
}

/** GET /ui: every process, one row each. */
export function processesPage(views: readonly ProcessView[], defaultZone: string, context: PageContext): string {
  const rows = views.map((view) => row(view, defaultZone));
  return layout(
    'Processes',
    html`<h1>Processes</h1>
      <div class="table-wrap">
        <table class="stack">
          <caption>
            Automated processes. Times are in each process's zone; hover a time for UTC.
          </caption>
          <thead>
            <tr>
              <th scope="col">Process</th>
              <th scope="col">State</th>
              <th scope="col">Schedule</th>
              <th scope="col">Next runs</th>
              <th scope="col">Last run</th>
              <th scope="col">Skipped runs</th>
              <th scope="col">Missed runs</th>
              <th scope="col">Runs by another scheduler</th>
            </tr>
          </thead>
          <tbody>
            ${
              rows.length
                ? rows
                : html`<tr>
                    <td colspan="8">No processes.</td>
                  </tr>`
            }
          </tbody>
        </table>
      </div>`,
    context,
  );
}
