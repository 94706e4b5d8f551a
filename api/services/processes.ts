import { randomUUID } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  chainCycle,
  parseAfter,
  parseRequires,
  storedAfter,
  type ChainAfter,
  type ChainRequirement,
} from '../../config/chains';
import { parseConcurrency, type ProcessConcurrency } from '../../config/concurrency';
import { parsePolicy, storedPolicy, type ProcessPolicy } from '../../config/policy';
import { InvalidProcessConfigError } from '../../config/process-config';
import { parseSchedule, type Schedule } from '../../config/schedule';
import { AutomatedProcess, ProcessRegistration, TriggerType } from '../../db/entities';
import { holdSharedLock, isLockTimeout, LOCK_KEYS } from '../../db/orm';
import { unreachableServer } from '../../platform/connection-failures';
import { findLiveProcess, listLiveProcesses, type CatalogEntry } from '../../processes/catalog';
import type { ProcessDefinition } from '../../processes/definition';
import { defaultScheduleFor } from '../../processes/schedule-defaults';
import { ensureTemporalAnswers } from '../../temporal/deadline';
import { DISABLED_NOTE, type ScheduleState } from '../../temporal/schedule-options';
import { deleteSchedule, syncEntrySchedule } from '../../temporal/schedules';
import { scheduleSettings, type AppDeps } from '../deps';
import { ApiError, badRequest, notFound } from '../errors';
import type { CreateProcessBody, ProcessView, UpdateProcessBody } from '../schemas/process';
import { toProcessView } from './process-view';

/**
 * How long a write waits for the writes to the same row queued before it: each holds the row for its
 * Temporal call (milliseconds, at most TEMPORAL_DEADLINE_MS), so twenty at once must not time out.
 */
export const ROW_LOCK_WAIT_MS = 30_000;

/**
 * Process management. Every change writes the database and Temporal together: the Temporal call
 * runs inside the database transaction, so a Temporal failure rolls the row back, and a failed
 * commit after Temporal changed is repaired by re-syncing the schedule from the committed row.
 * Writes take turns: each shares the schedules lock, which a reload holds alone (reconcile.ts),
 * and locks its row, so it reads what the last write committed and Temporal sees the writes in
 * the order they commit.
 */
export function processService(deps: AppDeps) {
  const settings = scheduleSettings(deps.config);
  const fork = () => deps.orm.em.fork();

  async function requireLive(em: EntityManager, name: string, lock = false): Promise<CatalogEntry> {
    const entry = await findLiveProcess(em, deps.registry, name, { lock });
    if (!entry) throw notFound('process', name);
    return entry;
  }

  async function view(name: string): Promise<ProcessView> {
    const em = fork();
    return toProcessView(deps, em, await requireLive(em, name));
  }

  /** The process's schedule in Temporal made to match its entry (and an explicit pause or resume). */
  async function sync(entry: CatalogEntry, explicit?: ScheduleState): Promise<void> {
    await syncEntrySchedule(deps.client, entry, settings, explicit);
  }

  /** The transaction of a write: the schedules lock shared, waiting at most RELOAD_WAIT_SECONDS for a reload. */
  function transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return fork().transactional(async (em) => {
      try {
        await holdSharedLock(em, LOCK_KEYS.schedules, deps.config.reloadWaitMs);
      } catch (err) {
        if (!isLockTimeout(err)) throw err;
        throw new ApiError(
          503,
          'SCHEDULES_RELOADING',
          'The schedules are being reloaded (a worker is starting, or "npm run schedules:reload" is running); ' +
            'try again in a few seconds',
        );
      }
      await em.execute(`SET LOCAL lock_timeout = '${ROW_LOCK_WAIT_MS}ms'`);
      return work(em);
    });
  }

  /** After a failed request: make Temporal match whatever the database committed, taking turns as a write does. */
  async function repair(name: string): Promise<void> {
    await transaction(async (em) => {
      const entry = await findLiveProcess(em, deps.registry, name, { lock: true });
      if (!entry) await deleteSchedule(deps.client, name, settings);
      else await sync(entry);
    });
  }

  /**
   * Runs a write; when it fails after Temporal was touched, repairs Temporal from the database (in
   * the background when Temporal is what failed: the answer should not wait for a second deadline).
   * Temporal is asked first, outside the transaction, so an outage fails every write within the
   * deadline without each holding a connection of the pool for it.
   */
  async function write<T>(
    name: string,
    change: (em: EntityManager, touchTemporal: () => void) => Promise<T>,
  ): Promise<T> {
    await ensureTemporalAnswers(deps.client);
    let touched = false;
    try {
      return await transaction((em) => change(em, () => (touched = true)));
    } catch (err) {
      if (touched) {
        const repairing = repair(name).catch(() => undefined);
        if (!unreachableServer(err)) await repairing;
      }
      if (isLockTimeout(err)) {
        throw new ApiError(503, 'PROCESS_BUSY', `another change to process "${name}" is in progress; try again`);
      }
      throw err;
    }
  }

  /** The row's registration, made for a row that has none (Behflow's own, or one written by SQL). */
  function registrationOf(em: EntityManager, entry: CatalogEntry): ProcessRegistration {
    return (
      entry.registration ??
      em.create(ProcessRegistration, {
        processId: entry.process.processId,
        implementation: entry.implementation,
        displayName: entry.process.name,
      })
    );
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
      const binding = validEventBinding(body);
      // Runs only when triggered (by an event, or by hand): no schedule unless the body gives one.
      const scheduleConfig =
        binding || (body.trigger_type === 'manual' && body.schedule === undefined)
          ? null
          : body.schedule === undefined
            ? defaultScheduleFor(definition, deps.config)
            : validSchedule(body.schedule);
      if (body.trigger_type === 'time_based' && !scheduleConfig)
        throw badRequest('body.schedule', 'is required for trigger_type time_based');
      if (body.trigger_type === 'manual' && scheduleConfig)
        throw badRequest('body.schedule', 'must be null for trigger_type manual');
      const processConfig = body.config ?? definition.defaultProcessConfig;
      validConfig(definition, processConfig);
      const policy = body.policy === undefined ? null : validPolicy(body.policy);
      const after = body.after === undefined ? null : validChain(() => parseAfter(body.after, 'body.after'));
      const requires =
        body.requires === undefined ? null : validChain(() => parseRequires(body.requires, 'body.requires'));
      const concurrency = body.concurrency === undefined ? null : validConcurrency(body.concurrency);
      await write(body.name, async (em, touchTemporal) => {
        if (await em.count(AutomatedProcess, { name: body.name })) throw nameTaken(body.name);
        await checkChains(em, body.name, after, requires);
        const process = em.create(AutomatedProcess, {
          processId: randomUUID(),
          name: body.name,
          description: body.description ?? null,
          triggerType: binding ? TriggerType.EventBased : scheduleConfig ? TriggerType.TimeBased : TriggerType.Manual,
          scheduleConfig,
          processConfig,
          isEnabled: body.enabled ?? true,
        });
        try {
          await em.flush();
        } catch (err) {
          // Created by a concurrent request since the count: its commit is what this insert waited for.
          if (err instanceof UniqueConstraintViolationException) throw nameTaken(body.name);
          throw err;
        }
        const registration = em.create(ProcessRegistration, {
          processId: process.processId,
          implementation: definition.name,
          displayName: body.name,
          policy,
          eventName: binding?.name ?? null,
          eventFilter: binding?.filter ?? null,
          after: after?.length ? after : null,
          requires: requires?.length ? requires : null,
          concurrency,
          overlap: body.overlap ?? null,
        });
        await em.flush();
        touchTemporal();
        const entry = { process, implementation: definition.name, definition, schedule: scheduleConfig, registration };
        await sync(entry);
      });
      return view(body.name);
    },

    async update(name: string, body: UpdateProcessBody): Promise<ProcessView> {
      const updated = await write(name, async (em, touchTemporal) => {
        const entry = await requireLive(em, name, true);
        const { process, definition } = entry;
        let { schedule, registration } = entry;
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
          const base = schedule && !(schedule instanceof Error) ? schedule : readableObject(process.scheduleConfig);
          schedule = validSchedule({ ...base, ...body.schedule });
          process.scheduleConfig = schedule;
        }
        if (body.policy !== undefined) {
          registration = registrationOf(em, entry);
          registration.policy = validPolicy(body.policy, storedPolicy(registration.policy));
        }
        if (body.after !== undefined || body.requires !== undefined) {
          registration = registrationOf(em, entry);
          const after = body.after === undefined ? null : validChain(() => parseAfter(body.after, 'body.after'));
          const requires =
            body.requires === undefined ? null : validChain(() => parseRequires(body.requires, 'body.requires'));
          await checkChains(em, name, after, requires);
          if (after) registration.after = after.length ? after : null;
          if (requires) registration.requires = requires.length ? requires : null;
        }
        if (body.concurrency !== undefined || body.overlap !== undefined) {
          registration = registrationOf(em, entry);
          if (body.concurrency !== undefined) registration.concurrency = validConcurrency(body.concurrency);
          // A run in progress or waiting keeps going; the new limit applies to the next decision.
          if (body.overlap !== undefined) registration.overlap = body.overlap;
        }
        const enabledChanged = body.enabled !== undefined && body.enabled !== process.isEnabled;
        if (body.enabled !== undefined) process.isEnabled = body.enabled;
        // PATCH {"enabled": false} pauses for the row, as reload would; pause (with a note) is the operator's.
        if (enabledChanged && registration) registration.apiPauseNote = null;
        await em.flush();
        touchTemporal();
        const explicit = enabledChanged
          ? apiPause(process.isEnabled, process.isEnabled ? undefined : DISABLED_NOTE)
          : undefined;
        const next = { ...entry, schedule, registration };
        await sync(next, explicit);
        return next;
      });
      return toProcessView(deps, fork(), updated);
    },

    async remove(name: string): Promise<void> {
      await write(name, async (em, touchTemporal) => {
        const entry = await requireLive(em, name, true);
        const { process } = entry;
        // History refers to the row, so it stays, renamed to free the name and marked deleted.
        process.name = `${name}~deleted~${Date.now()}`;
        process.isEnabled = false;
        registrationOf(em, entry).deletedAt = new Date();
        await em.flush();
        touchTemporal();
        await deleteSchedule(deps.client, name, settings);
      });
    },

    async setEnabled(name: string, enabled: boolean, note: string | undefined): Promise<ProcessView> {
      const updated = await write(name, async (em, touchTemporal) => {
        const entry = await requireLive(em, name, true);
        const state = apiPause(enabled, note);
        entry.process.isEnabled = enabled;
        // The pause's note marks it as the API's, which is_enabled set in the database later undoes.
        let { registration } = entry;
        if (!enabled) (registration = registrationOf(em, entry)).apiPauseNote = state.note ?? null;
        else if (registration) registration.apiPauseNote = null;
        await em.flush();
        touchTemporal();
        const next = { ...entry, registration };
        await sync(next, state);
        return next;
      });
      return toProcessView(deps, fork(), updated);
    },
  };
}

function nameTaken(name: string): ApiError {
  return new ApiError(409, 'NAME_TAKEN', `a process named "${name}" exists already`);
}

/** A stored schedule_config as a base for a PATCH: its keys when it is an object, none otherwise. */
function readableObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
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

/**
 * An event-based process's binding: trigger_type event_based and an event go together, and such a
 * process has no schedule (its runs come from events).
 */
function validEventBinding(body: CreateProcessBody): { name: string; filter?: Record<string, unknown> } | null {
  if (body.trigger_type !== 'event_based') {
    if (body.event !== undefined) throw badRequest('body.event', 'is only for trigger_type event_based');
    return null;
  }
  if (body.event === undefined) throw badRequest('body.event', 'is required for trigger_type event_based');
  if (body.schedule !== undefined && body.schedule !== null) {
    throw badRequest('body.schedule', 'must be absent or null for trigger_type event_based (events run it)');
  }
  return body.event;
}

/** The body's schedule, by the one schedule schema; null (manual only) stays null. */
function validSchedule(schedule: unknown): Schedule | null {
  if (schedule === null) return null;
  try {
    return parseSchedule(schedule, 'body.schedule');
  } catch (err) {
    if (err instanceof InvalidProcessConfigError) throw badRequest(err.field, err.rule);
    throw err;
  }
}

/** The body's policy onto `base` (the stored one, or the defaults), checked field by field. */
function validPolicy(policy: unknown, base?: ProcessPolicy): ProcessPolicy {
  try {
    return parsePolicy(policy, 'body.policy', base);
  } catch (err) {
    if (err instanceof InvalidProcessConfigError) throw badRequest(err.field, err.rule);
    throw err;
  }
}

function validConcurrency(concurrency: unknown): ProcessConcurrency {
  return validChain(() => parseConcurrency(concurrency, 'body.concurrency'));
}

function validChain<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof InvalidProcessConfigError) throw badRequest(err.field, err.rule);
    throw err;
  }
}

/**
 * The processes `after` and `requires` name exist (live), and the `after` edges, with this process's
 * new ones, make no cycle: "a → b → a" would run each after the other for ever. The rows are locked
 * (FOR SHARE is enough against a concurrent write adding the closing edge: both write the same
 * registrations' table, and each write takes the shared schedules lock and its own row).
 */
async function checkChains(
  em: EntityManager,
  name: string,
  after: readonly ChainAfter[] | null,
  requires: readonly ChainRequirement[] | null,
): Promise<void> {
  if (!after && !requires) return;
  // Chains are rare and few: every live process's edges, read at once.
  await em.execute('LOCK TABLE automated_process_registrations IN SHARE ROW EXCLUSIVE MODE');
  const rows = await em.execute<{ name: string; chain_after: unknown }[]>(
    `SELECT p.name, r.chain_after FROM automated_processes p
       LEFT JOIN automated_process_registrations r USING (process_id)
      WHERE r.deleted_at IS NULL`,
  );
  const live = new Set(rows.map((r) => r.name));
  live.add(name);
  const check = (entries: readonly { readonly process: string }[], field: string) =>
    entries.forEach((entry, i) => {
      if (!live.has(entry.process)) throw badRequest(`${field}[${i}].process`, `names no process: "${entry.process}"`);
    });
  if (after) check(after, 'body.after');
  if (requires) {
    check(requires, 'body.requires');
    const itself = requires.findIndex((r) => r.process === name);
    if (itself >= 0) throw badRequest(`body.requires[${itself}].process`, 'names the process itself');
  }
  if (!after) return;
  const upstreams = new Map(rows.map((r) => [r.name, storedAfter(r.chain_after).map((a) => a.process)]));
  upstreams.set(
    name,
    after.map((a) => a.process),
  );
  const cycle = chainCycle(name, (n) => upstreams.get(n) ?? []);
  if (cycle) throw badRequest('body.after', `makes a cycle: ${cycle.join(' → ')}`);
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
