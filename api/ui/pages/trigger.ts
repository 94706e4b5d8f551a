import type { ProcessView } from '../../schemas/process';
import { formatLocalDate, localDateAt } from '../../../time';
import { html, type SafeHtml } from '../html';
import { csrfField, layout, type PageContext } from './layout';
import { zoneOf } from './processes';
import { linkList, processHref } from './refused';

/** What a run started now is allowed to do when another is in progress: the process's overlap rule. */
function overlapText(view: ProcessView): string {
  const limit = view.concurrency.limit;
  const runs = limit === 1 ? 'a run' : `${limit} runs`;
  switch (view.overlap) {
    case 'skip':
      return `If ${runs} of this process ${limit === 1 ? 'is' : 'are'} in progress, nothing starts and the next page says so (overlap: skip).`;
    case 'buffer_one':
      return `If ${runs} of this process ${limit === 1 ? 'is' : 'are'} in progress, the run waits for a slot (overlap: buffer_one).`;
    case 'cancel_other':
      return `If ${runs} of this process ${limit === 1 ? 'is' : 'are'} in progress, they are cancelled and the run takes their slot (overlap: cancel_other).`;
  }
}

/**
 * GET /ui/processes/:name/trigger: what a run now will do, and the button that starts it. The form
 * carries a request id, sent as the trigger's Idempotency-Key: a second submit of this page (a
 * double click, a resend) answers with the same run instead of starting another.
 */
export function triggerPage(
  view: ProcessView,
  requestId: string,
  defaultZone: string,
  now: number,
  context: PageContext,
): string {
  const zone = zoneOf(view, defaultZone);
  const day = formatLocalDate(localDateAt(zone, now));
  const paused: SafeHtml | null = view.paused
    ? html`<li>The process is paused: its schedule starts no run, but this trigger does.</li>`
    : null;
  return layout(
    `Trigger ${view.name}`,
    html`<h1>Trigger a run of ${view.name}</h1>
      <h2>What will happen</h2>
      <ul id="what-happens">
        <li>
          A run of <strong>${view.name}</strong> (implementation ${view.implementation}) starts now, trigger
          <code>manual</code>, for today in its zone: ${day} (${zone}).
        </li>
        <li>It does what a scheduled run does, and is recorded as an execution with its audit of every task moved.</li>
        <li>${overlapText(view)}</li>
        ${paused}
      </ul>
      <p><a href="${processHref(view.name, 'dry-run')}">See first what it would move (dry run)</a></p>
      <form method="post" action="${processHref(view.name, 'trigger')}" class="card">
        ${csrfField(context.csrf)}
        <input type="hidden" name="request_id" value="${requestId}" />
        <button type="submit">Start the run now</button>
      </form>
      ${linkList([{ href: processHref(view.name), text: `Cancel: back to ${view.name}` }])}`,
    context,
  );
}
