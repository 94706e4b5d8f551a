import type { ExecutionView } from '../../schemas/execution';
import { timeCell } from '../format';
import { html } from '../html';
import { csrfField, layout, type PageContext } from './layout';
import { executionHref, linkList, processHref } from './refused';

/** GET /ui/executions/:id/rerun: the failed run, and the button that runs it again for its logical time. */
export function rerunPage(execution: ExecutionView, zone: string, context: PageContext): string {
  return layout(
    'Rerun a failed run',
    html`<h1>Rerun a failed run of ${execution.process_name}</h1>
      <dl class="facts">
        <dt>Execution</dt>
        <dd><a href="${executionHref(execution.execution_id)}">${execution.execution_id}</a></dd>
        <dt>Status</dt>
        <dd><span class="outcome-${execution.status}">${execution.status}</span></dd>
        <dt>Trigger</dt>
        <dd>${execution.trigger ?? 'unknown'}</dd>
        <dt>Nominal time</dt>
        <dd>${timeCell(execution.logical_time ?? execution.started_at, zone)}</dd>
        <dt>Error</dt>
        <dd>${execution.error_message ?? ''}</dd>
      </dl>
      <h2>What will happen</h2>
      <p>
        A new run of ${execution.process_name} starts now for the same nominal time (so the same local day), trigger
        <code>rerun</code>, recorded as a new execution that names this one. If a run of the process is in progress,
        nothing starts and the next page says so.
      </p>
      <form method="post" action="${executionHref(execution.execution_id)}/rerun" class="card">
        ${csrfField(context.csrf)}
        <button type="submit">Rerun it now</button>
      </form>
      ${linkList([{ href: processHref(execution.process_name), text: `Cancel: back to ${execution.process_name}` }])}`,
    context,
  );
}
