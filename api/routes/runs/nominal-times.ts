import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import '../../deps';
import { errors, NameParams } from '../../schemas/common';
import { NominalTimePage, NominalTimesQuery } from '../../schemas/nominal-times';
import { listNominalTimes } from '../../services/runs/nominal-times';

export default async function nominalTimeRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/processes/:name/nominal-times',
    {
      schema: {
        tags: ['runs'],
        summary: "What became of each of a process's scheduled times",
        description:
          'Every nominal time of the schedule, and of backfills, since this service kept the ledger: ran (the ' +
          'run that held the day), skipped (another run covered the day or was in progress, named by ' +
          'execution_id) or missed (its day ended before a run could start), each with why. One run per ' +
          'process and local day: a second firing for a day ends skipped. Filter: outcome. Paginated like ' +
          'the executions.',
        params: NameParams,
        querystring: NominalTimesQuery,
        response: { 200: NominalTimePage, ...errors(400, 401, 404, 503) },
      },
    },
    async (request) =>
      listNominalTimes(app.deps.orm.em.fork(), app.deps.registry, app.deps.config, request.params.name, request.query),
  );
}
