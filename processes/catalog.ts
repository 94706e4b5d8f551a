import type { EntityManager } from '@mikro-orm/postgresql';
import { InvalidProcessConfigError } from '../config/process-config';
import { parseSchedule, type Schedule } from '../config/schedule';
import { AutomatedProcess, ProcessRegistration } from '../db/entities';
import type { ProcessDefinition } from './definition';

/** A live (not deleted) process, read once: its row, implementation and checked schedule. */
export interface CatalogEntry {
  readonly process: AutomatedProcess;
  /** Registered implementation name; Behflow's own rows have none recorded and use their name. */
  readonly implementation: string;
  /** undefined when no implementation of that name is registered here. */
  readonly definition: ProcessDefinition | undefined;
  /** The row's schedule_config checked by the one schedule schema; null: runs only when triggered. */
  readonly schedule: Schedule | null | InvalidProcessConfigError;
}

export async function listLiveProcesses(
  em: EntityManager,
  registry: readonly ProcessDefinition[],
  where: { name?: string } = {},
): Promise<CatalogEntry[]> {
  const processes = await em.find(AutomatedProcess, where, { orderBy: { name: 'asc' } });
  if (processes.length === 0) return [];
  const registrations = await em.find(ProcessRegistration, { processId: { $in: processes.map((p) => p.processId) } });
  const byId = new Map(registrations.map((r) => [r.processId, r]));
  return processes.flatMap((process) => {
    const registration = byId.get(process.processId);
    if (registration?.deletedAt) return [];
    const implementation = registration?.implementation ?? process.name;
    return [
      {
        process,
        implementation,
        definition: registry.find((d) => d.name === implementation),
        schedule: readSchedule(process),
      },
    ];
  });
}

export async function findLiveProcess(
  em: EntityManager,
  registry: readonly ProcessDefinition[],
  name: string,
): Promise<CatalogEntry | undefined> {
  return (await listLiveProcesses(em, registry, { name }))[0];
}

function readSchedule(process: AutomatedProcess): Schedule | null | InvalidProcessConfigError {
  if (process.scheduleConfig === null || process.scheduleConfig === undefined) return null;
  try {
    return parseSchedule(process.scheduleConfig, 'schedule_config', { ignoreUnknownKeys: true });
  } catch (err) {
    if (err instanceof InvalidProcessConfigError) return err;
    throw err;
  }
}
