import { createHash, randomUUID } from 'node:crypto';

/**
 * Every Temporal id this service makes, in one scheme: a process's schedule is
 * "<task queue>:<process name>" (deployments sharing a namespace on different task queues keep
 * apart), and each of its workflows is that id, a dash and what makes the run unique. Temporal
 * itself appends the nominal time to scheduled runs ("…:reschedule_remaining_tasks-2026-12-01T04:00:00Z");
 * manual runs get "-manual-<id>"; a backfill's runs "-backfill-<instant>", in Temporal's form, and the
 * backfill itself (the workflow running them in turn) "-backfill-run-<id>"; a rerun "-rerun-<its execution
 * id>", a rerun of the failed ones "-rerun-of-<failed execution id>" and their coordinator
 * "-rerun-failed-<id>".
 */
export function scheduleIdFor(processName: string, { taskQueue }: { readonly taskQueue: string }): string {
  return `${taskQueue}:${processName}`;
}

/** A backfill's workflow, and each of its runs' in the order of `times`. */
export interface BackfillIds {
  readonly workflowId: string;
  readonly runWorkflowIds: readonly string[];
}

/**
 * The run for an instant has one id whichever backfill asks for it, so two backfills covering the
 * same day never run it at once: the second finds it running (and says so). The backfill's own id
 * is fresh: two backfills of overlapping ranges are two requests.
 */
export function backfillIds(
  processName: string,
  settings: { readonly taskQueue: string },
  times: readonly number[],
): BackfillIds {
  const base = `${scheduleIdFor(processName, settings)}-backfill-`;
  return {
    workflowId: `${base}run-${randomUUID()}`,
    runWorkflowIds: times.map((t) => base + new Date(t).toISOString().replace(/\.000Z$/, 'Z')),
  };
}

/** Which workflow and execution row a manual run gets. */
export interface ManualRunIds {
  readonly workflowId: string;
  readonly executionId: string;
}

/** Hex digits of the key's hash in the workflow id: 128 bits, plenty against collisions. */
const KEY_HASH_HEX = 32;

/**
 * Without a key: fresh ids. With an Idempotency-Key: ids derived from the process row and the key,
 * so a retried request names the same workflow and the same execution row. The process id (not its
 * name) goes into the hash, so a process created again under a deleted one's name starts afresh.
 */
export function manualRunIds(
  process: { readonly name: string; readonly processId: string },
  settings: { readonly taskQueue: string },
  idempotencyKey?: string,
): ManualRunIds {
  const base = `${scheduleIdFor(process.name, settings)}-manual-`;
  if (idempotencyKey === undefined) {
    const executionId = randomUUID();
    return { executionId, workflowId: base + executionId };
  }
  const digest = createHash('sha256').update(`${process.processId}\n${idempotencyKey}`).digest();
  return {
    workflowId: base + digest.toString('hex').slice(0, KEY_HASH_HEX),
    executionId: uuidFromBytes(digest),
  };
}

/** An RFC 9562 version-8 (custom) UUID from the first 16 bytes of a hash. */
export function uuidFromBytes(bytes: Buffer): string {
  if (bytes.length < 16) throw new RangeError('a UUID needs 16 bytes');
  const b = Buffer.from(bytes.subarray(0, 16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x80;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A rerun by POST /executions/:id/rerun: fresh ids, so an execution may be rerun again later. */
export function rerunIds(process: { readonly name: string }, settings: { readonly taskQueue: string }): ManualRunIds {
  const executionId = randomUUID();
  return { executionId, workflowId: `${scheduleIdFor(process.name, settings)}-rerun-${executionId}` };
}

/**
 * The reruns of failed executions (POST /processes/:name/rerun-failed): each rerun's workflow id is
 * the failed execution's, so two requests covering it never rerun it twice at once; the coordinator's
 * id is fresh.
 */
export function rerunFailedIds(
  processName: string,
  settings: { readonly taskQueue: string },
  failedExecutionIds: readonly string[],
): { readonly workflowId: string; readonly reruns: readonly ManualRunIds[] } {
  const base = scheduleIdFor(processName, settings);
  return {
    workflowId: `${base}-rerun-failed-${randomUUID()}`,
    reruns: failedExecutionIds.map((id) => ({ workflowId: `${base}-rerun-of-${id}`, executionId: randomUUID() })),
  };
}
