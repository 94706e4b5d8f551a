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

/** RFC 9110: the scheme is case-insensitive, one or more spaces before the credentials. */
const BEARER = /^Bearer +(\S+) *$/i;

/** The token of an `Authorization: Bearer <token>` header, if it is one. */
export function bearerToken(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

/**
 * `Authorization: Bearer <API_TOKEN>` on every route but the public ones (`config: { public: true }`:
 * /health, /ready, /openapi.json, /docs and its assets), compared in constant time (both sides hashed
 * first, so their lengths leak nothing either). Unknown paths answer 401 too, so the routes stay
 * hidden from a caller without the token. Without API_TOKEN the server listens on loopback only
 * (server.ts) and this check is off.
 */
export default fp(
  async function auth(app: FastifyInstance, { token }: { token: string | undefined }) {
    if (token === undefined) return;
    const expected = digest(token);
    app.addHook('onRequest', async (request, reply) => {
      if (request.routeOptions.config.public === true) return;
      const given = bearerToken(request.headers.authorization);
      if (given === undefined || !timingSafeEqual(digest(given), expected)) {
        void reply.header('www-authenticate', 'Bearer');
        throw new ApiError(401, 'UNAUTHORIZED', 'Send the API token as "Authorization: Bearer <API_TOKEN>"');
      }
    });
  },
  { name: 'auth', dependencies: ['error-handler'] },
);
