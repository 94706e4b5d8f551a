import { ApplicationFailure, log } from '@temporalio/activity';
import type { Schedule } from '../config/schedule';
import type { AutomatedProcess } from '../db/entities';
import type { Orm } from '../db/orm';
import { firingTimesBetween, formatIsoWithOffset, formatLocalDate, lastFiringAtOrBefore, localDateAt } from '../time';
import {
  claimDayAndOpen,
  dayClaim,
  lastLedgeredBefore,
  ledgeredTimes,
  recordNominal,
  type NominalEntry,
} from './day-ledger';
import type { EntityManager } from '@mikro-orm/postgresql';
import { closedWhileWaiting, pendingOutcome, type Admission, type OpenRow, type Placement } from './admission';
import type { Notifier } from './notifications/notifier';
import { loadProcess, runContext, type ProcessOfRun } from './process-of-run';
import type { BeginExecutionInput, BeginScheduledOutcome, SkippedTimesInput, SkippedTimesOutcome } from './run-types';

export interface ScheduledRunDeps {
  readonly orm: Orm;
  readonly defaultTimezone: string;
  readonly now?: () => number;
  /** executions.ts's: opens the row with `open` (running or pending), or names the run in progress. */
  readonly openRow: (input: BeginExecutionInput, ofRun: ProcessOfRun, open: OpenRow) => Promise<Admission>;
  readonly insertRow: (
    em: EntityManager,
    input: BeginExecutionInput,
    processId: string,
    placement: Placement,
  ) => Promise<void>;
  /** Queues the skipped and missed notifications with the ledger's rows. */
  readonly notifier?: Notifier;
}

const iso = (ms: number) => new Date(ms).toISOString();
const LOOK_BACK_MS = 31 * 86_400_000;

/**
 * Scheduled and backfilled runs: one per process and local day (the day's claim), a late start
 * never moving tasks to a day that has ended, and every nominal time accounted for in the ledger.
 */
export function createScheduledRunActivities(deps: ScheduledRunDeps) {
  const { orm, defaultTimezone, openRow } = deps;
  const now = deps.now ?? Date.now;

  return {
    async beginScheduledRun(input: BeginExecutionInput): Promise<BeginScheduledOutcome> {
      const ofRun = await loadProcess(orm.em.fork(), input.processName, defaultTimezone);
      const { process, schedule } = ofRun;
      if (!schedule) {
        throw ApplicationFailure.nonRetryable(
          `automated process "${process.name}" has no schedule (schedule_config), so it has no days to run for`,
          'NoSchedule',
        );
      }
      const nominal = Date.parse(input.logicalTime);
      if (input.trigger === 'schedule' && !isFiringTime(nominal)) {
        // Temporal's "trigger now" (Web UI, CLI) is an operator's explicit run: like a manual one, no claim.
        const admission = await openRow(input, ofRun, (em, placement) =>
          deps.insertRow(em, input, process.processId, placement),
        );
        if (admission.kind === 'busy') return busy(admission.holder, false);
        if (admission.kind === 'pending') return pendingOutcome(input, admission.reason);
        if (admission.kind === 'gone') throw closedWhileWaiting(input.executionId, admission.status);
        return { kind: 'started', run: runContext(input, ofRun) };
      }

      const ledger = ledgerFor(process, schedule, input);
      if (input.trigger === 'schedule') await recordUnstartedTimes(ledger, process, nominal);
      const runFor = input.trigger === 'schedule' ? await settleLateStart(ledger, nominal) : nominal;
      if (runFor === undefined) return { kind: 'missed', reason: ledger.lastReason };
      const runInput = { ...input, logicalTime: iso(runFor) };
      const localDate = ledger.dateOf(runFor);
      const admission = await openRow(runInput, ofRun, (em, placement) =>
        claimDayAndOpen(
          em,
          { ...runInput, processId: process.processId, nominalTime: iso(runFor), localDate },
          placement,
        ),
      );
      if (admission.kind === 'busy') {
        const running = admission.holder;
        const reason = `run ${running.execution_id} of this process was in progress; this run waits for it to finish`;
        await ledger.record(runFor, 'skipped', reason, running.execution_id);
        return busy(running, true);
      }
      if (admission.kind === 'gone') throw closedWhileWaiting(runInput.executionId, admission.status);
      // Read after the commit: a retried attempt finds the claim its first attempt made.
      const holder = await dayClaim(orm, process.processId, localDate);
      if (holder?.executionId !== runInput.executionId) {
        const covering = holder?.executionId ?? 'unknown';
        const reason = `the day ${localDate} was already covered by run ${covering} (${holder?.trigger ?? '?'} for ${holder?.nominalTime ?? '?'})`;
        await ledger.record(runFor, 'skipped', reason, covering);
        return { kind: 'covered', coveringExecutionId: covering, reason };
      }
      if (admission.kind === 'pending') return pendingOutcome(runInput, admission.reason);
      await reportOtherScheduler(orm, process);
      return { kind: 'started', run: runContext(runInput, ofRun) };
    },

    /**
     * After a scheduled run: the process's times that passed while it ran were not started by
     * Temporal (overlap policy SKIP). Each is recorded as skipped; the last, if it is today's and the
     * day is still unclaimed, is returned so the workflow runs it now.
     */
    async accountSkippedTimes(input: SkippedTimesInput): Promise<SkippedTimesOutcome> {
      const { process, schedule } = await loadProcess(orm.em.fork(), input.processName, defaultTimezone);
      const ran = Date.parse(input.logicalTime);
      if (!schedule || !isFiringTime(ran)) return {};
      const ledger = ledgerFor(process, schedule, { trigger: 'schedule', workflowId: input.workflowId });
      const times = firingTimesBetween(schedule.timezone, schedule, ran + 1, now());
      const known = await ledgeredTimes(orm, process.processId, times);
      const skipped = times.filter((t) => !known.has(t));
      const reason = `Temporal did not start it: run ${input.executionId} of this process was in progress (overlap policy SKIP)`;
      for (const time of skipped) await ledger.record(time, 'skipped', reason, input.executionId);
      // Also when an earlier attempt recorded them: a retry must answer the same.
      const last = times[times.length - 1];
      if (last === undefined || ledger.dateOf(last) !== ledger.dateOf(now())) return {};
      return (await dayClaim(orm, process.processId, ledger.dateOf(last))) ? {} : { runFor: iso(last) };
    },
  };

  /**
   * The times since the ledger's last one (and since the process last changed, so an old schedule's
   * times are not read with the new one; at most a month back) that Temporal never started.
   */
  async function recordUnstartedTimes(ledger: Ledger, process: AutomatedProcess, nominal: number): Promise<void> {
    const previous = await lastLedgeredBefore(orm, ledger.processId, nominal);
    if (previous === undefined) return;
    const from = Math.max(previous, process.updatedAt.getTime(), nominal - LOOK_BACK_MS);
    const times = firingTimesBetween(ledger.zone, ledger.schedule, from + 1, nominal - 1);
    const known = await ledgeredTimes(orm, ledger.processId, times);
    for (const time of times.filter((t) => !known.has(t))) {
      await ledger.record(
        time,
        'missed',
        'Temporal did not start it: the schedule was paused, or Temporal was unavailable for longer than the catch-up window',
        null,
      );
    }
  }

  /** A run that starts after its day has ended: that day is missed; today runs if its time has come. */
  async function settleLateStart(ledger: Ledger, nominal: number): Promise<number | undefined> {
    const { zone, schedule } = ledger;
    const at = now();
    // YYYY-MM-DD compares as the dates do.
    if (ledger.dateOf(nominal) >= ledger.dateOf(at)) return nominal;
    const latest = lastFiringAtOrBefore(zone, schedule, at);
    const runsToday = latest > nominal && ledger.dateOf(latest) === ledger.dateOf(at);
    const instead = runsToday ? `; today's run (${iso(latest)}) runs instead` : `; today's run comes at its time`;
    await ledger.record(
      nominal,
      'missed',
      `its day ${ledger.dateOf(nominal)} had ended when the run could start (${formatIsoWithOffset(zone, at)}): ` +
        `no worker was running, or another run held the process${instead}`,
      null,
    );
    const between = firingTimesBetween(zone, schedule, nominal + 1, runsToday ? latest - 1 : at);
    const known = await ledgeredTimes(orm, ledger.processId, between);
    for (const time of between.filter((t) => !known.has(t))) {
      await ledger.record(
        time,
        'missed',
        `Temporal did not start it: the run for ${iso(nominal)} was still waiting to start (overlap policy SKIP)`,
        null,
      );
    }
    return runsToday ? latest : undefined;
  }

  function ledgerFor(
    process: AutomatedProcess,
    schedule: Schedule,
    input: Pick<BeginExecutionInput, 'trigger' | 'workflowId'>,
  ): Ledger {
    const zone = schedule.timezone;
    const dateOf = (ms: number) => formatLocalDate(localDateAt(zone, ms));
    const ledger: Ledger = {
      processId: process.processId,
      zone,
      schedule,
      dateOf,
      lastReason: '',
      async record(time, outcome, reason, executionId) {
        ledger.lastReason = reason;
        const entry: NominalEntry = {
          processId: process.processId,
          nominalTime: iso(time),
          localDate: dateOf(time),
          trigger: input.trigger,
          outcome,
          executionId,
          reason,
          workflowId: input.workflowId,
        };
        await recordNominal(orm, entry, deps.notifier);
      },
    };
    return ledger;
  }
}

interface Ledger {
  readonly processId: string;
  readonly zone: string;
  readonly schedule: Schedule;
  dateOf(ms: number): string;
  lastReason: string;
  record(time: number, outcome: NominalEntry['outcome'], reason: string, executionId: string | null): Promise<void>;
}

/**
 * Once per scheduled run: execution rows of the process from the last day that this service did not
 * write, i.e. Behflow's own APScheduler is still running beside it.
 */
async function reportOtherScheduler(orm: Orm, process: AutomatedProcess): Promise<void> {
  const [row] = await orm.em.getConnection().execute<{ n: string }[]>(
    `SELECT count(*) AS n FROM automated_process_executions
      WHERE process_id = ? AND workflow_id IS NULL AND started_at > now() - interval '25 hours'`,
    [process.processId],
  );
  const count = Number(row?.n ?? 0);
  if (count === 0) return;
  log.warn(
    `${count} execution row(s) of "${process.name}" from the last day were written by another scheduler, not this ` +
      `service: is Behflow's own APScheduler still running? See the README, "Switching Behflow over"`,
  );
}

function busy(running: { readonly execution_id: string }, wait: boolean): BeginScheduledOutcome {
  const reason = `run ${running.execution_id} of this process was in progress`;
  return { kind: 'busy', runningExecutionId: running.execution_id, wait, reason };
}

/**
 * A schedule's own times are whole minutes; Temporal's "trigger now" (Web UI, CLI) carries the
 * moment of the click, to the millisecond.
 */
function isFiringTime(ms: number): boolean {
  return ms % 60_000 === 0;
}
