import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { findLiveProcess } from '../../../processes/catalog';
import { ApiError } from '../../errors';
import { NameParams } from '../../schemas/common';
import { ExecutionParams, IDEMPOTENCY_KEY_PATTERN } from '../../schemas/runs';
import type { ProcessView } from '../../schemas/process';
import { getExecutionView } from '../../services/runs/executions';
import { previewProcess } from '../../services/runs/preview';
import { notFailed, rerunExecution } from '../../services/runs/rerun';
import { triggerRun } from '../../services/runs/trigger';
import type { ConsoleKit } from '../kit';
import { dryRunPage } from '../pages/dry-run';
import { dailySchedule } from '../pages/processes';
import { actionOutcomePage, executionHref, processHref, type PageLink } from '../pages/refused';
import { rerunPage } from '../pages/rerun';
import { scheduleEditPage, type ScheduleFieldError, type ScheduleFormValues } from '../pages/schedule-edit';
import { triggerPage } from '../pages/trigger';
import { isFieldError, readScheduleForm, ZONE_CHOICES } from '../schedule-form';
import { previewRuns } from '../schedule-preview';

const TriggerBody = Type.Object(
  {
    _csrf: Type.String(),
    request_id: Type.String({ minLength: 1, maxLength: 200, pattern: IDEMPOTENCY_KEY_PATTERN }),
  },
  { additionalProperties: false },
);
const CsrfOnlyBody = Type.Object({ _csrf: Type.String() }, { additionalProperties: false });
const ScheduleFields = {
  hour: Type.String({ maxLength: 20 }),
  minute: Type.String({ maxLength: 20 }),
  timezone: Type.String({ maxLength: 100 }),
};
const ScheduleQuery = Type.Partial(Type.Object(ScheduleFields), { additionalProperties: false });
const ScheduleBody = Type.Object({ ...ScheduleFields, _csrf: Type.String() }, { additionalProperties: false });

/** What a started run (202) or a stored answer says: enough to send the browser on. */
interface StartedRun {
  readonly execution_id: string;
  readonly status: string;
  readonly message?: string;
}

/**
 * The process page's actions: trigger, rerun a failed run, edit the schedule, dry run. Each asks
 * first (a GET page saying what will happen), then does it with the same service as the JSON API
 * route (POST /processes/:name/trigger, POST /executions/:id/rerun, PATCH /processes/:name, GET
 * /processes/:name/preview), so its rules and its refusals are the API's.
 */
export function actionRoutes(app: FastifyInstance, kit: ConsoleKit): void {
  const { processes, defaultZone, formRoute } = kit;
  // As the JSON trigger route: closing the server ends a form's wait for a worker ("pending").
  const closing = new AbortController();
  setMaxListeners(0, closing.signal);
  app.addHook('preClose', async () => closing.abort());

  /** A 409 from a run service: its message, and the run in progress when it names one. */
  function refused(request: FastifyRequest, reply: FastifyReply, name: string, body: Record<string, unknown>) {
    const links: PageLink[] = [];
    const execution = body.execution as { execution_id?: unknown } | undefined;
    if (typeof execution?.execution_id === 'string') {
      links.push({ href: executionHref(execution.execution_id), text: 'The run in progress' });
    }
    links.push({ href: processHref(name), text: `Back to ${name}` });
    const page = actionOutcomePage('Not started', String(body.message), links, kit.context(request, reply));
    return kit.sendPage(reply, page, 409);
  }

  /** To the run's page once it has its execution row; while no worker has picked it up, why not yet. */
  function sendOn(request: FastifyRequest, reply: FastifyReply, name: string, run: StartedRun) {
    if (run.status !== 'pending') return reply.redirect(executionHref(run.execution_id), 303);
    const links = [
      { href: executionHref(run.execution_id), text: 'The run (shown once it starts)' },
      { href: processHref(name), text: `Back to ${name}` },
    ];
    const page = actionOutcomePage(
      'Run pending',
      run.message ?? 'the run is pending',
      links,
      kit.context(request, reply),
    );
    return kit.sendPage(reply, page, 202);
  }

  function conflictBody(err: unknown): Record<string, unknown> | undefined {
    if (!(err instanceof ApiError) || err.statusCode !== 409) return undefined;
    return { code: err.code, message: err.message, ...err.details };
  }

  // ---------- trigger ----------

  app.get<{ Params: Static<typeof NameParams> }>(
    '/ui/processes/:name/trigger',
    { config: { public: true }, schema: { params: NameParams } },
    async (request, reply) => {
      const view = await processes.get(request.params.name);
      const page = triggerPage(view, `console-${randomUUID()}`, defaultZone, Date.now(), kit.context(request, reply));
      return kit.sendPage(reply, page);
    },
  );

  app.post<{ Params: Static<typeof NameParams>; Body: Static<typeof TriggerBody> }>(
    '/ui/processes/:name/trigger',
    { config: formRoute, preValidation: app.csrfProtection, schema: { params: NameParams, body: TriggerBody } },
    async (request, reply) => {
      const { name } = request.params;
      // The page's request id is the Idempotency-Key: submitting the same page again answers with the same run.
      try {
        const answer = await triggerRun(app.deps, {
          name,
          idempotencyKey: request.body.request_id,
          wait: false,
          signal: closing.signal,
        });
        if (answer.statusCode === 409) return refused(request, reply, name, answer.body);
        return sendOn(request, reply, name, answer.body);
      } catch (err) {
        // A 409 answered before the key was stored (a replay of a request still in flight).
        const body = conflictBody(err);
        if (!body) throw err;
        return refused(request, reply, name, body);
      }
    },
  );

  // ---------- rerun a failed run ----------

  app.get<{ Params: Static<typeof ExecutionParams> }>(
    '/ui/executions/:id/rerun',
    { config: { public: true }, schema: { params: ExecutionParams } },
    async (request, reply) => {
      const em = app.deps.orm.em.fork();
      const execution = await getExecutionView(em, app.deps.config, request.params.id);
      const name = execution.process_name;
      if (execution.status !== 'failed') {
        return refused(request, reply, name, { message: notFailed(execution.execution_id, execution.status).message });
      }
      const entry = await findLiveProcess(em, app.deps.registry, name);
      const schedule = entry?.schedule;
      const zone = schedule && !(schedule instanceof Error) ? schedule.timezone : defaultZone;
      return kit.sendPage(reply, rerunPage(execution, zone, kit.context(request, reply)));
    },
  );

  app.post<{ Params: Static<typeof ExecutionParams>; Body: Static<typeof CsrfOnlyBody> }>(
    '/ui/executions/:id/rerun',
    { config: formRoute, preValidation: app.csrfProtection, schema: { params: ExecutionParams, body: CsrfOnlyBody } },
    async (request, reply) => {
      try {
        const accepted = await rerunExecution(app.deps, request.params.id, closing.signal, { onlyFailed: true });
        return sendOn(request, reply, accepted.process_name, accepted);
      } catch (err) {
        const body = conflictBody(err);
        if (!body) throw err;
        const execution = await getExecutionView(app.deps.orm.em.fork(), app.deps.config, request.params.id);
        return refused(request, reply, execution.process_name, body);
      }
    },
  );

  // ---------- edit the schedule ----------

  async function sendScheduleEdit(
    request: FastifyRequest,
    reply: FastifyReply,
    view: ProcessView,
    values: ScheduleFormValues | undefined,
    error: ScheduleFieldError | null,
  ) {
    const current = dailySchedule(view.schedule);
    const now = Date.now();
    const checked = values && !error ? readScheduleForm(values) : null;
    const fieldError = error ?? (checked && isFieldError(checked) ? checked : null);
    const preview = checked && !isFieldError(checked) ? { schedule: checked, runs: previewRuns(checked, now) } : null;
    const shown = values ?? {
      hour: current ? String(current.hour) : '',
      minute: current ? String(current.minute) : '',
      timezone: current?.timezone ?? defaultZone,
    };
    const page = scheduleEditPage(
      { view, current, values: shown, zones: ZONE_CHOICES, preview, error: fieldError, now },
      kit.context(request, reply),
    );
    return kit.sendPage(reply, page, fieldError ? 400 : 200);
  }

  /** A process without a schedule (it runs on events or by hand) has nothing to edit: PATCH's 409. */
  function requireSchedule(view: ProcessView): void {
    if (view.schedule !== null) return;
    throw new ApiError(
      409,
      'NO_SCHEDULE',
      `process "${view.name}" runs only when triggered; it has no schedule to change`,
    );
  }

  app.get<{ Params: Static<typeof NameParams>; Querystring: Static<typeof ScheduleQuery> }>(
    '/ui/processes/:name/schedule',
    { config: { public: true }, schema: { params: NameParams, querystring: ScheduleQuery } },
    async (request, reply) => {
      const view = await processes.get(request.params.name);
      requireSchedule(view);
      const { hour, minute, timezone } = request.query;
      const asked = hour !== undefined || minute !== undefined || timezone !== undefined;
      const values = asked ? { hour: hour ?? '', minute: minute ?? '', timezone: timezone ?? '' } : undefined;
      return sendScheduleEdit(request, reply, view, values, null);
    },
  );

  app.post<{ Params: Static<typeof NameParams>; Body: Static<typeof ScheduleBody> }>(
    '/ui/processes/:name/schedule',
    { config: formRoute, preValidation: app.csrfProtection, schema: { params: NameParams, body: ScheduleBody } },
    async (request, reply) => {
      const { name } = request.params;
      const { hour, minute, timezone } = request.body;
      const values = { hour, minute, timezone };
      const checked = readScheduleForm(values);
      if (isFieldError(checked)) {
        const view = await processes.get(name);
        requireSchedule(view);
        return sendScheduleEdit(request, reply, view, values, checked);
      }
      // The same service as PATCH /processes/:name {"schedule": …}: the row and the Temporal schedule together.
      await processes.update(name, { schedule: checked });
      return reply.redirect(processHref(name), 303);
    },
  );

  // ---------- dry run ----------

  app.get<{ Params: Static<typeof NameParams> }>(
    '/ui/processes/:name/dry-run',
    { config: { public: true }, schema: { params: NameParams } },
    async (request, reply) => {
      const { name } = request.params;
      try {
        const preview = await previewProcess(app.deps.orm.em.fork(), app.deps.registry, app.deps.config, name, {});
        return kit.sendPage(reply, dryRunPage(preview, kit.context(request, reply)));
      } catch (err) {
        const body = conflictBody(err);
        if (!body) throw err;
        const page = actionOutcomePage(
          'No dry run',
          String(body.message),
          [{ href: processHref(name), text: `Back to ${name}` }],
          kit.context(request, reply),
        );
        return kit.sendPage(reply, page, 409);
      }
    },
  );
}
