import { html, type SafeHtml } from '../html';

/** The console's page of one execution. */
export function executionHref(executionId: string): string {
  return `/ui/executions/${encodeURIComponent(executionId)}`;
}

/** A link to an execution's page, named by its text (a status, a time) or its id. */
export function executionLink(
  run: { readonly execution_id: string },
  text: string | SafeHtml = run.execution_id,
): SafeHtml {
  return html`<a href="${executionHref(run.execution_id)}">${text}</a>`;
}
