import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const DOCS_PREFIX = '/docs';

/**
 * Swagger UI's "Try it out" sends a write without a request body (trigger, rerun, DELETE) with no
 * Content-Type, which the API refuses (request-origin.ts): this adds `application/json` to those. It runs
 * in the browser (Swagger UI's page holds its source), so it uses nothing but its argument.
 */
export function sendWritesAsJson(request: { method?: string; headers?: Record<string, string> }) {
  const headers = request.headers ?? {};
  const write = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(String(request.method).toUpperCase());
  if (write && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = 'application/json';
  }
  request.headers = headers;
  return request;
}

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
          description:
            'Manage, pause, resume and trigger Behflow automated processes, and read their history. Every write ' +
            '(POST, PUT, PATCH, DELETE) needs `Content-Type: application/json`, with an empty body or `{}` where ' +
            'it takes none (else 415). Without API_TOKEN, only loopback Host and Origin headers are accepted ' +
            '(else 403).',
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
      await scope.register(swaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { requestInterceptor: sendWritesAsJson } });
    });
    app.get('/openapi.json', { schema: { hide: true }, config: { public: true } }, async () => app.swagger());
  },
  { name: 'openapi' },
);
