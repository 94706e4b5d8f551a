import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import '../../deps';
import { errors } from '../../schemas/common';
import { EVENT_BODY_LIMIT, EventAccepted, EventBody, MAX_EVENT_DATA_BYTES } from '../../schemas/events';
import { receiveEvent } from '../../services/events';

/** Events: what starts event-based processes. */
export default async function eventRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/events',
    {
      bodyLimit: EVENT_BODY_LIMIT,
      schema: {
        tags: ['events'],
        summary: 'Report an event; its bound processes run',
        description:
          "Stores the event in the outbox (automated_process_events, as Behflow's own INSERT would) and starts " +
          "one run of each enabled event-based process bound to its name (and filter), trigger 'event', with " +
          'the event in its context. 202 with the runs started; the same id again answers 200 with the same ' +
          `runs and starts nothing (ids are kept, not expired). data is an object of at most ${MAX_EVENT_DATA_BYTES} ` +
          'bytes of JSON. A run waits while another run of its process is in progress; it is never dropped.',
        body: EventBody,
        response: { 200: EventAccepted, 202: EventAccepted, ...errors(400, 401, 503) },
      },
    },
    async (request, reply) => {
      const answer = await receiveEvent(app.deps, request.body);
      return reply.code(answer.statusCode).send(answer.body);
    },
  );
}
