import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import '../../deps';
import { errors, NameParams } from '../../schemas/common';
import { BackfillAccepted, BackfillBody, MAX_BACKFILL_DAYS, RunConflict } from '../../schemas/runs';
import { backfillRuns } from '../../services/runs/backfill';

export default async function backfillRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/processes/:name/backfill',
    {
      schema: {
        tags: ['runs'],
        summary: "Run the schedule's past times in a range",
        description:
          "Runs each of the schedule's times from start to end (both included) as that time's run, with " +
          "trigger 'backfill', one after another, never overlapping. The times follow the schedule's firing " +
          'rule: one per local day, a time in a DST gap moved forward by the gap, one in a fold once at the ' +
          `earlier instant. The range is at most ${MAX_BACKFILL_DAYS} days and not in the future. ` +
          '409 for a process without a schedule.',
        params: NameParams,
        body: BackfillBody,
        response: {
          202: BackfillAccepted,
          ...errors(400, 401, 404, 503),
          409: RunConflict,
        },
      },
    },
    async (request, reply) => {
      const accepted = await backfillRuns(app.deps, request.params.name, request.body);
      return reply.code(202).send(accepted);
    },
  );
}
