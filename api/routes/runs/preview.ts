import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import '../../deps';
import { errors, NameParams } from '../../schemas/common';
import { PreviewQuery, ProcessPreview } from '../../schemas/preview';
import { previewProcess } from '../../services/runs/preview';

export default async function previewRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/processes/:name/preview',
    {
      schema: {
        tags: ['runs'],
        summary: 'Dry run: what a run of the process now would change, changing nothing',
        description:
          "The count and a sample (limit, default 20) of the tasks a run started now would change, read with the run's " +
          'own selection and computations in a read-only transaction: no execution row, no audit row, no Temporal ' +
          'call. A process that runs on events is previewed as a run without an event (notes say so). 409 when the ' +
          'implementation has no preview, or a stored setting would fail the run (naming it).',
        params: NameParams,
        querystring: PreviewQuery,
        response: { 200: ProcessPreview, ...errors(400, 401, 404, 409, 503) },
      },
    },
    async (request) =>
      previewProcess(app.deps.orm.em.fork(), app.deps.registry, app.deps.config, request.params.name, request.query),
  );
}
