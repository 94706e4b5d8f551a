import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { CONSOLE_CSS } from '../console-css';
import type { ConsoleKit } from '../kit';
import { signInPage } from '../pages/sign-in';
import { newSessionValue, SESSION_COOKIE, SESSION_TTL_MS, tokenMatches } from '../session';

/** Sign-in attempts allowed per client address and minute. */
export const SIGN_IN_ATTEMPTS_PER_MINUTE = 10;

const SignInBody = Type.Object(
  { token: Type.String({ maxLength: 1000 }), _csrf: Type.String() },
  { additionalProperties: false },
);
const CsrfOnlyBody = Type.Object({ _csrf: Type.String() }, { additionalProperties: false });

/** The stylesheet, and signing in and out. */
export function sessionRoutes(app: FastifyInstance, kit: ConsoleKit): void {
  const { token, formRoute } = kit;

  app.get('/ui/assets/console.css', { config: { public: true, consoleOpen: true } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(CONSOLE_CSS),
  );

  app.get('/ui/sign-in', { config: { public: true, consoleOpen: true } }, async (request, reply) => {
    if (token === undefined || kit.signedIn(request)) return reply.redirect('/ui', 303);
    return kit.sendPage(reply, signInPage(kit.csrfToken(request, reply), null));
  });

  app.post<{ Body: Static<typeof SignInBody> }>(
    '/ui/sign-in',
    {
      config: {
        ...formRoute,
        consoleOpen: true,
        rateLimit: { max: SIGN_IN_ATTEMPTS_PER_MINUTE, timeWindow: 60_000 },
      },
      preValidation: app.csrfProtection,
      schema: { body: SignInBody },
    },
    async (request, reply) => {
      if (token === undefined) return reply.redirect('/ui', 303);
      if (!tokenMatches(request.body.token, token)) {
        return kit.sendPage(reply, signInPage(kit.csrfToken(request, reply), 'That is not the API token.'), 401);
      }
      void reply.setCookie(SESSION_COOKIE, newSessionValue(Date.now()), {
        ...kit.cookieOptions(request),
        signed: true,
        maxAge: SESSION_TTL_MS / 1000,
      });
      return reply.redirect('/ui', 303);
    },
  );

  app.post<{ Body: Static<typeof CsrfOnlyBody> }>(
    '/ui/sign-out',
    { config: formRoute, preValidation: app.csrfProtection, schema: { body: CsrfOnlyBody } },
    async (request, reply) => {
      // Deleted from this browser, and remembered as signed out: a copy of the cookie no longer works.
      await kit.signOut(request);
      void reply.clearCookie(SESSION_COOKIE, kit.cookieOptions(request));
      return reply.redirect(token === undefined ? '/ui' : '/ui/sign-in', 303);
    },
  );
}
