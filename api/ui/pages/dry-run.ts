import type { ProcessPreview } from '../../schemas/preview';
import { timeCell } from '../format';
import { html, type SafeHtml } from '../html';
import { layout, type PageContext } from './layout';
import { linkList, processHref } from './refused';

type PreviewTask = ProcessPreview['sample'][number];

interface Column {
  readonly key: keyof PreviewTask;
  readonly label: string;
  /** An instant (ISO with offset): shown in the run's zone with UTC on hover. */
  readonly instant?: boolean;
}

/** The sample's columns, those an implementation fills: moves have due dates, archives a completion and a tag. */
const COLUMNS: readonly Column[] = [
  { key: 'title', label: 'Task' },
  { key: 'status', label: 'Status' },
  { key: 'due_date_gregorian', label: 'Due now', instant: true },
  { key: 'new_due_date_gregorian', label: 'Due after the run', instant: true },
  { key: 'due_date_jalali', label: 'Due now (Jalali)' },
  { key: 'new_due_date_jalali', label: 'Due after the run (Jalali)' },
  { key: 'completed_at', label: 'Completed', instant: true },
  { key: 'add_tag', label: 'Tag added' },
];

function cell(task: PreviewTask, column: Column, zone: string): SafeHtml {
  const value = task[column.key];
  const shown =
    value === undefined || value === null
      ? html`<span class="muted">none</span>`
      : column.instant
        ? timeCell(value, zone)
        : html`${value}`;
  return html`<td data-label="${column.label}">${shown}</td>`;
}

function sampleTable(preview: ProcessPreview): SafeHtml {
  if (preview.sample.length === 0) return html`<p>Nothing would change.</p>`;
  const columns = COLUMNS.filter((c) => preview.sample.some((task) => task[c.key] !== undefined));
  return html`<div class="table-wrap">
    <table class="stack" id="sample">
      <caption>
        ${preview.sample_size === preview.would_change ? 'All of them' : `The first ${preview.sample_size} of them`}, in
        the order the run takes them; times in ${preview.timezone}, hover for UTC.
      </caption>
      <thead>
        <tr>
          ${columns.map((c) => html`<th scope="col">${c.label}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${preview.sample.map(
          (task) =>
            html`<tr>
              ${columns.map((c) => cell(task, c, preview.timezone))}
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** GET /ui/processes/:name/dry-run: what a run now would change (GET /processes/:name/preview's answer). */
export function dryRunPage(preview: ProcessPreview, context: PageContext): string {
  const name = preview.process;
  const details = Object.entries(preview.details ?? {});
  return layout(
    `Dry run of ${name}`,
    html`<h1>Dry run of ${name}: what would move if it ran now</h1>
      <p class="summary">
        <strong id="would-change">${preview.would_change}</strong>
        ${preview.would_change === 1 ? 'task' : 'tasks'} would change if ${name} ran now (for ${preview.day} in
        ${preview.timezone}, as of ${timeCell(preview.as_of, preview.timezone)}). Nothing was changed to find out.
      </p>
      ${
        preview.notes.length
          ? html`<ul class="notes">
              ${preview.notes.map((note) => html`<li>${note}</li>`)}
            </ul>`
          : null
      }
      ${
        details.length
          ? html`<dl class="facts">
              ${details.map(
                ([key, value]) =>
                  html`<dt>${key}</dt>
                    <dd>${value === null ? 'none' : String(value)}</dd>`,
              )}
            </dl>`
          : null
      }
      <h2>The tasks</h2>
      ${sampleTable(preview)}
      ${linkList([
        { href: processHref(name, 'trigger'), text: 'Trigger a run…' },
        { href: processHref(name), text: `Back to ${name}` },
      ])}`,
    context,
  );
}
