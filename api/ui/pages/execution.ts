import type { TaskMoveView } from '../../schemas/runs';
import type { TaskMoveWindow } from '../../services/runs/history';
import { jalaliAt } from '../../../time';
import { jalaliText } from '../execution-format';
import { timeCell } from '../format';
import { html, type SafeHtml } from '../html';
import { executionHref } from './execution-link';
import { isOpen, liveParts, type ExecutionState } from './execution-live';
import { layout, type PageContext } from './layout';

/** A due date in Behflow's Jalali, as the audit recorded it; computed in the zone where it had none. */
function jalaliCell(jalali: string | null, gregorian: string | null, zone: string): SafeHtml {
  if (jalali !== null) return html`<span class="jalali">${jalaliText(jalali)}</span>`;
  if (gregorian === null) return html`<span class="muted">none</span>`;
  return html`<span class="jalali" title="The task had no Jalali date; computed in ${zone}"
    >${jalaliText(jalaliAt(zone, Date.parse(gregorian)))}</span
  >`;
}

function taskRow(move: TaskMoveView, zone: string): SafeHtml {
  return html`<tr>
    <th scope="row" data-label="Task"><code>${move.task_id}</code></th>
    <td data-label="Old due (Gregorian)">
      ${move.old_due_gregorian === null ? html`<span class="muted">none</span>` : timeCell(move.old_due_gregorian, zone)}
    </td>
    <td data-label="Old due (Jalali)">${jalaliCell(move.old_due_jalali, move.old_due_gregorian, zone)}</td>
    <td data-label="New due (Gregorian)">${timeCell(move.new_due_gregorian, zone)}</td>
    <td data-label="New due (Jalali)">${jalaliCell(move.new_due_jalali, move.new_due_gregorian, zone)}</td>
    <td data-label="Moved at">${timeCell(move.moved_at, zone)}</td>
  </tr>`;
}

function pagingNav(executionId: string, moves: TaskMoveWindow): SafeHtml | null {
  if (moves.previous_cursor === null && moves.next_cursor === null) return null;
  const base = executionHref(executionId);
  return html`<nav class="paging" aria-label="Pages of tasks moved">
    ${
      moves.previous_cursor === null
        ? null
        : html`<a rel="prev" href="${base}?before=${moves.previous_cursor}#tasks">← Previous tasks</a>`
    }
    ${
      moves.next_cursor === null
        ? null
        : html`<a rel="next" href="${base}?after=${moves.next_cursor}#tasks">Next tasks →</a>`
    }
  </nav>`;
}

function tasksSection(state: ExecutionState, moves: TaskMoveWindow): SafeHtml {
  const { view, zone } = state;
  return html`<section id="tasks" aria-labelledby="tasks-heading">
    <h2 id="tasks-heading">Tasks moved</h2>
    ${
      isOpen(view)
        ? html`<p class="muted">The run is still moving tasks: this list shows those moved when the page loaded.</p>`
        : null
    }
    <div class="table-wrap">
      <table class="stack">
        <caption>
          From the audit, in the order the run moved them; Gregorian times in ${zone} (hover for UTC), Jalali as Behflow
          stores it.
        </caption>
        <thead>
          <tr>
            <th scope="col">Task</th>
            <th scope="col">Old due (Gregorian)</th>
            <th scope="col">Old due (Jalali)</th>
            <th scope="col">New due (Gregorian)</th>
            <th scope="col">New due (Jalali)</th>
            <th scope="col">Moved at</th>
          </tr>
        </thead>
        <tbody>
          ${
            moves.items.length
              ? moves.items.map((move) => taskRow(move, zone))
              : html`<tr>
                  <td colspan="6">No tasks on this page.</td>
                </tr>`
          }
        </tbody>
      </table>
    </div>
    ${pagingNav(view.execution_id, moves)}
  </section>`;
}

/** GET /ui/executions/:id: the run's timeline, result or error, links, and the tasks it moved (paged). */
export function executionPage(state: ExecutionState, moves: TaskMoveWindow, context: PageContext): string {
  const { view } = state;
  const href = executionHref(view.execution_id);
  const live = liveParts(state);
  const open = isOpen(view);
  return layout(
    `Execution ${view.execution_id.slice(0, 8)}`,
    html`<h1>Execution of ${view.process_name}</h1>
      <dl class="facts">
        <dt>Execution</dt>
        <dd><code>${view.execution_id}</code></dd>
        <dt>Process</dt>
        <dd><a href="/ui/processes/${encodeURIComponent(view.process_name)}">${view.process_name}</a></dd>
        <dt>Trigger</dt>
        <dd id="trigger">${view.trigger ?? 'unknown (a Behflow-era row)'}</dd>
      </dl>
      <ul class="links" aria-label="Links">
        ${view.web_ui_url ? html`<li><a href="${view.web_ui_url}">In the Temporal Web UI</a></li>` : null}
        <li>
          <a href="${href}/json">As JSON</a>
          <span class="muted">(the API: <code>GET /executions/${view.execution_id}</code>)</span>
        </li>
        ${view.status === 'failed' ? html`<li><a href="${href}/rerun">Rerun this execution…</a></li>` : null}
      </ul>
      <div id="live" data-live-src="${href}/live" data-closed="${open ? 'false' : 'true'}">
        <div id="live-status" aria-live="polite" data-part="status">${live.status}</div>
        <div id="live-details" data-part="details">${live.details}</div>
      </div>
      ${tasksSection(state, moves)} ${open ? html`<script src="/ui/assets/console.js" defer></script>` : null}`,
    context,
  );
}
