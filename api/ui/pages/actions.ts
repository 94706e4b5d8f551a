import type { ProcessView } from '../../schemas/process';
import { html, type SafeHtml } from '../html';

/** The process page's links to its actions' pages (each asks before it changes anything). */
export function processActions(view: ProcessView): SafeHtml {
  const base = `/ui/processes/${encodeURIComponent(view.name)}`;
  return html`<ul class="actions">
    <li><a href="${base}/trigger">Trigger a run…</a></li>
    <li><a href="${base}/schedule">Edit the schedule…</a></li>
    <li><a href="${base}/dry-run">Dry run: what would move now</a></li>
  </ul>`;
}

/** A failed run's link to its rerun page (which asks before it reruns), for the lists of executions. */
export function rerunLink(run: { readonly execution_id: string; readonly status: string }): SafeHtml | null {
  if (run.status !== 'failed') return null;
  return html`<a class="rerun" href="/ui/executions/${encodeURIComponent(run.execution_id)}/rerun">Rerun…</a>`;
}
