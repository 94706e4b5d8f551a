import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { InvalidProcessConfigError } from '../../config/process-config';
import { parseSchedule, type Schedule } from '../../config/schedule';
import { AutomatedProcess, ProcessRegistration, TriggerType } from '../../db/entities';
import { findLiveProcess, listLiveProcesses, type CatalogEntry } from '../../processes/catalog';
import type { ProcessDefinition } from '../../processes/definition';
import { defaultScheduleFor } from '../../processes/schedule-defaults';
import { DISABLED_NOTE, type ScheduleState } from '../../temporal/schedule-options';
import { deleteSchedule, syncSchedule } from '../../temporal/schedules';
import { scheduleSettings, type AppDeps } from '../deps';
import { ApiError, badRequest, notFound } from '../errors';
import type { CreateProcessBody, ProcessView, UpdateProcessBody } from '../schemas/process';
import { toProcessView } from './process-view';

/**
 * Process management. Every change writes the database and Temporal together: the Temporal call
 * runs inside the database transaction, so a Temporal failure rolls the row back, and a failed
 * commit after Temporal changed is repaired by re-syncing the schedule from the committed row.
 */
export function processService(deps: AppDeps) {
  const settings = scheduleSettings(deps.config);
  const fork = () => deps.orm.em.fork();

  async function requireLive(em: EntityManager, name: string): Promise<CatalogEntry> {
    const entry = await findLiveProcess(em, deps.registry, name);
    if (!entry) throw notFound('process', name);
    return entry;
  }

  async function view(name: string): Promise<ProcessView> {
    const em = fork();
    return toProcessView(deps, em, await requireLive(em, name));
  }

  /** The process's schedule in Temporal made to match its row (and an explicit pause or resume). */
  async function sync(
    process: AutomatedProcess,
    definition: ProcessDefinition | undefined,
    schedule: CatalogEntry['schedule'],
    explicit?: ScheduleState,
  ) {
    // A row whose stored schedule is broken keeps its Temporal schedule until it is fixed (as in reload).
    if (!definition || !schedule || schedule instanceof Error) return;
    await syncSchedule(deps.client, process, schedule, definition, settings, explicit);
  }

  /** After a failed request: make Temporal match whatever the database committed. */
  async function repair(name: string): Promise<void> {
    const entry = await findLiveProcess(fork(), deps.registry, name);
    if (!entry) await deleteSchedule(deps.client, name, settings);
    else await sync(entry.process, entry.definition, entry.schedule);
  }

  /** Runs a change; when it fails after Temporal was touched, repairs Temporal from the database. */
  async function changing<T>(name: string, change: (touchTemporal: () => void) => Promise<T>): Promise<T> {
    let touched = false;
    try {
      return await change(() => (touched = true));
    } catch (err) {
      if (touched) await repair(name).catch(() => undefined);
      throw err;
    }
  }

  return {
    async list(): Promise<ProcessView[]> {
      const em = fork();
      const entries = await listLiveProcesses(em, deps.registry);
      return Promise.all(entries.map((entry) => toProcessView(deps, em, entry)));
    },

    get: view,

    async create(body: CreateProcessBody): Promise<ProcessView> {
      const definition = requireDefinition(deps.registry, body.implementation);
      const scheduleConfig =
        body.schedule === undefined ? defaultScheduleFor(definition, deps.config) : validSchedule(body.schedule);
      const processConfig = body.config ?? definition.defaultProcessConfig;
      validConfig(definition, processConfig);
      await changing(body.name, (touchTemporal) =>
        fork().transactional(async (em) => {
          if (await em.count(AutomatedProcess, { name: body.name })) {
            throw new ApiError(409, 'NAME_TAKEN', `a process named "${body.name}" exists already`);
          }
          const process = em.create(AutomatedProcess, {
            processId: randomUUID(),
            name: body.name,
            description: body.description ?? null,
            triggerType: scheduleConfig ? TriggerType.TimeBased : TriggerType.Manual,
            scheduleConfig,
            processConfig,
            isEnabled: body.enabled ?? true,
          });
          await em.flush();
          em.create(ProcessRegistration, {
            processId: process.processId,
            implementation: definition.name,
            displayName: body.name,
          });
          await em.flush();
          touchTemporal();
          await sync(process, definition, scheduleConfig);
        }),
      );
      return view(body.name);
    },

    async update(name: string, body: UpdateProcessBody): Promise<ProcessView> {
      const entry = await changing(name, (touchTemporal) =>
        fork().transactional(async (em) => {
          const entry = await requireLive(em, name);
          const { process, definition } = entry;
          let { schedule } = entry;
          if (body.description !== undefined) process.description = body.description;
          if (body.config !== undefined) {
            if (definition) validConfig(definition, body.config);
            process.processConfig = body.config;
          }
          if (body.schedule !== undefined) {
            if (!process.scheduleConfig) {
              throw new ApiError(
                409,
                'NO_SCHEDULE',
                `process "${name}" runs only when triggered; it has no schedule to change`,
              );
            }
            // Onto the row's schedule as read (its own keys, if any, left out), or as stored when it is broken.
            const base = schedule && !(schedule instanceof Error) ? schedule : process.scheduleConfig;
            schedule = validSchedule({ ...base, ...body.schedule });
            process.scheduleConfig = schedule;
          }
          const enabledChanged = body.enabled !== undefined && body.enabled !== process.isEnabled;
          if (body.enabled !== undefined) process.isEnabled = body.enabled;
          await em.flush();
          touchTemporal();
          // PATCH {"enabled": false} pauses for the row, as reload would; pause (with a note) is the operator's.
          const explicit = enabledChanged
            ? apiPause(process.isEnabled, process.isEnabled ? undefined : DISABLED_NOTE)
            : undefined;
          await sync(process, definition, schedule, explicit);
          return entry;
        }),
      );
      return toProcessView(deps, fork(), entry);
    },

    async remove(name: string): Promise<void> {
      await changing(name, (touchTemporal) =>
        fork().transactional(async (em) => {
          const { process, implementation } = await requireLive(em, name);
          // History refers to the row, so it stays, renamed to free the name and marked deleted.
          process.name = `${name}~deleted~${Date.now()}`;
          process.isEnabled = false;
          const registration = await em.findOne(ProcessRegistration, { processId: process.processId });
          if (registration) registration.deletedAt = new Date();
          else
            em.create(ProcessRegistration, {
              processId: process.processId,
              implementation,
              displayName: name,
              deletedAt: new Date(),
            });
          await em.flush();
          touchTemporal();
          await deleteSchedule(deps.client, name, settings);
        }),
      );
    },

    async setEnabled(name: string, enabled: boolean, note: string | undefined): Promise<ProcessView> {
      const entry = await changing(name, (touchTemporal) =>
        fork().transactional(async (em) => {
          const entry = await requireLive(em, name);
          entry.process.isEnabled = enabled;
          await em.flush();
          touchTemporal();
          await sync(entry.process, entry.definition, entry.schedule, apiPause(enabled, note));
          return entry;
        }),
      );
      return toProcessView(deps, fork(), entry);
    },
  };
}

/** A pause or resume asked for through the API, with its note (shown in the Web UI). */
function apiPause(enabled: boolean, note: string | undefined): ScheduleState {
  return enabled
    ? { paused: false, note: note ?? 'Resumed through the API' }
    : { paused: true, note: note ?? 'Paused through the API' };
}

function requireDefinition(registry: readonly ProcessDefinition[], implementation: string): ProcessDefinition {
  const definition = registry.find((d) => d.name === implementation);
  if (!definition) {
    throw badRequest('body.implementation', `must be one of: ${registry.map((d) => d.name).join(', ')}`);
  }
  return definition;
}

/** The body's schedule, by the one schedule schema; null (manual only) stays null. */
function validSchedule(schedule: Schedule | null): Schedule | null {
  if (schedule === null) return null;
  try {
    return parseSchedule(schedule, 'body.schedule');
  } catch (err) {
    if (err instanceof InvalidProcessConfigError) throw badRequest(err.field, err.rule);
    throw err;
  }
}

function validConfig(definition: ProcessDefinition, config: unknown): void {
  try {
    definition.validateProcessConfig(config);
  } catch (err) {
    if (err instanceof InvalidProcessConfigError) {
      throw badRequest(err.field.replace(/^process_config/, 'body.config'), err.rule);
    }
    throw err;
  }
}
