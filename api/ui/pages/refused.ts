import { html, type SafeHtml } from '../html';
import { layout, type PageContext } from './layout';

export interface PageLink {
  readonly href: string;
  readonly text: string;
}

/**
 * An action that did not happen, or not yet (a run refused while another is in progress, a run no
 * worker has picked up, a dry run the implementation cannot do): the service's reason, and where to go.
 */
export function actionOutcomePage(
  title: string,
  message: string,
  links: readonly PageLink[],
  context: PageContext,
): string {
  return layout(
    title,
    html`<h1>${title}</h1>
      <p role="alert" class="notice" id="reason">${message}</p>
      ${linkList(links)}`,
    context,
  );
}

export function linkList(links: readonly PageLink[]): SafeHtml {
  return html`<ul class="actions">
    ${links.map((link) => html`<li><a href="${link.href}">${link.text}</a></li>`)}
  </ul>`;
}

export function processHref(name: string, action?: string): string {
  const base = `/ui/processes/${encodeURIComponent(name)}`;
  return action === undefined ? base : `${base}/${action}`;
}

export function executionHref(executionId: string): string {
  return `/ui/executions/${encodeURIComponent(executionId)}`;
}
