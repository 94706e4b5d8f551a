import type { ExecutionView } from '../../schemas/execution';
import type { BatchTimeline } from '../../services/runs/execution-batches';
import type { HeartbeatProgress } from '../../services/runs/heartbeat-progress';
import { lateness, offsetFrom, formatDuration, resultEntries } from '../execution-format';
import { timeCell } from '../format';
import { html, type SafeHtml } from '../html';
import { executionLink } from './execution-link';

/** What the execution page's changing part is built from; the live route builds the same. */
export interface ExecutionState {
  readonly view: ExecutionView;
  readonly zone: string;
  readonly timeline: BatchTimeline;
  readonly progress: HeartbeatProgress | null;
}

/** A run still to end: the page polls while this holds. */
export function isOpen(view: Pick<ExecutionView, 'status'>): boolean {
  return view.status === 'pending' || view.status === 'running';
}

function statusPart({ view, timeline, progress }: ExecutionState): SafeHtml {
  const found = progress?.tasksFound ?? null;
  const moved = found !== null && isOpen(view) ? `${timeline.tasks} of ${found} found` : String(timeline.tasks);
  const heartbeat = progress
    ? html`<p class="muted">
        Last heartbeat: ${progress.batches ?? '?'} batches, ${progress.tasksDone ?? '?'} of
        ${progress.tasksFound ?? '?'} tasks${progress.attempt > 1 ? ` (attempt ${progress.attempt})` : ''}.
      </p>`
    : null;
  return html`<p class="status-line">
      Status: <strong id="execution-status" class="outcome-${view.status}">${view.status}</strong> · Tasks moved:
      <span id="tasks-moved">${moved}</span>
      ${isOpen(view) ? html`<span class="muted">(updating)</span>` : null}
    </p>
    ${
      view.status === 'pending' && view.waiting_reason
        ? html`<p>Waiting: <span id="waiting-reason">${view.waiting_reason}</span></p>`
        : null
    }
    ${heartbeat}`;
}

function timelinePart({ view, zone, timeline }: ExecutionState): SafeHtml {
  const late = lateness(view.logical_time, view.started_at);
  const batches = timeline.batches.map(
    (batch, i) =>
      html`<li>
        <span class="when">${timeCell(batch.at, zone)}</span>
        Batch ${i + 1}: ${batch.tasks} ${batch.tasks === 1 ? 'task' : 'tasks'}
        <span class="muted">${offsetFrom(view.started_at, batch.at) ?? ''}</span>
      </li>`,
  );
  const unlisted = timeline.batchCount - timeline.batches.length;
  return html`<ol class="timeline">
      <li><span class="when">${timeCell(view.logical_time, zone)}</span> Nominal time</li>
      ${
        view.queued_at
          ? html`<li><span class="when">${timeCell(view.queued_at, zone)}</span> Queued by a concurrency limit</li>`
          : null
      }
      <li>
        <span class="when">${timeCell(view.started_at, zone)}</span> Started
        ${late ? html`<span id="lateness" class="muted">(${late})</span>` : null}
      </li>
      ${batches} ${unlisted > 0 ? html`<li class="muted">… and ${unlisted} more batches</li>` : null}
      ${
        view.completed_at
          ? html`<li>
              <span class="when">${timeCell(view.completed_at, zone)}</span> Closed:
              <span class="outcome-${view.status}">${view.status}</span>
              ${view.duration_ms === null ? null : html`<span class="muted">after ${formatDuration(view.duration_ms)}</span>`}
            </li>`
          : html`<li class="muted">Not closed yet</li>`
      }
    </ol>
    <p class="muted">
      Batches are the audit's commits that moved tasks (${timeline.batchCount}); times in ${zone}, hover for UTC.
    </p>`;
}

function resultPart({ view }: ExecutionState): SafeHtml {
  if (view.error_message !== null) {
    return html`<p class="error">Error:</p>
      <pre class="error-message" id="error-message">${view.error_message}</pre>`;
  }
  if (view.result === null) return html`<p class="muted">No result yet.</p>`;
  return html`<dl class="facts" id="result">
      ${resultEntries(view.result).map(
        (e) =>
          html`<dt>${e.label}</dt>
            <dd data-key="${e.key}">${e.value}</dd>`,
      )}
    </dl>
    <details>
      <summary>The result as JSON</summary>
      <pre class="json">${JSON.stringify(view.result, null, 2)}</pre>
    </details>`;
}

function relationsPart({ view }: ExecutionState): SafeHtml | null {
  const items = [
    view.rerun_of ? html`<li>Reruns ${executionLink({ execution_id: view.rerun_of })}</li>` : null,
    view.caused_by ? html`<li>Started by the end of ${executionLink({ execution_id: view.caused_by })}</li>` : null,
    view.event_id ? html`<li>Started by event <code>${view.event_id}</code></li>` : null,
    ...(view.caused ?? []).map(
      (c) =>
        html`<li>
          Started ${c.process}: ${executionLink(c)}${c.started ? null : html` <span class="muted">(queued)</span>`}
        </li>`,
    ),
  ].filter((item) => item !== null);
  return items.length
    ? html`<h2>Related runs</h2>
        <ul id="relations">
          ${items}
        </ul>`
    : null;
}

/**
 * The part of the page that changes while the run is open, in two pieces the script swaps apart:
 * the status (in an aria-live region, so its changes are announced) and the details.
 */
export function liveParts(state: ExecutionState): { status: SafeHtml; details: SafeHtml } {
  return {
    status: statusPart(state),
    details: html`<h2>Timeline</h2>
      ${timelinePart(state)}
      <h2>${state.view.error_message === null ? 'Result' : 'Error'}</h2>
      ${resultPart(state)} ${relationsPart(state)}`,
  };
}

/** GET /ui/executions/:id/live: both pieces, marked so the script finds them. */
export function liveFragment(state: ExecutionState): string {
  const { status, details } = liveParts(state);
  return html`<div data-part="status">${status}</div>
    <div data-part="details">${details}</div>`.value;
}
