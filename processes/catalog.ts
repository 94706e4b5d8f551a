import { LockMode } from '@mikro-orm/core';
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
  /** Ours beside the row; Behflow's own rows, and rows written by SQL, may have none yet. */
  readonly registration: ProcessRegistration | undefined;
}

export async function listLiveProcesses(
  em: EntityManager,
  registry: readonly ProcessDefinition[],
  where: { name?: string } = {},
  options: { lock?: boolean } = {},
): Promise<CatalogEntry[]> {
  const processes = await em.find(AutomatedProcess, where, {
    orderBy: { name: 'asc' },
    // FOR UPDATE: a write reads the row as the last committed write left it, and the next one waits.
    ...(options.lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {}),
  });
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
        registration,
      },
    ];
  });
}

/** `lock`: inside a transaction, locks the row (SELECT … FOR UPDATE) until it ends. */
export async function findLiveProcess(
  em: EntityManager,
  registry: readonly ProcessDefinition[],
  name: string,
  options: { lock?: boolean } = {},
): Promise<CatalogEntry | undefined> {
  return (await listLiveProcesses(em, registry, { name }, options))[0];
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
