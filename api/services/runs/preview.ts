import { IsolationLevel } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { SharedConfig as Config } from '../../../config';
import { knownTimeZone } from '../../../config/parse';
import { InvalidProcessConfigError } from '../../../config/process-config';
import { processZone, TIME_ZONE_RULE } from '../../../config/schedule';
import { TriggerType } from '../../../db/entities';
import { findLiveProcess, type CatalogEntry } from '../../../processes/catalog';
import type { ProcessDefinition } from '../../../processes/definition';
import { formatIsoWithOffset, formatLocalDate, localDateAt } from '../../../time';
import { ApiError, notFound } from '../../errors';
import type { PreviewQuery, ProcessPreview } from '../../schemas/preview';

export const DEFAULT_PREVIEW_LIMIT = 20;

/**
 * GET /processes/:name/preview: what a run of the process started now would change, computed by its
 * implementation's `preview` with the run's own predicate, in one READ ONLY, REPEATABLE READ
 * transaction (the count and the sample see one snapshot, and nothing can be written). No execution
 * row, no audit row, no Temporal call.
 */
export async function previewProcess(
  em: EntityManager,
  registry: readonly ProcessDefinition[],
  config: Config,
  name: string,
  query: PreviewQuery,
  now: number = Date.now(),
): Promise<ProcessPreview> {
  const entry = await findLiveProcess(em, registry, name);
  if (!entry) throw notFound('process', name);
  const preview = entry.definition?.preview;
  if (!entry.definition || !preview) {
    throw new ApiError(
      409,
      'NO_PREVIEW',
      entry.definition
        ? `process "${name}" is implemented by "${entry.implementation}", which offers no preview; ` +
            `implementations with one: ${previewable(registry)}`
        : `process "${name}" is implemented by "${entry.implementation}", which is not registered in this ` +
            `deployment, so it has nothing to preview; registered implementations: ${registry.map((d) => d.name).join(', ') || 'none'}`,
    );
  }
  const timezone = zoneOfRun(entry, config.timezone);
  const run = {
    timezone,
    logicalTime: new Date(now).toISOString(),
    day: formatLocalDate(localDateAt(timezone, now)),
    processConfig: entry.process.processConfig ?? {},
  };
  const limit = query.limit ?? DEFAULT_PREVIEW_LIMIT;
  const result = await storedConfigOrConflict(name, () =>
    em.fork().transactional((tx) => preview({ em: tx, run, limit }), {
      readOnly: true,
      isolationLevel: IsolationLevel.REPEATABLE_READ,
    }),
  );
  const notes = [...result.notes];
  if (entry.process.triggerType === TriggerType.EventBased) {
    notes.push(
      'this process runs on events: previewed as a run without an event, for every user its process_config allows ' +
        "(an event's run is narrowed to the users and the zone its event names)",
    );
  }
  if (!entry.process.isEnabled) notes.push('the process is disabled: its schedule starts no run, a trigger would');
  return {
    process: name,
    implementation: entry.implementation,
    as_of: formatIsoWithOffset(timezone, now),
    timezone,
    day: result.day,
    would_change: result.would_change,
    sample: [...result.sample],
    sample_size: result.sample.length,
    notes,
    ...(result.details ? { details: result.details } : {}),
  };
}

function previewable(registry: readonly ProcessDefinition[]): string {
  return (
    registry
      .filter((d) => d.preview)
      .map((d) => d.name)
      .join(', ') || 'none'
  );
}

/** The zone a run would take its "today" from, as loadProcess picks it; 409 when the run would fail on it. */
function zoneOfRun(entry: CatalogEntry, defaultZone: string): string {
  const { process, schedule } = entry;
  if (process.scheduleConfig && process.triggerType === TriggerType.TimeBased) {
    if (schedule instanceof InvalidProcessConfigError) throw wouldFail(process.name, schedule);
    if (schedule) return schedule.timezone;
  }
  const zone = processZone(process.scheduleConfig, defaultZone);
  if (!knownTimeZone(zone)) {
    throw wouldFail(process.name, new InvalidProcessConfigError('schedule_config.timezone', TIME_ZONE_RULE));
  }
  return zone;
}

async function storedConfigOrConflict<T>(name: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof InvalidProcessConfigError) throw wouldFail(name, err);
    throw err;
  }
}

/** A stored setting a run would fail on: nothing to preview until it is fixed (PATCH the process). */
function wouldFail(name: string, err: InvalidProcessConfigError): ApiError {
  return new ApiError(
    409,
    'INVALID_STORED_CONFIG',
    `a run of process "${name}" would fail now: ${err.field} ${err.rule}`,
    { field: err.field, rule: err.rule },
  );
}
