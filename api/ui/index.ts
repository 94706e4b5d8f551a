import type { FastifyError, FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { isLockTimeout } from '../../db/orm';
import { unreachableServer } from '../../platform/connection-failures';
import { ApiError } from '../errors';
import { consoleKit } from './kit';
import { errorPage } from './pages/sign-in';
import { actionRoutes } from './routes/actions';
import { executionRoutes } from './routes/executions';
import { processRoutes } from './routes/processes';
import { sessionRoutes } from './routes/session';
import { cookieSecret } from './session';

export { SIGN_IN_ATTEMPTS_PER_MINUTE } from './routes/session';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A console route reachable without a session: the sign-in page and the assets. */
    consoleOpen?: boolean;
  }
}

/**
 * The operator's console under /ui: server-rendered HTML. Its own scope: the cookie, CSRF,
 * form-body, security-header and rate-limit plugins apply to /ui routes only; the JSON API is unchanged.
 * With API_TOKEN: sign in with the token (a form) for a signed, HttpOnly, SameSite=Strict session
 * cookie. Without API_TOKEN the server listens on loopback only and the JSON API is open there, so the
 * console is open too (no sign-in); its forms still carry CSRF tokens, and request-origin.ts still
 * demands a loopback Host and Origin. Each page's routes live in api/ui/routes/.
 */
export default async function consoleUi(app: FastifyInstance, { token }: { token: string | undefined }) {
  await app.register(cookie, { secret: cookieSecret(token) });
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'behflow_csrf',
    cookieOpts: { path: '/ui', httpOnly: true, sameSite: 'strict', signed: true },
  });
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
  });
  await app.register(rateLimit, { global: false });

  const kit = consoleKit(app, token);

  // Pages, not API operations: left out of the OpenAPI document.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    // As the JSON API answers (api/plugins/error-handler.ts): Temporal or PostgreSQL out of reach, or a
    // lock wait past its bound, is a 503 saying so, not a generic 500.
    const dependency = unreachableServer(err);
    const busy = !dependency && isLockTimeout(err);
    const statusCode =
      dependency || busy
        ? 503
        : err instanceof ApiError || (err.statusCode ?? 500) < 500
          ? (err.statusCode ?? 500)
          : 500;
    if (statusCode === 500) request.log.error({ err }, 'console error');
    else if (statusCode === 503)
      request.log.warn({ err }, dependency ? `${dependency} is unavailable` : 'lock wait timed out');
    const message = dependency
      ? `${dependency} cannot be reached; try again later.`
      : busy
        ? 'Another change is in progress; try again in a few seconds.'
        : statusCode === 403 && err.code?.startsWith('FST_CSRF')
          ? 'The form had no valid CSRF token: reload the page and try again.'
          : statusCode === 429
            ? 'Too many sign-in attempts: wait a minute and try again.'
            : err.validation
              ? `Bad input: ${err.message}`
              : statusCode < 500
                ? err.message
                : `Something went wrong; the log has request ${request.id}.`;
    // An error thrown before the cookies were read (request-origin.ts's Host check) gets a page without forms.
    // (@fastify/cookie decorates requests with cookies = null until its onRequest hook parses them.)
    const cookiesRead = (request.cookies as unknown) != null;
    const page = cookiesRead ? kit.context(request, reply) : { csrf: '', signedIn: false };
    return kit.sendPage(reply, errorPage(statusCode, message, page), statusCode);
  });

  // No session: a page redirects to the sign-in form, a form post is refused.
  app.addHook('onRequest', async (request, reply) => {
    await kit.readSession(request);
    if (token === undefined || request.routeOptions.config.consoleOpen === true || kit.signedIn(request)) return;
    if (request.method === 'GET' || request.method === 'HEAD') return reply.redirect('/ui/sign-in', 303);
    throw new ApiError(401, 'UNAUTHORIZED', 'Sign in first');
  });

  sessionRoutes(app, kit);
  processRoutes(app, kit);
  executionRoutes(app, kit);
  actionRoutes(app, kit);
}
