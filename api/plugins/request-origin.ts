import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A console route (api/ui) that takes an HTML form POST: its form content type is let through. */
    consoleForm?: boolean;
  }
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
/** localhost, 127.0.0.0/8 or [::1], with an optional port: what a loopback-only server is reached as. */
const LOOPBACK_AUTHORITY = `(?:localhost|127(?:\\.${OCTET}){3}|\\[::1\\])(?::\\d{1,5})?`;
const LOOPBACK_HOST = new RegExp(`^${LOOPBACK_AUTHORITY}$`, 'i');
const LOOPBACK_ORIGIN = new RegExp(`^https?://${LOOPBACK_AUTHORITY}$`, 'i');

/** `application/json`, in any case, with or without parameters (`; charset=utf-8`). */
export function isJsonContentType(header: string | undefined): boolean {
  return header?.split(';', 1)[0]?.trim().toLowerCase() === 'application/json';
}

export function isLoopbackHost(header: string | undefined): boolean {
  return header !== undefined && LOOPBACK_HOST.test(header);
}

/** An Origin header naming a page served from this machine (a local dev server, the Swagger UI at /docs). */
export function isLoopbackOrigin(header: string): boolean {
  return LOOPBACK_ORIGIN.test(header);
}

const FORM = 'application/x-www-form-urlencoded';

/**
 * The console's HTML forms (api/ui) post form-encoded bodies, which a cross-site page can send too: they
 * are protected instead by a CSRF token in each form (checked against a signed HttpOnly cookie) and by
 * SameSite=Strict cookies, which a cross-site post does not carry. Only routes the console marks
 * (`config.consoleForm`) under /ui/, and only with the form content type: every other write still needs JSON.
 */
function isConsoleForm(request: FastifyRequest): boolean {
  return (
    request.routeOptions.config.consoleForm === true &&
    request.url.startsWith('/ui/') &&
    request.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase() === FORM
  );
}

function refused(statusCode: 403 | 415, code: string, field: string, rule: string): ApiError {
  return new ApiError(statusCode, code, `${field} ${rule}`, { field, rule });
}

/** Without API_TOKEN: a DNS-rebinding page reaches us under its own host name, a cross-site page sends its origin. */
function assertLoopbackCaller(request: FastifyRequest): void {
  if (!isLoopbackHost(request.headers.host)) {
    const rule = 'must be localhost, 127.x.x.x or [::1] (with an optional port) while API_TOKEN is not set';
    throw refused(403, 'FORBIDDEN_HOST', 'headers.host', rule);
  }
  const origin = request.headers.origin;
  if (origin !== undefined && !isLoopbackOrigin(origin)) {
    const rule =
      'must be http(s)://localhost, 127.x.x.x or [::1] (with an optional port), or absent, while API_TOKEN is not set';
    throw refused(403, 'FORBIDDEN_ORIGIN', 'headers.origin', rule);
  }
}

/**
 * Refuses what a page on another site can make a browser send. Every write (POST, PUT, PATCH, DELETE)
 * needs `Content-Type: application/json`, even one without a body (send none, or `{}`): a browser sends
 * that content type cross-site only after a CORS preflight, which this API never answers, while a form
 * or a no-cors fetch (no body, text/plain, form-encoded) needs none. Without API_TOKEN the server
 * listens on loopback only (server.ts), but a browser on this machine can still reach it, so Host and
 * Origin must be loopback too: a DNS-rebinding page could otherwise read any answer (the public routes'
 * included) under its own name. With API_TOKEN, Host and Origin are free (proxies, other machines): the
 * bearer token already stops cross-site requests, since a page cannot add an Authorization header
 * without a preflight, nor learn the token. Runs on onRequest, after the token check, before the body
 * is read.
 */
export default fp(
  async function requestOrigin(app: FastifyInstance, { token }: { token: string | undefined }) {
    app.addHook('onRequest', async (request) => {
      if (token === undefined) assertLoopbackCaller(request);
      if (
        WRITES.has(request.method) &&
        !isJsonContentType(request.headers['content-type']) &&
        !isConsoleForm(request)
      ) {
        const rule = `must be application/json on ${request.method} requests (with an empty body or {} when there is nothing to send)`;
        throw refused(415, 'UNSUPPORTED_MEDIA_TYPE', 'headers.content-type', rule);
      }
    });
  },
  { name: 'request-origin', dependencies: ['error-handler', 'auth', 'json-body'] },
);
