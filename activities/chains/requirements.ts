import type { EntityManager } from '@mikro-orm/postgresql';
import { loadProcess } from '../process-of-run';

/** Whether each required process has completed for the run's local day. */
export interface RequirementsCheck {
  /** Why each unmet requirement is unmet, naming it; empty: the run may go. */
  readonly unmet: readonly string[];
}

/**
 * `requires [{process, same_local_day: true}]` of a scheduled run: met when the required process has
 * a completed execution whose logical time falls on `day` (the run's local day) in the required
 * process's own zone.
 */
export async function checkRequirements(
  em: EntityManager,
  input: { readonly requires: readonly string[]; readonly day: string },
  defaultTimezone: string,
): Promise<RequirementsCheck> {
  const unmet: string[] = [];
  for (const name of input.requires) {
    let zone: string;
    let processId: string;
    try {
      const ofRun = await loadProcess(em, name, defaultTimezone);
      zone = ofRun.timezone;
      processId = ofRun.process.processId;
    } catch (err) {
      unmet.push(`requirement not met: "${name}" (${err instanceof Error ? err.message : String(err)})`);
      continue;
    }
    const [row] = await em.execute<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM automated_process_executions
        WHERE process_id = ? AND status = 'completed' AND (logical_time AT TIME ZONE ?)::date = ?::date`,
      [processId, zone, input.day],
    );
    if (!row?.n) unmet.push(`requirement not met: "${name}" has not completed for ${input.day} (${zone})`);
  }
  return { unmet };
}
