import { ApplicationFailure } from '@temporalio/activity';
import type { EntityManager } from '@mikro-orm/postgresql';
import { knownTimeZone } from '../config/parse';
import { InvalidProcessConfigError } from '../config/process-config';
import { parseSchedule, processZone, TIME_ZONE_RULE, type Schedule } from '../config/schedule';
import { storedRequires } from '../config/chains';
import { storedConcurrency, storedOverlap, type Overlap, type ProcessConcurrency } from '../config/concurrency';
import { storedPolicy, runPolicyOf, type ProcessPolicy } from '../config/policy';
import { AutomatedProcess, ProcessRegistration, TriggerType } from '../db/entities';
import { formatLocalDate, localDateAt } from '../time';
import { failOnBadConfig } from './activity-helpers';
import type { BeginExecutionInput, RunContext } from './run-types';

export interface ProcessOfRun {
  readonly process: AutomatedProcess;
  /** Null for a process that runs only when triggered. */
  readonly schedule: Schedule | null;
  readonly timezone: string;
  readonly policy: ProcessPolicy;
  /** The processes a scheduled run requires to have completed for its local day (`requires`). */
  readonly requires: readonly string[];
  /** How many of its runs may be in progress at once, and what one that finds them taken does. */
  readonly concurrency: ProcessConcurrency;
  readonly overlap: Overlap;
}

/**
 * The run's process with its schedule checked before any row is opened: a stored schedule that is
 * broken (a zone that does not exist, say) fails the run at once, naming the field, instead of
 * opening a row that computing "today" would then leave running.
 */
export async function loadProcess(em: EntityManager, name: string, defaultTimezone: string): Promise<ProcessOfRun> {
  const process = await em.findOne(AutomatedProcess, { name });
  if (!process) {
    throw ApplicationFailure.nonRetryable(`automated process "${name}" does not exist`, 'ProcessNotFound');
  }
  const registration = await em.findOne(ProcessRegistration, { processId: process.processId });
  const policy = storedPolicy(registration?.policy);
  const requires = storedRequires(registration?.requires).map((r) => r.process);
  const limits = {
    concurrency: storedConcurrency(registration?.concurrency),
    overlap: storedOverlap(registration?.overlap),
  };
  if (process.scheduleConfig && process.triggerType === TriggerType.TimeBased) {
    const schedule = failOnBadConfig(() =>
      parseSchedule(process.scheduleConfig, 'schedule_config', { ignoreUnknownKeys: true }),
    );
    return { process, schedule, timezone: schedule.timezone, policy, requires, ...limits };
  }
  // Runs only when triggered: a zone is all its row needs, and Behflow's rows may hold just that.
  const timezone = processZone(process.scheduleConfig, defaultTimezone);
  failOnBadConfig(() => {
    if (!knownTimeZone(timezone)) throw new InvalidProcessConfigError('schedule_config.timezone', TIME_ZONE_RULE);
  });
  return { process, schedule: null, timezone, policy, requires, ...limits };
}

/** What the process's activities get, fixed once per run so retries agree on "today". */
export function runContext(
  input: Pick<BeginExecutionInput, 'executionId' | 'logicalTime'>,
  { process, timezone, policy, requires }: ProcessOfRun,
): RunContext {
  return {
    executionId: input.executionId,
    processId: process.processId,
    processName: process.name,
    timezone,
    logicalTime: input.logicalTime,
    day: formatLocalDate(localDateAt(timezone, Date.parse(input.logicalTime))),
    processConfig: process.processConfig ?? {},
    policy: runPolicyOf(policy),
    // Only when there are any: runs of processes without requirements record what they did before.
    ...(requires.length > 0 ? { requires } : {}),
  };
}
