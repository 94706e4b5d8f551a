import type { Schedule } from '../../../config/schedule';
import type { ProcessView } from '../../schemas/process';
import { scheduleText } from '../format';
import { html, type SafeHtml } from '../html';
import type { PreviewedRun } from '../schedule-preview';
import { csrfField, layout, type PageContext } from './layout';
import { linkList, processHref } from './refused';

/** The form's values as typed (a bad one is shown back as it was). */
export interface ScheduleFormValues {
  readonly hour: string;
  readonly minute: string;
  readonly timezone: string;
}

/** A refused value: which form field, and the rule it broke. */
export interface ScheduleFieldError {
  readonly field: keyof ScheduleFormValues;
  readonly message: string;
}

export interface ScheduleEditPage {
  readonly view: ProcessView;
  readonly current: Schedule | null;
  readonly values: ScheduleFormValues;
  readonly zones: readonly string[];
  /** The checked schedule and its next firings, after "Preview". */
  readonly preview: { readonly schedule: Schedule; readonly runs: readonly PreviewedRun[] } | null;
  readonly error: ScheduleFieldError | null;
  readonly now: number;
}

export const FIELD_LABELS: Record<keyof ScheduleFormValues, string> = {
  hour: 'Hour',
  minute: 'Minute',
  timezone: 'Time zone',
};

function field(
  name: keyof ScheduleFormValues,
  input: SafeHtml,
  help: string,
  error: ScheduleFieldError | null,
): SafeHtml {
  return html`<div class="field">
    <label for="${name}">${FIELD_LABELS[name]}</label>
    ${input}
    <span class="muted" id="${name}-help">${help}</span>
    ${error?.field === name ? html`<span class="error" id="${name}-error">${error.message}</span>` : null}
  </div>`;
}

function describedBy(name: keyof ScheduleFormValues, error: ScheduleFieldError | null): SafeHtml {
  const invalid = error?.field === name;
  return html`aria-describedby="${name}-help${invalid ? ` ${name}-error` : ''}"
  ${invalid ? html`aria-invalid="true"` : null}`;
}

function scheduleForm(page: ScheduleEditPage): SafeHtml {
  const { values, error, zones, view } = page;
  return html`<form method="get" action="${processHref(view.name, 'schedule')}" class="card" id="schedule-form">
    ${field(
      'hour',
      html`<input
        id="hour"
        name="hour"
        type="number"
        min="0"
        max="23"
        step="1"
        required
        value="${values.hour}"
        ${describedBy('hour', error)}
      />`,
      '0 to 23, in the zone below',
      error,
    )}
    ${field(
      'minute',
      html`<input
        id="minute"
        name="minute"
        type="number"
        min="0"
        max="59"
        step="1"
        required
        value="${values.minute}"
        ${describedBy('minute', error)}
      />`,
      '0 to 59',
      error,
    )}
    ${field(
      'timezone',
      html`<input
        id="timezone"
        name="timezone"
        list="zones"
        required
        autocomplete="off"
        spellcheck="false"
        maxlength="64"
        value="${values.timezone}"
        ${describedBy('timezone', error)}
      />`,
      'An IANA zone: type to search the list, e.g. Europe/London or Asia/Tehran',
      error,
    )}
    <datalist id="zones">${zones.map((zone) => html`<option value="${zone}"></option>`)}</datalist>
    <button type="submit">Preview</button>
  </form>`;
}

function runRow(run: PreviewedRun, index: number): SafeHtml {
  const iso = new Date(run.at).toISOString();
  const change = run.clockChange
    ? html`<strong class="dst-day">Clocks change this day</strong> (${run.clockChange.from} to
        ${run.clockChange.to})${run.note ? html`: ${run.note}` : null}`
    : html`<span class="muted">no</span>`;
  return html`<tr class="${run.clockChange ? 'flagged' : ''}">
    <th scope="row">${index + 1}</th>
    <td data-label="Local time"><time class="local" datetime="${iso}">${run.local}</time></td>
    <td data-label="UTC"><time class="utc" datetime="${iso}">${run.utc}</time></td>
    <td data-label="Clocks change">${change}</td>
  </tr>`;
}

function previewSection(
  page: ScheduleEditPage,
  preview: NonNullable<ScheduleEditPage['preview']>,
  csrf: string,
): SafeHtml {
  const { schedule, runs } = preview;
  const { view } = page;
  return html`<section aria-labelledby="preview-heading">
    <h2 id="preview-heading">The next ${runs.length} runs: ${scheduleText(schedule, page.now)}</h2>
    <div class="table-wrap">
      <table class="stack" id="preview">
        <caption>
          From now, the instants the schedule will fire, in ${schedule.timezone} and in UTC; days the clocks change are
          flagged.
        </caption>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Local time (${schedule.timezone})</th>
            <th scope="col">UTC</th>
            <th scope="col">Clocks change</th>
          </tr>
        </thead>
        <tbody>
          ${runs.map(runRow)}
        </tbody>
      </table>
    </div>
    ${
      view.paused
        ? html`<p class="notice">The process is paused: its schedule fires none of these until it is resumed.</p>`
        : null
    }
    <form method="post" action="${processHref(view.name, 'schedule')}" class="card">
      ${csrfField(csrf)}
      <input type="hidden" name="hour" value="${schedule.hour}" />
      <input type="hidden" name="minute" value="${schedule.minute}" />
      <input type="hidden" name="timezone" value="${schedule.timezone}" />
      <button type="submit">Save this schedule</button>
    </form>
  </section>`;
}

/**
 * GET /ui/processes/:name/schedule: hour, minute and a zone picker (a datalist, so it works without
 * script); "Preview" submits them back here (GET) to list the next runs; "Save" posts the previewed
 * values. A refused value is shown at its field, with status 400.
 */
export function scheduleEditPage(page: ScheduleEditPage, context: PageContext): string {
  const { view, current, error, preview } = page;
  return layout(
    `Schedule of ${view.name}`,
    html`<h1>Edit the schedule of ${view.name}</h1>
      <p>
        Now:
        ${current ? scheduleText(current, page.now) : html`<span class="error">${view.schedule_error ?? 'no valid schedule'}</span>`}
      </p>
      ${
        error
          ? html`<p role="alert" class="error" id="form-error">
              ${FIELD_LABELS[error.field]} ${error.message}. Nothing was changed.
            </p>`
          : null
      }
      ${scheduleForm(page)} ${preview ? previewSection(page, preview, context.csrf) : null}
      ${linkList([{ href: processHref(view.name), text: `Cancel: back to ${view.name}` }])}`,
    context,
  );
}
