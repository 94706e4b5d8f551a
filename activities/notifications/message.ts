import type { NotificationPayload } from './outbox';

const HEADLINES: Record<NotificationPayload['type'], string> = {
  'run.failed': 'run failed',
  'run.timed_out': 'run timed out',
  'run.recovered': 'recovered: a run completed after failures',
  'run.skipped': 'scheduled run skipped',
  'run.missed': 'scheduled run missed',
  'run.unusual': 'unusual run',
};

export interface MessageLinks {
  readonly execution: string | null;
  readonly webUi: string | null;
}

/** What happened, in a line: "reschedule_remaining_tasks: run failed". */
export function headline(payload: NotificationPayload): string {
  return `${payload.process.name}: ${HEADLINES[payload.type]}`;
}

/** The lines of detail a person needs: the error, the day and why, the counts. */
export function detailLines(payload: NotificationPayload): string[] {
  const lines: string[] = [];
  const execution = payload.execution;
  if (execution?.error_message) lines.push(`Error: ${execution.error_message}`);
  if (execution?.logical_time) lines.push(`Run for: ${execution.logical_time}`);
  if (payload.nominal) lines.push(`Scheduled for: ${payload.nominal.time} (${payload.nominal.local_date})`);
  if (payload.nominal?.reason) lines.push(`Why: ${payload.nominal.reason}`);
  if (payload.unusual) {
    const { moved, max_moved, median_moved } = payload.unusual;
    lines.push(
      max_moved !== null && moved > max_moved
        ? `Moved ${moved} tasks, more than the policy's ${max_moved}`
        : `Moved no tasks, where its last runs moved ${median_moved ?? 0} (median)`,
    );
  }
  return lines;
}

export function linksOf(payload: NotificationPayload, apiPublicUrl: string): MessageLinks {
  const id = payload.execution?.execution_id;
  return {
    execution: id ? `${apiPublicUrl}/executions/${id}` : null,
    webUi: payload.execution?.web_ui_url ?? null,
  };
}
