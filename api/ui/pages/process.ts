import type { ProcessView } from '../../schemas/process';
import type { DailyStats, StatsWindow } from '../../services/runs/daily-stats';
import type { ExecutionHistoryPage } from '../../services/runs/history';
import type { HistoryForm } from '../routes/process-query';
import { html, type SafeHtml } from '../html';
import { processActions } from './actions';
import { csrfField, layout, type PageContext } from './layout';
import { statsSection } from './process-chart';
import { historySection } from './process-history';
import { processPageUrl } from './process-links';
import { policySection } from './process-policy';
import { nextRunsCell, otherSchedulerCell, outcome, scheduleCell, stateCell, zoneOf } from './processes';

function pauseForm(view: ProcessView, csrf: string): SafeHtml {
  const action = view.paused ? 'resume' : 'pause';
  const label = view.paused ? 'Resume' : 'Pause';
  return html`<form method="post" action="/ui/processes/${encodeURIComponent(view.name)}/${action}" class="card">
    ${csrfField(csrf)}
    <label for="note">Note (optional, shown in the Temporal Web UI)</label>
    <textarea id="note" name="note" maxlength="500" rows="2"></textarea>
    <button type="submit">${label}</button>
  </form>`;
}

export interface ProcessPageData {
  readonly view: ProcessView;
  readonly history: ExecutionHistoryPage;
  readonly form: HistoryForm;
  readonly stats: DailyStats;
}

/**
 * GET /ui/processes/:name: its state and schedule, pause or resume, its policy and channels, the
 * last 30 or 90 days as a chart, and its executions, filtered and paged.
 */
export function processPage(data: ProcessPageData, defaultZone: string, context: PageContext): string {
  const { view, history, form, stats } = data;
  const zone = zoneOf(view, defaultZone);
  const windowUrl = (days: StatsWindow) =>
    processPageUrl(view.name, { status: form.status, trigger: form.trigger, from: form.from, to: form.to, days });
  return layout(
    view.name,
    html`<h1>${view.name}</h1>
      ${view.description ? html`<p>${view.description}</p>` : null}
      <dl class="facts">
        <dt>State</dt>
        <dd id="state">${stateCell(view)}</dd>
        <dt>Schedule</dt>
        <dd>${scheduleCell(view)}</dd>
        <dt>Next runs (${zone})</dt>
        <dd>${nextRunsCell(view, zone)}</dd>
        <dt>Last run</dt>
        <dd>${outcome(view.recent_runs[0], zone)}</dd>
        <dt>Skipped runs</dt>
        <dd>${view.nominal_times.skipped}</dd>
        <dt>Missed runs</dt>
        <dd>${view.nominal_times.missed}</dd>
        <dt>Runs by another scheduler</dt>
        <dd>${otherSchedulerCell(view, zone)}</dd>
      </dl>
      <h2>Actions</h2>
      ${processActions(view)}
      <h2>${view.paused ? 'Resume' : 'Pause'}</h2>
      ${pauseForm(view, context.csrf)} ${policySection(view)} ${statsSection(stats, windowUrl)}
      ${historySection(view.name, form, history, zone)}`,
    context,
  );
}
