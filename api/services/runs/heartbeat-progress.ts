import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';

/** What a running work activity last reported (RescheduleProgress in activities/reschedule-remaining-tasks.ts). */
export interface HeartbeatProgress {
  readonly tasksFound: number | null;
  readonly tasksDone: number | null;
  readonly batches: number | null;
  /** Attempt of the activity that heartbeat (2 and up: a retry resumed from its details). */
  readonly attempt: number;
  /** When Temporal last received a heartbeat, ISO-8601 UTC; null before the first. */
  readonly lastHeartbeatAt: string | null;
}

/** How long a page waits for Temporal before it shows the run without its heartbeat. */
const DESCRIBE_TIMEOUT_MS = 1_000;

const count = (value: unknown): number | null =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;

/**
 * The run's pending activity's last heartbeat details, from Temporal (they are not in the database).
 * Best effort: null when the workflow has no pending activity, Temporal is slow or down, or the
 * details are not progress counts; the page then shows the audit's counts alone.
 */
export async function heartbeatProgress(
  client: Client,
  workflowId: string,
  runId: string | null,
): Promise<HeartbeatProgress | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), DESCRIBE_TIMEOUT_MS)));
  try {
    const description = await Promise.race([
      client.workflow.getHandle(workflowId, runId ?? undefined).describe(),
      timeout,
    ]);
    const pending = description?.raw.pendingActivities ?? [];
    for (const activity of pending) {
      const payload = activity.heartbeatDetails?.payloads?.[0];
      if (!payload) continue;
      const details: unknown = defaultPayloadConverter.fromPayload(payload);
      if (typeof details !== 'object' || details === null) continue;
      const d = details as Record<string, unknown>;
      const progress = {
        tasksFound: count(d.tasksFound),
        tasksDone: count(d.tasksRescheduled),
        batches: count(d.batches),
      };
      if (progress.tasksFound === null && progress.tasksDone === null && progress.batches === null) continue;
      const seconds = activity.lastHeartbeatTime?.seconds;
      return {
        ...progress,
        attempt: activity.attempt ?? 1,
        lastHeartbeatAt:
          seconds === undefined || seconds === null
            ? null
            : new Date(
                Number(seconds) * 1000 + Math.floor((activity.lastHeartbeatTime?.nanos ?? 0) / 1e6),
              ).toISOString(),
      };
    }
    return null;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}
