import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { canonicalTimeZone } from '../../config/parse';
import { AutomatedProcess, ProcessRegistration, TriggerType, type ScheduleConfig } from '../../db/entities';
import { findLiveProcess, listLiveProcesses, type CatalogEntry } from '../../processes/catalog';
import { InvalidProcessConfigError } from '../../processes/config-error';
import type { ProcessDefinition } from '../../processes/definition';
import { DISABLED_NOTE } from '../../temporal/schedule-options';
import { scheduleIdFor } from '../../temporal/ids';
import { deleteProcessSchedule, syncProcessSchedule } from '../../temporal/schedules';
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

  /** Puts the schedule's pause state where the row says, with this note. */
  async function applyEnabled(name: string, enabled: boolean, note: string | undefined): Promise<void> {
    const handle = deps.client.schedule.getHandle(scheduleIdFor(name, settings));
    const { state } = await handle.describe();
    if (enabled && state.paused) await handle.unpause(note ?? 'Resumed through the API');
    if (!enabled && (!state.paused || note !== undefined)) await handle.pause(note ?? DISABLED_NOTE);
  }

  /** After a failed request: make Temporal match whatever the database committed. */
  async function repair(name: string): Promise<void> {
    const em = fork();
    const entry = await findLiveProcess(em, deps.registry, name);
    if (!entry) {
      await deleteProcessSchedule(deps.client, name, settings);
      return;
    }
    if (!entry.definition || !entry.process.scheduleConfig) return;
    await syncProcessSchedule(deps.client, entry.process, entry.definition, settings);
    await applyEnabled(name, entry.process.isEnabled, undefined);
  }

  async function withRepair<T>(names: string[], change: () => Promise<T>, touched: () => boolean): Promise<T> {
    try {
      return await change();
    } catch (err) {
      if (touched()) {
        for (const name of names) await repair(name).catch(() => undefined);
      }
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
      const schedule = body.schedule === undefined ? definition.defaultSchedule(deps.config) : body.schedule;
      const scheduleConfig = schedule === null ? null : validSchedule(schedule, 'body.schedule');
      const processConfig = body.config ?? definition.defaultProcessConfig;
      validConfig(definition, processConfig);
      let temporalTouched = false;
      await withRepair(
        [body.name],
        () =>
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
            if (scheduleConfig) {
              temporalTouched = true;
              await syncProcessSchedule(deps.client, process, definition, settings);
            }
          }),
        () => temporalTouched,
      );
      return view(body.name);
    },

    async update(name: string, body: UpdateProcessBody): Promise<ProcessView> {
      let temporalTouched = false;
      await withRepair(
        [name],
        () =>
          fork().transactional(async (em) => {
            const { process, definition } = await requireLive(em, name);
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
              process.scheduleConfig = validSchedule({ ...process.scheduleConfig, ...body.schedule }, 'body.schedule');
            }
            const enabledChanged = body.enabled !== undefined && body.enabled !== process.isEnabled;
            if (body.enabled !== undefined) process.isEnabled = body.enabled;
            await em.flush();
            if (definition && process.scheduleConfig) {
              temporalTouched = true;
              await syncProcessSchedule(deps.client, process, definition, settings);
              if (enabledChanged) await applyEnabled(name, process.isEnabled, undefined);
            }
          }),
        () => temporalTouched,
      );
      return view(name);
    },

    async remove(name: string): Promise<void> {
      let temporalTouched = false;
      await withRepair(
        [name],
        () =>
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
            temporalTouched = true;
            await deleteProcessSchedule(deps.client, name, settings);
          }),
        () => temporalTouched,
      );
    },

    async setEnabled(name: string, enabled: boolean, note: string | undefined): Promise<ProcessView> {
      let temporalTouched = false;
      await withRepair(
        [name],
        () =>
          fork().transactional(async (em) => {
            const { process, definition } = await requireLive(em, name);
            process.isEnabled = enabled;
            await em.flush();
            if (definition && process.scheduleConfig) {
              temporalTouched = true;
              await syncProcessSchedule(deps.client, process, definition, settings);
              await applyEnabled(
                name,
                enabled,
                note ?? (enabled ? 'Resumed through the API' : 'Paused through the API'),
              );
            }
          }),
        () => temporalTouched,
      );
      return view(name);
    },
  };
}

function requireDefinition(registry: readonly ProcessDefinition[], implementation: string): ProcessDefinition {
  const definition = registry.find((d) => d.name === implementation);
  if (!definition) {
    throw badRequest('body.implementation', `must be one of: ${registry.map((d) => d.name).join(', ')}`);
  }
  return definition;
}

function validSchedule(schedule: ScheduleConfig, field: string): ScheduleConfig {
  const timezone = canonicalTimeZone(schedule.timezone);
  if (!timezone) throw badRequest(`${field}.timezone`, 'must be an IANA time zone such as "Asia/Tehran" or "UTC"');
  return { hour: schedule.hour, minute: schedule.minute, timezone };
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
