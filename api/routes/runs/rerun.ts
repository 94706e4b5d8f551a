import { setMaxListeners } from 'node:events';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import '../../deps';
import { badRequest } from '../../errors';
import { errors, NameParams } from '../../schemas/common';
import { MAX_RERUN_DAYS, MAX_RERUNS, RerunAccepted, RerunFailedAccepted, RerunFailedBody } from '../../schemas/reruns';
import { ExecutionParams, RunConflict } from '../../schemas/runs';
import { rerunExecution, rerunFailed } from '../../services/runs/rerun';

export default async function rerunRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // As the trigger route: closing the server ends the wait for a worker (the answer says "pending").
  const closing = new AbortController();
  setMaxListeners(0, closing.signal);
  app.addHook('preClose', async () => closing.abort());

  app.post(
    '/executions/:id/rerun',
    {
      schema: {
        tags: ['runs'],
        summary: 'Run an execution again, for its logical time',
        description:
          "Starts a new run of the execution's process for the same logical time (so the same local day), " +
          "trigger 'rerun', as a new execution whose rerun_of is this one. Answers 202 like a trigger, once the " +
          'run has opened its row (or "pending" when no worker picks it up within 10 s). 409 RUN_IN_PROGRESS ' +
          'while any run of the process is in progress (this execution included); 409 PROCESS_DELETED for a ' +
          "deleted process's execution.",
        params: ExecutionParams,
        response: { 202: RerunAccepted, ...errors(400, 401, 404, 503), 409: RunConflict },
      },
    },
    async (request, reply) => {
      const body: unknown = request.body;
      if (body !== undefined && body !== null && !(isPlainObject(body) && Object.keys(body).length === 0)) {
        throw badRequest('body', 'must be empty: this route takes no body');
      }
      const accepted = await rerunExecution(app.deps, request.params.id, closing.signal);
      return reply.code(202).header('location', accepted.execution_url).send(accepted);
    },
  );

  app.post(
    '/processes/:name/rerun-failed',
    {
      schema: {
        tags: ['runs'],
        summary: "Rerun a process's failed executions in a range of days",
        description:
          'Reruns, one after another and earliest first, the failed executions whose logical time falls on a ' +
          `local day (in the process zone) from \`from\` to \`to\` (both included, at most ${MAX_RERUN_DAYS} days) ` +
          'and that were not rerun yet (so the latest failure of each chain of reruns). Each rerun is a new ' +
          "execution for the failed one's logical time, trigger 'rerun', rerun_of set; one that finds another run " +
          `in progress ends skipped. At most ${MAX_RERUNS} per request. 202 with what will be rerun.`,
        params: NameParams,
        body: RerunFailedBody,
        response: { 202: RerunFailedAccepted, ...errors(400, 401, 404, 503), 409: RunConflict },
      },
    },
    async (request, reply) => {
      const accepted = await rerunFailed(app.deps, request.params.name, request.body);
      return reply.code(202).send(accepted);
    },
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
