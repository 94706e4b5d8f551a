import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const DOCS_PREFIX = '/docs';

/**
 * The OpenAPI document at /openapi.json and Swagger UI at /docs, both generated from the route schemas.
 * The shared schemas app.ts adds (those with an $id, like `Error`) appear as `#/components/schemas/<$id>`;
 * routes marked `config: { public: true }` are documented without security.
 */
export default fp(
  async function openapi(app: FastifyInstance) {
    await app.register(swagger, {
      openapi: {
        info: {
          title: 'Behflow Processes API',
          version: '1.0.0',
          description: 'Manage, pause, resume and trigger Behflow automated processes, and read their history.',
        },
        components: {
          securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The API_TOKEN' } },
        },
        security: [{ bearer: [] }],
      },
      // Name shared schemas by their $id (`Error`), not def-0, def-1…
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
      },
      transform: ({ schema, url, route }) =>
        route.config?.public === true && schema !== undefined
          ? { schema: { ...schema, security: [] } as typeof schema, url }
          : { schema, url },
    });
    // Swagger UI's routes (page, assets, its own copy of the document) are public like the document itself.
    await app.register(async function docs(scope) {
      scope.addHook('onRoute', (route) => {
        route.config = { ...route.config, public: true };
      });
      await scope.register(swaggerUi, { routePrefix: DOCS_PREFIX });
    });
    app.get('/openapi.json', { schema: { hide: true }, config: { public: true } }, async () => app.swagger());
  },
  { name: 'openapi' },
);
