import { setMaxListeners } from 'node:events';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import '../../deps';
import { badRequest } from '../../errors';
import { errors, NameParams } from '../../schemas/common';
import { ExecutionRef, RunConflict, TriggerAccepted, TriggerHeaders, TriggerQuery } from '../../schemas/runs';
import { triggerRun } from '../../services/runs/trigger';

export default async function triggerRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // Closing the server ends the waits of pending triggers (they answer 202 with the run as it is),
  // so a wait=true request never holds a shutdown up for minutes.
  const closing = new AbortController();
  // Each trigger in flight listens (and stops listening when it answers): hundreds at once are fine.
  setMaxListeners(0, closing.signal);
  app.addHook('preClose', async () => closing.abort());

  app.post(
    '/processes/:name/trigger',
    {
      schema: {
        tags: ['runs'],
        summary: 'Run a process now',
        description:
          'Starts a run now (trigger "manual"). Answers 202 once the run has opened its execution row, or with ' +
          'status "pending" when no worker picks it up within 10 s. With wait=true, waits up to 5 minutes for ' +
          'the outcome and answers 200 with the execution. 409 while another run of the process is in ' +
          'progress, whatever started it: runs never overlap. With an Idempotency-Key, a replay (same key, same ' +
          'process, within 24 hours) answers exactly what the first request answered, status and body, and starts ' +
          'nothing; while the first is still in flight, a replay waits up to 12 s for its answer, then answers 409 ' +
          'IDEMPOTENCY_KEY_IN_PROGRESS.',
        params: NameParams,
        querystring: TriggerQuery,
        headers: TriggerHeaders,
        response: {
          200: ExecutionRef,
          202: TriggerAccepted,
          ...errors(400, 401, 404, 503),
          409: RunConflict,
        },
      },
    },
    async (request, reply) => {
      // No body schema: OpenAPI would then call a body required. None is expected; refuse one anyway.
      const body: unknown = request.body;
      if (body !== undefined && body !== null && !(isPlainObject(body) && Object.keys(body).length === 0)) {
        throw badRequest('body', 'must be empty: this route takes no body (options go in the query string)');
      }
      const answer = await triggerRun(app.deps, {
        name: request.params.name,
        idempotencyKey: request.headers['idempotency-key'],
        wait: request.query.wait ?? false,
        signal: closing.signal,
      });
      switch (answer.statusCode) {
        case 200:
          return reply.code(200).send(answer.body);
        case 202:
          return reply.code(202).header('location', answer.body.execution_url).send(answer.body);
        case 409:
          return reply.code(409).send(answer.body as RunConflict);
      }
    },
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
