import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Routes open without a token: health checks and the API docs. */
    public?: boolean;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * `Authorization: Bearer <API_TOKEN>` on every route but the public ones, compared in constant time
 * (both sides hashed first, so their lengths leak nothing either). Without API_TOKEN the server
 * listens on loopback only (server.ts) and this check is off.
 */
export default fp(
  async function auth(app: FastifyInstance, { token }: { token: string | undefined }) {
    if (token === undefined) return;
    const expected = digest(token);
    app.addHook('onRequest', async (request) => {
      if (request.routeOptions.config.public || request.url.startsWith('/docs')) return;
      const header = request.headers.authorization ?? '';
      const match = /^Bearer (.+)$/.exec(header);
      if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
        throw new ApiError(401, 'UNAUTHORIZED', 'Send the API token as "Authorization: Bearer <API_TOKEN>"');
      }
    });
  },
  { name: 'auth', dependencies: ['error-handler'] },
);
