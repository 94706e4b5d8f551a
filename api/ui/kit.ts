import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { processService } from '../services/processes';
import type { PageContext } from './pages/layout';
import { liveSession, SESSION_COOKIE, type LiveSession } from './session';
import { signOuts } from './sign-outs';

/**
 * What every console route module shares: the signed-in check, a page's CSRF context, and how a page
 * is sent. Built once in api/ui/index.ts and handed to each module in api/ui/routes/.
 */
export interface ConsoleKit {
  /** API_TOKEN, or undefined when the console is open on loopback. */
  readonly token: string | undefined;
  /** The zone times are shown in for a process without a schedule zone. */
  readonly defaultZone: string;
  readonly processes: ReturnType<typeof processService>;
  /** Route config for a form post: public to the bearer-token check, exempt from the JSON-only rule. */
  readonly formRoute: { readonly public: true; readonly consoleForm: true };
  /** Whether the request has a live session that was not signed out (decided once per request: readSession). */
  signedIn(request: FastifyRequest): boolean;
  /** The request's session cookie, checked against the sign-outs; an onRequest hook calls it first. */
  readSession(request: FastifyRequest): Promise<void>;
  /** Signs the request's session out, so that no copy of its cookie works again. */
  signOut(request: FastifyRequest): Promise<void>;
  csrfToken(request: FastifyRequest, reply: FastifyReply): string;
  context(request: FastifyRequest, reply: FastifyReply): PageContext;
  sendPage(reply: FastifyReply, page: string, statusCode?: number): FastifyReply;
  /** The session and CSRF cookies' options: path /ui, HttpOnly, SameSite=Strict, Secure behind https. */
  cookieOptions(request: FastifyRequest): { path: string; httpOnly: true; sameSite: 'strict'; secure: boolean };
}

export function consoleKit(app: FastifyInstance, token: string | undefined): ConsoleKit {
  const sessions = new WeakMap<FastifyRequest, LiveSession>();
  const signedOut = signOuts(app.deps.orm);

  function cookieSession(request: FastifyRequest): LiveSession | null {
    if (token === undefined) return null;
    const raw = request.cookies[SESSION_COOKIE];
    if (raw === undefined) return null;
    const unsigned = request.unsignCookie(raw);
    return unsigned.valid ? liveSession(unsigned.value, Date.now()) : null;
  }

  function csrfToken(request: FastifyRequest, reply: FastifyReply): string {
    return reply.generateCsrf({ secure: request.protocol === 'https' } as Parameters<typeof reply.generateCsrf>[0]);
  }

  return {
    token,
    defaultZone: app.deps.config.timezone,
    processes: processService(app.deps),
    formRoute: { public: true, consoleForm: true },
    signedIn: (request) => sessions.has(request),
    async readSession(request) {
      const session = cookieSession(request);
      if (session && !(await signedOut.isSignedOut(session))) sessions.set(request, session);
    },
    async signOut(request) {
      const session = sessions.get(request);
      if (session) await signedOut.signOut(session);
      sessions.delete(request);
    },
    csrfToken,
    context: (request, reply) => ({ csrf: csrfToken(request, reply), signedIn: sessions.has(request) }),
    sendPage: (reply, page, statusCode = 200) =>
      reply.code(statusCode).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page),
    cookieOptions: (request) => ({
      path: '/ui',
      httpOnly: true,
      sameSite: 'strict',
      secure: request.protocol === 'https',
    }),
  };
}
