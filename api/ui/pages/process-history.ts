import type { ExecutionView } from '../../schemas/execution';
import type { ExecutionHistoryPage } from '../../services/runs/history';
import { timeCell } from '../format';
import { html, type SafeHtml } from '../html';
import { EXECUTION_STATUSES, RUN_TRIGGERS, type HistoryForm } from '../routes/process-query';
import { rerunLink } from './actions';
import { processPageUrl } from './process-links';

function options(values: readonly string[], selected: string, anyLabel: string): SafeHtml[] {
  return [
    html`<option value="" ${selected === '' ? html`selected` : null}>${anyLabel}</option>`,
    ...values.map((v) => html`<option value="${v}" ${selected === v ? html`selected` : null}>${v}</option>`),
  ];
}

/** A GET form: it works without script, and its address can be bookmarked. */
function filterForm(name: string, form: HistoryForm, zone: string): SafeHtml {
  return html`<form
    method="get"
    action="/ui/processes/${encodeURIComponent(name)}"
    class="filters"
    aria-label="Filter executions"
  >
    <div>
      <label for="filter-status">Status</label>
      <select id="filter-status" name="status">
        ${options(EXECUTION_STATUSES, form.status, 'any status')}
      </select>
    </div>
    <div>
      <label for="filter-trigger">Trigger</label>
      <select id="filter-trigger" name="trigger">
        ${options(RUN_TRIGGERS, form.trigger, 'any trigger')}
      </select>
    </div>
    <div>
      <label for="filter-from">Started on or after (${zone})</label>
      <input id="filter-from" name="from" type="date" value="${form.from}" />
    </div>
    <div>
      <label for="filter-to">Started on or before (${zone})</label>
      <input id="filter-to" name="to" type="date" value="${form.to}" />
    </div>
    <input type="hidden" name="days" value="${form.days}" />
    <div class="filter-buttons">
      <button type="submit">Filter</button>
      <a href="${processPageUrl(name, { days: form.days })}">Clear filters</a>
    </div>
  </form>`;
}

function executionRow(run: ExecutionView, zone: string): SafeHtml {
  const duration = run.duration_ms === null ? '' : `${(run.duration_ms / 1000).toFixed(1)} s`;
  return html`<tr data-execution-id="${run.execution_id}">
    <td data-label="Status">
      <a href="/ui/executions/${run.execution_id}"><span class="outcome-${run.status}">${run.status}</span></a>
    </td>
    <td data-label="Trigger">${run.trigger ?? 'unknown'}</td>
    <td data-label="Nominal time">${timeCell(run.logical_time, zone)}</td>
    <td data-label="Started">${timeCell(run.started_at, zone)}</td>
    <td data-label="Duration">${duration}</td>
    <td data-label="Error">${run.error_message ?? ''} ${rerunLink(run)}</td>
  </tr>`;
}

function pagingLinks(name: string, form: HistoryForm, page: ExecutionHistoryPage): SafeHtml | null {
  if (page.newerCursor === null && page.olderCursor === null) return null;
  const filters = { status: form.status, trigger: form.trigger, from: form.from, to: form.to, days: form.days };
  return html`<nav class="paging" aria-label="Execution pages">
    ${
      page.newerCursor === null
        ? null
        : html`<a rel="prev" href="${processPageUrl(name, { ...filters, before: page.newerCursor })}">← Newer</a>`
    }
    ${
      page.olderCursor === null
        ? null
        : html`<a rel="next" href="${processPageUrl(name, { ...filters, cursor: page.olderCursor })}">Older →</a>`
    }
  </nav>`;
}

/** The history: the filter form, one page of executions (each linking to its own page), newer/older links. */
export function historySection(name: string, form: HistoryForm, page: ExecutionHistoryPage, zone: string): SafeHtml {
  const filtered = form.status !== '' || form.trigger !== '' || form.from !== '' || form.to !== '';
  return html`<h2 id="history">Executions</h2>
    ${filterForm(name, form, zone)}
    <div class="table-wrap">
      <table class="stack" id="executions">
        <caption>
          ${filtered ? 'Executions matching the filters' : 'Executions'}, newest first; times in ${zone}, hover for UTC.
        </caption>
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Trigger</th>
            <th scope="col">Nominal time</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          ${
            page.items.length
              ? page.items.map((run) => executionRow(run, zone))
              : html`<tr>
                  <td colspan="6">${filtered ? 'No executions match the filters.' : 'No executions yet.'}</td>
                </tr>`
          }
        </tbody>
      </table>
    </div>
    ${pagingLinks(name, form, page)}`;
}
