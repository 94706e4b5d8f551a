import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * JSON bodies as Fastify parses them (same limits, same prototype-poisoning checks), except that an
 * empty body is no body rather than a 400: every write must say `Content-Type: application/json`
 * (request-origin.ts), including those that take no body (pause, resume, trigger, DELETE), and an
 * empty body is what curl, fetch and the like send for those.
 */
export default fp(
  async function jsonBody(app: FastifyInstance) {
    const parseJson = app.getDefaultJsonParser(
      app.initialConfig.onProtoPoisoning ?? 'error',
      app.initialConfig.onConstructorPoisoning ?? 'error',
    );
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body: string, done) => {
      if (body === '') return done(null, undefined);
      return parseJson(request, body, done);
    });
  },
  { name: 'json-body' },
);
