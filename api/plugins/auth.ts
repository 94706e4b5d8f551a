import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Routes open without a token: health checks and the API docs. */
    public?: boolean;
    /** GET /metrics: METRICS_TOKEN is accepted too, when set (and needed then, even without API_TOKEN). */
    metricsToken?: boolean;
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

export interface AuthOptions {
  readonly token: string | undefined;
  readonly metricsToken?: string | undefined;
}

/**
 * `Authorization: Bearer <API_TOKEN>` on every route but the public ones (`config: { public: true }`:
 * /health, /ready, /openapi.json, /docs and its assets), compared in constant time (both sides hashed
 * first, so their lengths leak nothing either). Unknown paths answer 401 too, so the routes stay
 * hidden from a caller without the token. Without API_TOKEN the server listens on loopback only
 * (server.ts) and this check is off, except that a route marked `config: { metricsToken: true }`
 * (/metrics) takes METRICS_TOKEN when it is set, besides API_TOKEN.
 */
export default fp(
  async function auth(app: FastifyInstance, { token, metricsToken }: AuthOptions) {
    const apiDigest = token === undefined ? undefined : digest(token);
    const metricsDigest = metricsToken === undefined ? undefined : digest(metricsToken);
    if (apiDigest === undefined && metricsDigest === undefined) return;
    app.addHook('onRequest', async (request, reply) => {
      const { config } = request.routeOptions;
      if (config.public === true) return;
      const forMetrics = config.metricsToken === true;
      const accepted = [apiDigest, forMetrics ? metricsDigest : undefined].filter((d) => d !== undefined);
      if (accepted.length === 0) return;
      const given = bearerToken(request.headers.authorization);
      const hashed = given === undefined ? undefined : digest(given);
      // Every accepted token is compared, so which one matched takes no less time.
      const matches = accepted.map((expected) => hashed !== undefined && timingSafeEqual(hashed, expected));
      if (!matches.includes(true)) {
        void reply.header('www-authenticate', 'Bearer');
        const message =
          forMetrics && metricsDigest !== undefined
            ? 'Send METRICS_TOKEN or the API token as "Authorization: Bearer <token>"'
            : 'Send the API token as "Authorization: Bearer <API_TOKEN>"';
        throw new ApiError(401, 'UNAUTHORIZED', message);
      }
    });
  },
  { name: 'auth', dependencies: ['error-handler'] },
);
