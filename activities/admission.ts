import type { EntityManager } from '@mikro-orm/postgresql';
import type { Overlap, ProcessConcurrency } from '../config/concurrency';
import type { Orm } from '../db/orm';
import { ApplicationFailure } from '@temporalio/activity';
import type { BeginExecutionInput, PendingOutcome, RunTriggerName } from './run-types';
import { pgArray } from './sql';

/**
 * Whether a run may start now (issue 12, item 5): at most `concurrency.limit` runs of a process in
 * progress per value of its key, and MAX_CONCURRENT_RUNS across every process. Every decision is
 * taken under one transaction-scoped advisory lock, so two runs never both take the last slot; the
 * unique index on (process, key value, slot) of running rows backs the per-process limit in the
 * database too. A run that may not start waits with a `pending` row, in order of arrival per key.
 */
export interface RunLimits {
  readonly maxConcurrentRuns: number;
  readonly concurrency: ProcessConcurrency;
  readonly overlap: Overlap;
}

export interface AdmissionRequest {
  readonly executionId: string;
  readonly processId: string;
  readonly processName: string;
  readonly trigger: RunTriggerName;
  /** The run's value of the process's concurrency key ('' without one). */
  readonly key: string;
  /** The workflow can wait with a pending row (from the concurrency patch on); older ones cannot. */
  readonly queues: boolean;
  readonly limits: RunLimits;
}

/** Where a new row goes: running in a slot, or pending with why. */
export type Placement =
  | { readonly status: 'running'; readonly key: string; readonly slot: number }
  | { readonly status: 'pending'; readonly key: string; readonly reason: string };

/** Inserts the run's row (and whatever belongs with it, a day's claim) inside the admission's transaction. */
export type OpenRow = (em: EntityManager, placement: Placement) => Promise<void>;

export interface SlotHolder {
  readonly execution_id: string;
  readonly workflow_id: string;
  readonly workflow_run_id: string | null;
  readonly status: string;
  readonly concurrency_slot: number | null;
  /**
   * Whether it has held its place long enough that a waiting run should look for its workflow being
   * gone (describing every holder on every look would be waste; a run about to be skipped looks at all).
   */
  readonly settled: boolean;
}

export type Admission =
  /** The row is running (opened now, or by an earlier attempt of the same activity). */
  | { readonly kind: 'opened' }
  /** The row is pending: the run waits for a slot. `cancel`: runs to cancel first (overlap cancel_other). */
  | { readonly kind: 'pending'; readonly reason: string; readonly cancel: readonly SlotHolder[] }
  /** Not opened: the process's limit is reached and the overlap policy does not queue this run. */
  | { readonly kind: 'busy'; readonly holder: SlotHolder; readonly reason: string }
  /** A pending row that is no longer pending (cancelled, or closed as stale). */
  | { readonly kind: 'gone'; readonly status: string };

/** Every blocked decision also names the holders whose workflows may be gone (their rows then closed as stale). */
export type AdmissionDecision = Admission & { readonly suspects: readonly SlotHolder[] };

const LOCK = `SELECT pg_advisory_xact_lock(hashtext('behflow_processes.run_admission'))`;
/** A holder younger than this is taken to be alive: describing every holder's workflow on every try would be waste. */
const SETTLED = `now() - interval '30 seconds'`;
/** A SlotHolder's columns, of the executions table or of its alias `t`. */
function holderColumns(t = ''): string {
  const c = t ? `${t}.` : '';
  return `${c}execution_id, ${c}workflow_id, ${c}workflow_run_id, ${c}status::text AS status, ${c}concurrency_slot,
  coalesce(${c}queued_at, ${c}started_at) < ${SETTLED} AS settled`;
}
const HOLDER_COLUMNS = holderColumns();

/** A new run: opens its row running or pending, or says it is busy. */
export async function admitNewRun(orm: Orm, request: AdmissionRequest, open: OpenRow): Promise<AdmissionDecision> {
  return underAdmissionLock(orm, async (em) => {
    const [own] = await em.execute<{ status: string }[]>(
      `SELECT status::text AS status FROM automated_process_executions WHERE execution_id = ?`,
      [request.executionId],
    );
    // An earlier attempt of this activity placed it: a pending row is decided again, like any waiting run.
    if (own?.status === 'pending') return decidePending(em, request, true);
    if (own) return { kind: 'opened', suspects: [] };
    return decideNew(em, request, open);
  });
}

let lastAdmission: Promise<unknown> = Promise.resolve();

/**
 * `decide` in a transaction holding the admission lock. One admission at a time per process: a run
 * waiting for the database's lock holds a pool connection while it waits, so a burst of waiting runs
 * took every connection and the runs in progress could not close their rows. Waiting in line here
 * costs nothing; the advisory lock still orders the admissions of several workers.
 */
function underAdmissionLock(
  orm: Orm,
  decide: (em: EntityManager) => Promise<AdmissionDecision>,
): Promise<AdmissionDecision> {
  const admission = lastAdmission.then(() =>
    orm.em.fork().transactional(async (em) => {
      await em.execute(LOCK);
      return decide(em);
    }),
  );
  lastAdmission = admission.catch(() => undefined);
  return admission;
}

/** A pending run looking again: running now, still pending (with why), or gone. */
export async function admitPendingRun(orm: Orm, request: AdmissionRequest): Promise<AdmissionDecision> {
  const blocked = await blockedInGroup(orm.em.fork(), request);
  return blocked ?? underAdmissionLock(orm, (em) => decidePending(em, request));
}

/**
 * Most looks are by runs with earlier runs of their key still waiting, or with its limit full: they
 * cannot start, so they answer from one read without the admission lock, which the first in line then
 * gets without a queue of hopeless looks before it (a burst of 200 waiting runs made every start wait
 * behind them). Nothing is decided here: a stale read only makes a run wait for its next look, and the
 * run that frees the slot wakes the new first in line (wakeWaitingRuns), whose look takes the lock.
 */
async function blockedInGroup(em: EntityManager, request: AdmissionRequest): Promise<AdmissionDecision | undefined> {
  const group = await em.execute<(SlotHolder & { before_me: boolean; global_running: number })[]>(
    `SELECT ${holderColumns('h')},
            (coalesce(h.queued_at, h.started_at), h.execution_id) < (coalesce(me.queued_at, me.started_at), me.execution_id) AS before_me,
            (SELECT count(*)::int FROM automated_process_executions
              WHERE status = 'running' AND workflow_id IS NOT NULL) AS global_running
       FROM automated_process_executions me
       JOIN automated_process_executions h
         ON h.process_id = me.process_id AND coalesce(h.concurrency_key, '') = coalesce(me.concurrency_key, '')
      WHERE me.execution_id = ? AND me.status = 'pending'
        AND h.status IN ('running', 'pending') AND h.workflow_id IS NOT NULL AND h.execution_id <> me.execution_id
      ORDER BY coalesce(h.queued_at, h.started_at), h.execution_id`,
    [request.executionId],
  );
  const running = group.filter((h) => h.status === 'running');
  const ahead = group.filter((h) => h.status === 'pending' && h.before_me);
  const slot = freeSlot(request.limits.concurrency.limit, running);
  if (slot !== undefined && ahead.length === 0) return undefined;
  const reason = waitingReason(request, slot, running, ahead, group[0]?.global_running ?? 0);
  await em.execute(
    `UPDATE automated_process_executions SET waiting_reason = ?
      WHERE execution_id = ? AND status = 'pending' AND waiting_reason IS DISTINCT FROM ?`,
    [reason, request.executionId, reason],
  );
  return { kind: 'pending', reason, cancel: [], suspects: blockers(running, ahead).filter((h) => h.settled) };
}

interface Occupancy {
  readonly running: SlotHolder[];
  /** Pending runs of the same process and key, oldest first. */
  readonly waiting: SlotHolder[];
  readonly globalRunning: number;
}

async function occupancy(em: EntityManager, request: AdmissionRequest): Promise<Occupancy> {
  const group = await em.execute<SlotHolder[]>(
    `SELECT ${HOLDER_COLUMNS} FROM automated_process_executions
      WHERE process_id = ? AND coalesce(concurrency_key, '') = ? AND status IN ('running', 'pending')
        AND workflow_id IS NOT NULL AND execution_id <> ?
      ORDER BY coalesce(queued_at, started_at), execution_id`,
    [request.processId, request.key, request.executionId],
  );
  const [all] = await em.execute<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM automated_process_executions WHERE status = 'running' AND workflow_id IS NOT NULL`,
  );
  return {
    running: group.filter((h) => h.status === 'running'),
    waiting: group.filter((h) => h.status === 'pending'),
    globalRunning: all?.n ?? 0,
  };
}

function freeSlot(limit: number, running: readonly SlotHolder[]): number | undefined {
  const taken = new Set(running.map((h) => h.concurrency_slot ?? 0));
  for (let slot = 0; slot < limit; slot++) if (!taken.has(slot)) return slot;
  return undefined;
}

async function decideNew(em: EntityManager, request: AdmissionRequest, open: OpenRow): Promise<AdmissionDecision> {
  const { limits, key } = request;
  const { running, waiting, globalRunning } = await occupancy(em, request);
  const slot = freeSlot(limits.concurrency.limit, running);
  // A workflow from before the limits can only start or be skipped, as it always was.
  if (!request.queues) {
    if (slot === undefined) return busy(running[0]!, request, running, waiting);
    await open(em, { status: 'running', key, slot });
    return { kind: 'opened', suspects: [] };
  }
  const processFull = slot === undefined || waiting.length > 0;
  if (!processFull && globalRunning < limits.maxConcurrentRuns) {
    await open(em, { status: 'running', key, slot });
    return { kind: 'opened', suspects: [] };
  }
  const suspects = processFull ? [...running, ...waiting] : await globalHolders(em);
  if (processFull && !queuesWhenFull(request, waiting.length)) {
    return busy(running[0] ?? waiting[0]!, request, running, waiting);
  }
  const reason = waitingReason(request, slot, running, waiting, globalRunning);
  await open(em, { status: 'pending', key, reason });
  const cancel = processFull && limits.overlap === 'cancel_other' ? [...running, ...waiting] : [];
  return { kind: 'pending', reason, cancel, suspects: suspects.filter((s) => s.settled) };
}

/**
 * Whether a run that finds its process's limit reached waits for a slot. Event runs are never dropped;
 * a scheduled run keeps waiting without a row (its day's claim waits with it: runForDays); buffer_one
 * keeps one waiting run per key; cancel_other makes room.
 */
function queuesWhenFull({ trigger, limits }: AdmissionRequest, waiting: number): boolean {
  if (trigger === 'event') return true;
  if (limits.overlap === 'cancel_other') return true;
  if (trigger === 'schedule' || trigger === 'backfill') return false;
  return limits.overlap === 'buffer_one' && waiting === 0;
}

async function decidePending(
  em: EntityManager,
  request: AdmissionRequest,
  /** A retried placement: the cancellations its first attempt may not have sent. */
  placing = false,
): Promise<AdmissionDecision> {
  const [own] = await em.execute<{ status: string; queued: string }[]>(
    `SELECT status::text AS status, coalesce(queued_at, started_at) AS queued
       FROM automated_process_executions WHERE execution_id = ?`,
    [request.executionId],
  );
  if (!own || own.status !== 'pending') return { kind: 'gone', status: own?.status ?? 'missing', suspects: [] };
  const { limits } = request;
  const { running, waiting, globalRunning } = await occupancy(em, request);
  const ahead = await waitingAhead(em, request, waiting);
  const slot = freeSlot(limits.concurrency.limit, running);
  if (slot !== undefined && ahead.length === 0 && globalRunning < limits.maxConcurrentRuns) {
    await em.execute(
      `UPDATE automated_process_executions
          SET status = 'running', started_at = clock_timestamp(), concurrency_slot = ?, waiting_reason = NULL
        WHERE execution_id = ? AND status = 'pending'`,
      [slot, request.executionId],
    );
    return { kind: 'opened', suspects: [] };
  }
  const processFull = slot === undefined || ahead.length > 0;
  const reason = waitingReason(request, slot, running, ahead, globalRunning);
  await em.execute(
    `UPDATE automated_process_executions SET waiting_reason = ?
      WHERE execution_id = ? AND waiting_reason IS DISTINCT FROM ?`,
    [reason, request.executionId, reason],
  );
  const suspects = processFull ? blockers(running, ahead) : await globalHolders(em);
  const cancel = placing && processFull && limits.overlap === 'cancel_other' ? [...running, ...ahead] : [];
  return { kind: 'pending', reason, cancel, suspects: suspects.filter((s) => s.settled) };
}

/** The pending runs of the group that came before this one (arrival order; the id breaks ties). */
async function waitingAhead(
  em: EntityManager,
  request: AdmissionRequest,
  waiting: readonly SlotHolder[],
): Promise<SlotHolder[]> {
  if (waiting.length === 0) return [];
  const rows = await em.execute<{ execution_id: string }[]>(
    `SELECT w.execution_id FROM automated_process_executions w, automated_process_executions me
      WHERE me.execution_id = ? AND w.execution_id = ANY(?::uuid[])
        AND (coalesce(w.queued_at, w.started_at), w.execution_id) < (coalesce(me.queued_at, me.started_at), me.execution_id)`,
    [request.executionId, pgArray(waiting.map((w) => w.execution_id))],
  );
  const before = new Set(rows.map((r) => r.execution_id));
  return waiting.filter((w) => before.has(w.execution_id));
}

/**
 * The holders whose workflows a waiting run looks for being gone: the first run waiting before it (that
 * one looks at the runs ahead of itself), or, first in line, the runs holding its group's slots.
 */
function blockers(running: readonly SlotHolder[], ahead: readonly SlotHolder[]): SlotHolder[] {
  return ahead.length > 0 ? ahead.slice(0, 1) : [...running];
}

/** The oldest runs in progress across all processes: the ones to look at when the global limit is full. */
async function globalHolders(em: EntityManager): Promise<SlotHolder[]> {
  return em.execute<SlotHolder[]>(
    `SELECT ${HOLDER_COLUMNS} FROM automated_process_executions
      WHERE status = 'running' AND workflow_id IS NOT NULL ORDER BY started_at LIMIT 20`,
  );
}

function busy(
  holder: SlotHolder,
  request: AdmissionRequest,
  running: readonly SlotHolder[],
  waiting: readonly SlotHolder[],
): AdmissionDecision {
  const reason = processReason(request, running, waiting);
  // Skipping a run for a holder that is gone loses the run: every holder is looked at, however young.
  return { kind: 'busy', holder, reason, suspects: [...running, ...waiting] };
}

function processReason(
  { processName, limits, key }: AdmissionRequest,
  running: readonly SlotHolder[],
  waiting: readonly SlotHolder[],
): string {
  const { limit, key: keyPath } = limits.concurrency;
  const per = keyPath ? ` per ${keyPath} (this run's: ${key === '' ? 'absent' : JSON.stringify(key)})` : '';
  const held = running.length ? `; in progress: ${running.map((h) => h.execution_id).join(', ')}` : '';
  const queue = waiting.length ? `; waiting before it: ${waiting.map((h) => h.execution_id).join(', ')}` : '';
  return `"${processName}" runs at most ${limit} at once${per}${held}${queue} (overlap ${limits.overlap})`;
}

/**
 * Why a run waits: its process's limit (naming the runs holding it), or the runs of its process and
 * key that came first and wait themselves (for the global limit, say), or MAX_CONCURRENT_RUNS.
 */
function waitingReason(
  request: AdmissionRequest,
  slot: number | undefined,
  running: readonly SlotHolder[],
  ahead: readonly SlotHolder[],
  globalRunning: number,
): string {
  if (slot === undefined) return processReason(request, running, ahead);
  const global = globalRunning >= request.limits.maxConcurrentRuns ? globalReason(request, globalRunning) : '';
  if (ahead.length === 0) return global;
  const first = `${ahead.length} earlier run(s) of "${request.processName}"${keyOf(request)} wait before it, in order of arrival (first: ${ahead[0]!.execution_id})`;
  return global ? `${first}; ${global}` : first;
}

function keyOf({ limits, key }: AdmissionRequest): string {
  return limits.concurrency.key ? ` with ${limits.concurrency.key} ${key === '' ? 'absent' : JSON.stringify(key)}` : '';
}

function globalReason({ limits }: AdmissionRequest, running: number): string {
  return `MAX_CONCURRENT_RUNS is ${limits.maxConcurrentRuns} and ${running} runs are in progress across all processes`;
}

/** The outcome a begin activity answers for a run that waits for a slot. */
export function pendingOutcome(input: BeginExecutionInput, reason: string): PendingOutcome {
  return { kind: 'pending', executionId: input.executionId, logicalTime: input.logicalTime, reason };
}

/** A retried begin that finds its own pending row closed meanwhile (cancelled, or closed as stale). */
export function closedWhileWaiting(executionId: string, status: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`run ${executionId} was closed (${status}) while it waited for a slot`);
}
